// Kernel selection: the active recurrent path is reported, SEQCAST_KERNELS is validated, and
// whichever path is active computes what the tfjs reference computes.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { gruSequence, initKernels, kernelStatus, lstmSequence, parseKernelRequest } from './kernels.js';
import { gruSequenceReference, lstmSequenceReference } from './reference.js';

function rand(shape: number[], seed: number): tf.Tensor {
  const r = seededRandom(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() - 0.5), shape);
}

describe('recurrent kernel selection', () => {
  it('validates SEQCAST_KERNELS', () => {
    expect(parseKernelRequest(undefined)).toBe('auto');
    expect(parseKernelRequest(' Fused ')).toBe('fused');
    expect(() => parseKernelRequest('gpu')).toThrow('SEQCAST_KERNELS must be one of fused, tfjs, auto (received "gpu")');
  });

  it('reports the active path once initialised, honouring SEQCAST_KERNELS', async () => {
    const s = await initKernels();
    expect(s.initialised).toBe(true);
    expect(kernelStatus()).toBe(s);
    expect(['fused', 'tfjs']).toContain(s.path);
    if (process.env.SEQCAST_KERNELS === 'tfjs') expect(s.path).toBe('tfjs');
    expect(s.reason.length).toBeGreaterThan(0);
  });

  it.each(['lstm', 'gru'] as const)('the active %s path matches the reference (masked, ids and floats)', async (cell) => {
    await initKernels();
    const g = cell === 'lstm' ? 4 : 3;
    const H = 5, V = 7, B = 3, T = 6;
    tf.tidy(() => {
      const k = rand([V, g * H], 1) as tf.Tensor2D;
      const rk = rand([H, g * H], 2) as tf.Tensor2D;
      const b = rand([g * H], 3) as tf.Tensor1D;
      const ids = tf.tensor2d([[1, 2, 3, 4, 5, 6], [0, 0, 1, 1, 2, 2], [6, 5, 4, 3, 2, 1]], [B, T], 'int32');
      const mask = tf.tensor2d([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 0]], [B, T]);
      const active = cell === 'lstm' ? lstmSequence : gruSequence;
      const ref = cell === 'lstm' ? lstmSequenceReference : gruSequenceReference;
      for (const x of [ids, tf.oneHot(ids, V).toFloat()]) {
        const a = active(x, k, rk, b, { mask });
        const r = ref(x, k, rk, b, { mask });
        expect(tf.max(tf.abs(tf.sub(a.outputs, r.outputs))).dataSync()[0]).toBeLessThan(1e-5);
        expect(tf.max(tf.abs(tf.sub(a.h, r.h))).dataSync()[0]).toBeLessThan(1e-5);
        const loss = (fn: typeof active) => (kk: tf.Tensor) => tf.sum(tf.square(fn(x, kk as tf.Tensor2D, rk, b, { mask }).outputs));
        const ga = tf.grad(loss(active))(k);
        const gr = tf.grad(loss(ref))(k);
        expect(tf.max(tf.abs(tf.sub(ga, gr))).dataSync()[0]).toBeLessThan(1e-4);
      }
    });
  });
});
