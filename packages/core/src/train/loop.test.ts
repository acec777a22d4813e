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
    await expect(trainLoop({ variables: [v], steps: 10, loss: (s) => (s === 3 ? tf.div(tf.sum(v), 0).mul(0) : tf.sum(v)) as tf.Scalar })).rejects.toThrow(
      /^training diverged: the loss became NaN at step 4; try a smaller learning rate$/,
    );
    v.dispose();
  });

  it('reports example-weighted epoch losses, stops early and restores the best-scoring weights', async () => {
    const v = tf.variable(tf.tensor1d([4]));
    const ends: { epoch: number; loss: number; score?: number }[] = [];
    // Training pulls v to 0; the score prefers v = 2, so it improves, then worsens.
    const r = await trainLoop({
      variables: [v],
      steps: 3 * 100,
      learningRate: 0.1,
      loss: (s) => tf.mul(tf.sum(tf.square(v)), s % 3 === 2 ? 2 : 1) as tf.Scalar,
      epoch: { steps: 3, weight: (s) => (s % 3 === 2 ? 1 : 2), onEnd: (e) => ends.push(e) },
      earlyStopping: { score: () => Math.abs(v.dataSync()[0]! - 2), patience: 3 },
    });
    expect(r.stopped).toBe('early');
    expect(r.epochs).toBe(ends.length);
    expect(r.epochs).toBeLessThan(100);
    expect(r.best!.epoch).toBe(r.epochs! - 3);
    expect(ends.map((e) => e.epoch)).toEqual(Array.from({ length: ends.length }, (_, i) => i + 1));
    // Restored: v holds the best epoch's value, whose score is the reported best.
    expect(Math.abs(v.dataSync()[0]! - 2)).toBeCloseTo(r.best!.score, 6);
    expect(ends[r.best!.epoch - 1]!.score).toBeCloseTo(r.best!.score, 6);
    v.dispose();
  });

  it('with early stopping, a NaN loss stops training and keeps the best weights instead of failing', async () => {
    const v = tf.variable(tf.tensor1d([1]));
    const r = await trainLoop({
      variables: [v],
      steps: 20,
      learningRate: 0.1,
      loss: (s) => (s === 7 ? tf.div(tf.sum(v), 0).mul(0) : tf.sum(tf.square(v))) as tf.Scalar,
      epoch: { steps: 2 },
      earlyStopping: { score: () => v.dataSync()[0]!, patience: 100 },
    });
    expect(r.stopped).toBe('diverged');
    expect(r.steps).toBe(8);
    expect(Number.isFinite(v.dataSync()[0]!)).toBe(true);
    expect(v.dataSync()[0]!).toBeCloseTo(r.best!.score, 6);
    v.dispose();
  });
});
