import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { dirHandler } from '../io/model-dir.js';
import { leakedTensors } from '../testing/leaks.js';
import { SequenceRegressor, type RegressorData } from './regressor.js';

/** Windows of a noiseless sine: window W -> the next value. */
function sineData(n: number, offset: number, W: number): RegressorData {
  const x = new Float32Array(n * W);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < W; s++) x[i * W + s] = Math.sin(0.3 * (offset + i + s));
    y[i] = Math.sin(0.3 * (offset + i + W));
  }
  return { n, x, y };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('SequenceRegressor', () => {
  it('learns a synthetic series (beats "next = last"), reports epochs, stops early, restores the best weights', async () => {
    const W = 6;
    const train = sineData(160, 0, W);
    const val = sineData(40, 200, W);
    const reg = SequenceRegressor.create({ window: W, features: 1, units: 12 }, 3);
    try {
      const seen: number[] = [];
      const r = await reg.fit(train, { epochs: 40, learningRate: 0.02, validation: val, patience: 5, seed: 1 }, { onEpoch: (p) => seen.push(p.epoch) });
      expect(seen[0]).toBe(1);
      expect(seen.length).toBe(r.epochs);
      expect(r.valLoss).not.toBeNull();
      const p = reg.predict(val);
      let mse = 0;
      let naive = 0;
      for (let i = 0; i < val.n; i++) {
        mse += (p[i]! - val.y[i]!) ** 2;
        naive += (val.x[i * W + W - 1]! - val.y[i]!) ** 2;
      }
      expect(mse / val.n).toBeLessThan(0.25 * (naive / val.n));
      // The restored weights are the best validation epoch's.
      expect(mse / val.n).toBeCloseTo(r.valLoss!, 5);
    } finally {
      reg.dispose();
    }
  });

  it('the seam forward equals the layers model itself; horizon > 1; an untrained regressor predicts 0', () => {
    const reg = SequenceRegressor.create({ window: 4, features: 2, horizon: 3, units: 5, cell: 'gru' }, 7);
    try {
      const n = 5;
      const x = Float32Array.from({ length: n * 4 * 2 }, (_, i) => Math.sin(i));
      // The head starts at zero: the neutral correction for a regressor trained on residuals.
      expect(Array.from(reg.predict({ n, x })).every((v) => v === 0)).toBe(true);
      const head = reg.model.getLayer('head');
      const hw = head.getWeights().map((w) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 9));
      head.setWeights(hw);
      tf.dispose(hw);
      const ours = reg.predict({ n, x });
      const theirsT = tf.tidy(() => reg.model.predict(tf.tensor3d(x, [n, 4, 2])) as tf.Tensor);
      const theirs = theirsT.dataSync();
      theirsT.dispose();
      expect(ours.length).toBe(n * 3);
      expect(ours.some((v) => v !== 0)).toBe(true);
      ours.forEach((v, i) => expect(v).toBeCloseTo(theirs[i]!, 5));
      expect(reg.model.layers.map((l) => l.name)).toEqual(['window', 'rnn', 'head']);
    } finally {
      reg.dispose();
    }
  });

  it('save -> load -> identical predictions; stock tf.loadLayersModel reads the directory; no tensor leaks', async () => {
    const W = 5;
    const d = sineData(30, 0, W);
    const reg = SequenceRegressor.create({ window: W, features: 1, units: 6 }, 2);
    await reg.fit(d, { epochs: 3, seed: 4 });
    const dir = await mkdtemp(path.join(tmpdir(), 'seqcast-reg-'));
    dirs.push(dir);
    await reg.save(path.join(dir, 'r'), { extra: { note: 'test' } });
    const { regressor: again, metadata } = await SequenceRegressor.load(path.join(dir, 'r'));
    try {
      expect(metadata.kind).toBe('regressor');
      expect(metadata.config.regressor).toEqual(reg.config);
      expect(Array.from(again.predict(d))).toEqual(Array.from(reg.predict(d)));
      const stock = await tf.loadLayersModel(dirHandler(path.join(dir, 'r')));
      expect(stock.layers.map((l) => l.name)).toContain('rnn');
      stock.dispose();
      expect(await leakedTensors(() => again.predict(d))).toBe(0);
    } finally {
      again.dispose();
      reg.dispose();
    }
  });

  it('bad shapes and options are clear errors; aborting stops training', async () => {
    expect(() => SequenceRegressor.create({ window: 0, features: 1 })).toThrow(/window must be a positive integer/);
    const reg = SequenceRegressor.create({ window: 3, features: 1, units: 4 });
    try {
      expect(() => reg.predict({ n: 2, x: new Float32Array(5) })).toThrow(/predict.x must hold 6 values \(received 5\)/);
      await expect(reg.fit({ n: 2, x: new Float32Array(6), y: new Float32Array(2) }, { epochs: 0 })).rejects.toThrow(/epochs must be a positive integer/);
      const ac = new AbortController();
      ac.abort();
      await expect(reg.fit({ n: 2, x: new Float32Array(6), y: new Float32Array(2) }, { epochs: 5 }, { signal: ac.signal })).rejects.toThrow(/abort/i);
    } finally {
      reg.dispose();
    }
  });
});
