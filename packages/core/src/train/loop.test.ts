import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { adamOptimizer } from '../nn/kernels.js';
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

  it('continues a run: resumed with the same optimizer it ends where one uninterrupted run ends, steps counting the whole run', async () => {
    const loss = (v: tf.Variable) => (s: number) => tf.sum(tf.square(tf.sub(v, s % 3))) as tf.Scalar;
    const a = tf.variable(tf.tensor1d([5, -5]));
    const once = adamOptimizer(0.1);
    await trainLoop({ variables: [a], steps: 10, learningRate: 0.1, optimizer: once, loss: loss(a) });
    once.dispose();
    const b = tf.variable(tf.tensor1d([5, -5]));
    const optimizer = adamOptimizer(0.1);
    const seen: number[] = [];
    const first = await trainLoop({ variables: [b], steps: 4, learningRate: 0.1, optimizer, loss: loss(b) });
    const rest = await trainLoop({
      variables: [b],
      steps: 10,
      resumeFrom: { step: first.steps, elapsedMs: first.elapsedMs },
      learningRate: 0.1,
      optimizer,
      loss: loss(b),
      afterStep: (s) => void seen.push(s.step),
    });
    expect(rest.steps).toBe(10);
    expect(seen).toEqual([5, 6, 7, 8, 9, 10]);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    optimizer.dispose();
    tf.dispose([a, b]);
  });

  it('clips the gradient to the global norm', async () => {
    const v = tf.variable(tf.tensor1d([0, 0]));
    const optimizer = tf.train.sgd(1);
    // Gradient (3, 4): norm 5, clipped to norm 1.
    await trainLoop({ variables: [v], steps: 1, optimizer, clipNorm: 1, loss: () => tf.sum(tf.mul(v, tf.tensor1d([3, 4]))) as tf.Scalar });
    expect(Array.from(v.dataSync()).map((x) => Number(x.toFixed(5)))).toEqual([-0.6, -0.8]);
    optimizer.dispose();
    v.dispose();
  });

  it('an abort stops training between steps and rejects with its reason', async () => {
    const v = tf.variable(tf.tensor1d([1]));
    const before = tf.memory().numTensors;
    const ac = new AbortController();
    let steps = 0;
    const err = await trainLoop({
      variables: [v],
      steps: 1000,
      signal: ac.signal,
      loss: () => tf.sum(tf.square(v)) as tf.Scalar,
      afterStep: (s) => {
        steps = s.step;
        if (s.step === 3) ac.abort(new Error('cancelled'));
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('cancelled');
    expect(steps).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });

  it('with only a time budget, reports the steps expected at the current pace', async () => {
    const v = tf.variable(tf.tensor1d([1]));
    const seen: { step: number; steps: number }[] = [];
    const r = await trainLoop({
      variables: [v],
      steps: Infinity,
      budgetMs: 40,
      loss: () => tf.sum(tf.square(v)) as tf.Scalar,
      onProgress: (p) => seen.push(p),
    });
    expect(r.stopped).toBe('budget');
    expect(seen.length).toBeGreaterThan(0);
    for (const p of seen) expect(p.steps).toBeGreaterThanOrEqual(p.step);
    expect(seen.at(-1)!.steps).toBe(seen.at(-1)!.step);
    v.dispose();
  });
});
