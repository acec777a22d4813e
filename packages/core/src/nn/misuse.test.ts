// The same misuse gets the same coded error (code, message, where) on the fused kernels and on
// the tfjs reference path; where the kernel itself finds the mistake, core's seam re-throws it as
// a SeqcastError and keeps the kernel's error as `cause`.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { SeqcastError } from '../errors.js';
import { initBackend } from '../runtime/backend.js';
import { denseSoftmaxCrossEntropy, denseSquaredError, gruSequence, initKernels, lstmSequence } from './kernels.js';
import { gruSequenceReference, lstmSequenceReference } from './reference.js';

await initBackend();
const fused = (await initKernels()).path === 'fused';

function caught(fn: () => unknown): SeqcastError {
  try {
    tf.tidy(() => {
      fn();
    });
  } catch (e) {
    expect(e).toBeInstanceOf(SeqcastError);
    return e as SeqcastError;
  }
  throw new Error('expected an error');
}

const [B, T, I, H] = [2, 3, 4, 5];
const w = (gates: number) => ({
  k: tf.zeros([I, gates * H]) as tf.Tensor2D,
  rk: tf.zeros([H, gates * H]) as tf.Tensor2D,
  b: tf.zeros([gates * H]) as tf.Tensor1D,
});

/** Misuses, each as (sequence function) => call. */
const misuses: { name: string; kernelFinds: boolean; gru?: boolean; call: (seq: typeof lstmSequence) => unknown }[] = [
  { name: 'weights of different widths', kernelFinds: true, call: (seq) => seq(tf.zeros([B, T, I]), w(4).k, w(3).rk, w(4).b) },
  { name: 'x with the wrong number of features', kernelFinds: true, call: (seq) => seq(tf.zeros([B, T, I + 1]), w(4).k, w(4).rk, w(4).b) },
  { name: 'x of rank 1', kernelFinds: true, call: (seq) => seq(tf.zeros([I]), w(4).k, w(4).rk, w(4).b) },
  { name: 'an id outside the vocabulary', kernelFinds: true, call: (seq) => seq(tf.tensor2d([[0, 1, I]], [1, 3], 'int32'), w(4).k, w(4).rk, w(4).b) },
  { name: 'h0 of the wrong shape', kernelFinds: false, call: (seq) => seq(tf.zeros([B, T, I]), w(4).k, w(4).rk, w(4).b, { h0: tf.zeros([B + 1, H]) }) },
  { name: 'a mask of the wrong shape', kernelFinds: false, call: (seq) => seq(tf.zeros([B, T, I]), w(4).k, w(4).rk, w(4).b, { mask: tf.ones([B, T + 1]) }) },
  { name: 'c0 given to a GRU', kernelFinds: false, gru: true, call: (seq) => seq(tf.zeros([B, T, I]), w(3).k, w(3).rk, w(3).b, { c0: tf.zeros([B, H]) }) },
];

describe('misuse of the recurrent seam', () => {
  for (const m of misuses) {
    it(`${m.name}: BAD_ARGUMENT on the reference path`, () => {
      const e = caught(() => m.call(m.gru ? gruSequenceReference : lstmSequenceReference));
      expect(e.code).toBe('BAD_ARGUMENT');
      expect(e.message).toMatch(/^(lstm|gru)Sequence: /);
    });

    it.skipIf(!fused)(`${m.name}: the same code, message and where on the fused path (skipped: fused kernels not active)`, () => {
      const ref = caught(() => m.call(m.gru ? gruSequenceReference : lstmSequenceReference));
      const got = caught(() => m.call(m.gru ? gruSequence : lstmSequence));
      expect({ code: got.code, message: got.message, where: got.details.where }).toEqual({ code: ref.code, message: ref.message, where: ref.details.where });
      if (m.kernelFinds) {
        // Found inside @seqcast/kernels: its own coded error is kept as the cause.
        expect((got.cause as Error).name).toBe('KernelError');
        expect((got.cause as Error).message).toBe(got.message);
      }
    });
  }

  it('the dense softmax head: labels of the wrong shape are BAD_ARGUMENT naming labels, on the active path', () => {
    const e = caught(() =>
      denseSoftmaxCrossEntropy(tf.zeros([B, T, H]), tf.zeros([H, 7]) as tf.Tensor2D, tf.zeros([7]) as tf.Tensor1D, tf.zeros([B, T + 1], 'int32')),
    );
    expect({ code: e.code, where: e.details.where }).toEqual({ code: 'BAD_ARGUMENT', where: 'labels' });
    expect(e.message).toBe(`denseSoftmaxCrossEntropy: labels must be [${B},${T}] (got [${B},${T + 1}])`);
  });

  it('the dense squared-error head: targets of the wrong shape are BAD_ARGUMENT naming y, on the active path', () => {
    const e = caught(() => denseSquaredError(tf.zeros([B, H]), tf.zeros([H, 2]) as tf.Tensor2D, tf.zeros([2]) as tf.Tensor1D, tf.zeros([B, 3])));
    expect({ code: e.code, where: e.details.where }).toEqual({ code: 'BAD_ARGUMENT', where: 'y' });
    expect(e.message).toBe(`denseSquaredError: y must be [${B},2] (got [${B},3])`);
  });
});
