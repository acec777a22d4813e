// The fused dense + squared-error head vs the same loss in tfjs ops: value and every gradient.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { denseSquaredError, kernelsInfo } from './index.js';

const info = kernelsInfo();

function rand(n: number, seed: number): Float32Array {
  let s = (Math.imul(seed + 1, 2654435761) ^ 0x5bd1e995) >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296 - 0.5;
  });
}

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [a.dataSync(), b.dataSync()];
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!) / Math.max(1, Math.abs(y[i]!)));
  return m;
}

describe.skipIf(!info.available)('denseSquaredError vs tfjs ops', () => {
  const cases = [
    { N: 505, H: 10, O: 1, reduction: 'sum', offset: false },
    { N: 37, H: 40, O: 3, reduction: 'mean', offset: true },
    { N: 3, H: 64, O: 7, reduction: 'mean', offset: false },
  ] as const;
  for (const c of cases) {
    it(`N${c.N} H${c.H} O${c.O} ${c.reduction}${c.offset ? ' offset' : ''}: loss and gradients within 1e-4`, () => {
      tf.tidy(() => {
        const h = tf.variable(tf.tensor2d(rand(c.N * c.H, 1), [c.N, c.H]));
        const k = tf.variable(tf.tensor2d(rand(c.H * c.O, 2), [c.H, c.O]));
        const b = tf.variable(tf.tensor1d(rand(c.O, 3)));
        const y = tf.variable(tf.tensor2d(rand(c.N * c.O, 4), [c.N, c.O]));
        const off = tf.variable(tf.tensor2d(rand(c.N * c.O, 5), [c.N, c.O]));
        const vars = [h, k, b, y, ...(c.offset ? [off] : [])];
        const pred = () => {
          const p = tf.add(tf.matMul(h, k), b);
          return c.offset ? tf.add(p, off) : p;
        };
        const ref = () => (c.reduction === 'mean' ? tf.losses.meanSquaredError(y, pred()) : tf.sum(tf.square(tf.sub(pred(), y)))) as tf.Scalar;
        const fused = () => denseSquaredError(h, k, b, y, { reduction: c.reduction, ...(c.offset ? { offset: off } : {}) });
        const r = tf.variableGrads(ref, vars);
        const f = tf.variableGrads(fused, vars);
        expect(maxRelDiff(f.value, r.value)).toBeLessThan(1e-4);
        for (const v of vars) expect(maxRelDiff(f.grads[v.name]!, r.grads[v.name]!), v.name).toBeLessThan(1e-4);
        tf.dispose(vars);
      });
    });
  }

  it('repeated calls leak no tensors; misuse is a one-line error naming the argument', () => {
    const h = tf.variable(tf.tensor2d(rand(20 * 8, 6), [20, 8]));
    const k = tf.variable(tf.tensor2d(rand(8 * 2, 7), [8, 2]));
    const b = tf.variable(tf.zeros([2]) as tf.Tensor1D);
    const y = tf.tensor2d(rand(40, 8), [20, 2]);
    const once = () => {
      const { value, grads } = tf.variableGrads(() => denseSquaredError(h, k, b, y), [h, k, b]);
      tf.dispose([value, ...Object.values(grads)]);
      tf.dispose(denseSquaredError(h, k, b, y));
    };
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) once();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => denseSquaredError(h, k, b, tf.zeros([20, 3]))).toThrow(/^denseSquaredError: y must be \[20,2\] \(got \[20,3\]\)$/);
    expect(() => denseSquaredError(h, tf.zeros([7, 2]) as tf.Tensor2D, b, y)).toThrow(/kernel must be \[8,O\]/);
    tf.dispose([h, k, b, y]);
  });
});
