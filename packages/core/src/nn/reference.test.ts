// The tfjs-op reference LSTM/GRU must compute exactly what stock tf.layers.lstm / tf.layers.gru
// compute from the same weights, for float input and for int32 ids (one-hot) input.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { gruSequenceReference, lstmSequenceReference } from './reference.js';

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const r = seededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => r() * 2 - 1),
    shape,
  );
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe.each(['lstm', 'gru'] as const)('%s reference vs tf.layers', (cell) => {
  const B = 3,
    T = 5,
    I = 4,
    H = 6;
  const fn = cell === 'lstm' ? lstmSequenceReference : gruSequenceReference;
  const build = () => {
    const args = { units: H, returnSequences: true, returnState: false, recurrentActivation: 'sigmoid' as const, inputShape: [T, I] };
    const model = tf.sequential({ layers: [cell === 'lstm' ? tf.layers.lstm(args) : tf.layers.gru(args)] });
    // Non-zero biases so a bias mix-up cannot hide.
    const [k, rk, b] = model.getWeights() as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const bias = randomTensor(b.shape, 3) as tf.Tensor1D;
    model.setWeights([k, rk, bias]); // copies the values
    bias.dispose();
    return model;
  };

  it('float input: outputs and final state match the layer', () => {
    const model = build();
    const x = randomTensor([B, T, I], 1);
    const [k, rk, b] = model.getWeights() as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const expected = model.predict(x) as tf.Tensor3D;
    const r = fn(x, k, rk, b);
    expect(r.outputs.shape).toEqual([B, T, H]);
    expect(maxAbsDiff(r.outputs, expected)).toBeLessThan(1e-5);
    const last = expected.slice([0, T - 1, 0], [B, 1, H]).reshape([B, H]);
    expect(maxAbsDiff(r.h, last)).toBeLessThan(1e-6);
    expect(r.c !== undefined).toBe(cell === 'lstm');
    tf.dispose([x, expected, last, r.outputs, r.h, r.c ?? []]);
    model.dispose();
  });

  it('int32 ids behave exactly like one-hot input, values and gradients', () => {
    const model = build();
    const [k0, rk, b] = model.getWeights() as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const ids = tf.tensor2d(
      [
        [0, 1, 3, 2, 1],
        [3, 3, 0, 0, 2],
        [1, 2, 3, 0, 1],
      ],
      [B, T],
      'int32',
    );
    const oneHot = tf.oneHot(ids, I).toFloat();
    const expected = model.predict(oneHot) as tf.Tensor3D;
    const viaIds = fn(ids, k0, rk, b);
    expect(maxAbsDiff(viaIds.outputs, expected)).toBeLessThan(1e-5);
    // The gradient of the row gather (custom, wasm has no UnsortedSegmentSum) equals the matmul's.
    const lossOf = (x: tf.Tensor) => (k: tf.Tensor) => tf.sum(tf.square(fn(x, k as tf.Tensor2D, rk, b).outputs));
    const gIds = tf.grad(lossOf(ids))(k0);
    const gHot = tf.grad(lossOf(oneHot))(k0);
    expect(tf.tidy(() => tf.max(tf.abs(gHot)).dataSync()[0]!)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(gIds, gHot)).toBeLessThan(1e-5);
    tf.dispose([ids, oneHot, expected, viaIds.outputs, viaIds.h, viaIds.c ?? [], gIds, gHot]);
    model.dispose();
  });

  it('starts from h0/c0 when given', () => {
    const model = build();
    // getWeights() returns the layer's own variables: never dispose them, only what tidy made.
    const [k, rk, b] = model.getWeights() as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    tf.tidy(() => {
      const x = randomTensor([B, T, I], 7);
      // Running steps 0..1 then 2..4 from the carried state equals running 0..4 at once.
      const whole = fn(x, k, rk, b);
      const first = fn(x.slice([0, 0, 0], [B, 2, I]), k, rk, b);
      const opts = first.c ? { h0: first.h, c0: first.c } : { h0: first.h };
      const rest = fn(x.slice([0, 2, 0], [B, T - 2, I]), k, rk, b, opts);
      expect(maxAbsDiff(rest.h, whole.h)).toBeLessThan(1e-6);
      expect(maxAbsDiff(rest.outputs, whole.outputs.slice([0, 2, 0], [B, T - 2, H]))).toBeLessThan(1e-6);
    });
    model.dispose();
  });

  it('a one-step sequence is differentiable (tfjs unstack gradient breaks on one output)', () => {
    const model = build();
    const [k, rk, b] = model.getWeights() as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    tf.tidy(() => {
      const x = randomTensor([B, 1, I], 9);
      const g = tf.grad((kk: tf.Tensor) => tf.sum(fn(x, kk as tf.Tensor2D, rk, b).outputs))(k);
      expect(g.shape).toEqual(k.shape);
      expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(1e-4);
    });
    model.dispose();
  });

  it('rejects mismatched weights with a one-line error', () => {
    const k = tf.zeros([I, 2 * H]) as tf.Tensor2D;
    const rk = tf.zeros([H, 4 * H]) as tf.Tensor2D;
    const b = tf.zeros([4 * H]) as tf.Tensor1D;
    expect(() => fn(tf.zeros([1, 2, I]), k, rk, b)).toThrow(/weight shapes do not match/);
    tf.dispose([k, rk, b]);
  });
});
