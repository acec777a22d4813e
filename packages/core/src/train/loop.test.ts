import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../runtime/backend.js';
import { trainLoop } from './loop.js';

describe('trainLoop', () => {
  it('minimises a loss, reports progress with an ETA, follows a schedule and leaks no tensors', async () => {
    await initBackend();
    const v = tf.variable(tf.tensor1d([3, -2]));
    const before = tf.memory().numTensors;
    const seen: { step: number; etaMs: number }[] = [];
    const rates: number[] = [];
    const r = await trainLoop({
      variables: [v],
      steps: 200,
      learningRate: (s, n) => {
        const rate = s < n / 2 ? 0.1 : 0.01;
        rates.push(rate);
        return rate;
      },
      loss: () => tf.sum(tf.square(v)) as tf.Scalar,
      onProgress: (p) => seen.push(p),
      progressEvery: 50,
    });
    expect(r).toMatchObject({ steps: 200, stopped: 'steps' });
    expect(Math.max(...(v.dataSync() as Float32Array).map(Math.abs))).toBeLessThan(0.05);
    expect(seen.map((p) => p.step)).toEqual([50, 100, 150, 200]);
    expect(seen.at(-1)!.etaMs).toBe(0);
    expect(new Set(rates)).toEqual(new Set([0.1, 0.01]));
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });

  it('stops at the wall-clock budget, and stops with a clear error when the loss turns NaN', async () => {
    const v = tf.variable(tf.tensor1d([1]));
    const slow = await trainLoop({
      variables: [v],
      steps: 1_000_000,
      budgetMs: 50,
      loss: () => tf.sum(tf.square(v)) as tf.Scalar,
    });
    expect(slow.stopped).toBe('budget');
    expect(slow.steps).toBeLessThan(1_000_000);
    await expect(
      trainLoop({ variables: [v], steps: 10, loss: (s) => (s === 3 ? tf.div(tf.sum(v), 0).mul(0) : tf.sum(v)) as tf.Scalar }),
    ).rejects.toThrow(/training diverged: the loss became NaN at step 4/);
    v.dispose();
  });
});
