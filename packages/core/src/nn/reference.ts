/**
 * Reference implementation of the recurrent seam in plain tfjs ops, differentiable by tfjs
 * autograd on every backend. It is the path used when the native kernels are absent, and the
 * yardstick the kernels are tested against.
 *
 * The input projection for all time steps is one matmul (or, for int32 id input, one row gather
 * of the kernel) before the loop, so each step only does the recurrent matmul and the gates.
 */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';
import type { GruSequenceFn, LstmSequenceFn, SequenceOptions } from './types.js';

/**
 * `kernel[ids]` as a differentiable op: forward is a row gather; the gradient w.r.t. the kernel is
 * oneHot(ids)^T · dy. (tfjs's own gather gradient needs UnsortedSegmentSum, which the wasm
 * backend does not implement.)
 */
function gatherRows(kernel: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const [rows, cols] = kernel.shape;
  const flat = ids.reshape([-1]) as tf.Tensor1D;
  const gathered = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const k = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([flat]);
    return {
      value: tf.gather(k, flat),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const oneHot = tf.oneHot(saved[0] as tf.Tensor1D, rows);
        return tf.matMul(oneHot, dy as tf.Tensor2D, true, false);
      },
    };
  })(kernel) as tf.Tensor2D;
  return gathered.reshape([...ids.shape, cols]);
}

/** x·kernel + bias for every step at once: [B,T,G]. */
function inputProjection(x: tf.Tensor, kernel: tf.Tensor2D, bias: tf.Tensor1D, fn: string): tf.Tensor3D {
  const [inputDim, gates] = kernel.shape;
  if (x.rank === 2 && x.dtype === 'int32') {
    return tf.add(gatherRows(kernel, x), bias) as tf.Tensor3D;
  }
  if (x.rank !== 3) {
    throw new SeqcastError('BAD_ARGUMENT', `${fn}: x must be float [B,T,I] or int32 ids [B,T] (got rank ${x.rank}, ${x.dtype})`);
  }
  const [b, t, i] = x.shape as [number, number, number];
  if (i !== inputDim) throw new SeqcastError('BAD_ARGUMENT', `${fn}: x has ${i} features, kernel expects ${inputDim}`);
  const flat = tf.matMul(x.reshape([b * t, i]) as tf.Tensor2D, kernel);
  return tf.add(flat, bias).reshape([b, t, gates]) as tf.Tensor3D;
}

/**
 * [B,T,G] -> T tensors [B,G]. A single step is a reshape: tfjs's unstack gradient breaks when
 * unstack has only one output (it hands the gradient function a tensor instead of an array).
 */
function stepsOf(xp: tf.Tensor3D): tf.Tensor2D[] {
  const [b, t, g] = xp.shape;
  return t === 1 ? [xp.reshape([b, g])] : (tf.unstack(xp, 1) as tf.Tensor2D[]);
}

interface StepMask {
  keep: tf.Tensor2D; // m   [B,1]
  hold: tf.Tensor2D; // 1-m [B,1]
}

function stepMasks(mask: tf.Tensor2D | undefined, steps: number): StepMask[] | undefined {
  if (!mask) return undefined;
  const m = mask.toFloat();
  const keeps = tf.split(m, steps, 1) as tf.Tensor2D[];
  return keeps.map((keep) => ({ keep, hold: tf.sub(1, keep) as tf.Tensor2D }));
}

/** Masked update: exactly `next` where m = 1, exactly `prev` where m = 0. */
function blend(next: tf.Tensor2D, prev: tf.Tensor2D, m: StepMask | undefined): tf.Tensor2D {
  if (!m) return next;
  return tf.add(tf.mul(m.keep, next), tf.mul(m.hold, prev)) as tf.Tensor2D;
}

function checkShapes(fn: string, gatesPerUnit: number, kernel: tf.Tensor2D, rk: tf.Tensor2D, bias: tf.Tensor1D): number {
  const h = rk.shape[0];
  if (rk.shape[1] !== gatesPerUnit * h || kernel.shape[1] !== gatesPerUnit * h || bias.shape[0] !== gatesPerUnit * h) {
    throw new SeqcastError(
      'BAD_ARGUMENT',
      `${fn}: weight shapes do not match (kernel ${kernel.shape}, recurrentKernel ${rk.shape}, bias ${bias.shape})`,
    );
  }
  return h;
}

function initialState(s: tf.Tensor2D | undefined, batch: number, units: number): tf.Tensor2D {
  return s ?? tf.zeros([batch, units]);
}

/**
 * LSTM over a whole sequence in tfjs ops (tfjs-layers' LSTMCell with tanh / sigmoid).
 *
 * @example
 * const { outputs, h, c } = lstmSequenceReference(ids, kernel, recurrentKernel, bias, { mask });
 */
export const lstmSequenceReference: LstmSequenceFn = (x, kernel, recurrentKernel, bias, opts: SequenceOptions = {}) => {
  const units = checkShapes('lstmSequence', 4, kernel, recurrentKernel, bias);
  const xp = inputProjection(x, kernel, bias, 'lstmSequence');
  const [batch, steps] = xp.shape;
  const masks = stepMasks(opts.mask, steps);
  const xs = stepsOf(xp);
  let h = initialState(opts.h0, batch, units);
  let c = initialState(opts.c0, batch, units);
  const outs: tf.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) {
    const z = tf.add(xs[t]!, tf.matMul(h, recurrentKernel)) as tf.Tensor2D;
    const [zi, zf, zc, zo] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const cNext = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zc))) as tf.Tensor2D;
    const hNext = tf.mul(tf.sigmoid(zo), tf.tanh(cNext)) as tf.Tensor2D;
    const m = masks?.[t];
    outs.push(m ? (tf.mul(m.keep, hNext) as tf.Tensor2D) : hNext);
    h = blend(hNext, h, m);
    c = blend(cNext, c, m);
  }
  return { outputs: tf.stack(outs, 1) as tf.Tensor3D, h, c };
};

/**
 * GRU over a whole sequence in tfjs ops, the formula of tfjs-layers' GRUCell (tanh / sigmoid):
 * z = σ(x_z + h U_z), r = σ(x_r + h U_r), hh = tanh(x_h + (r ⊙ h) U_h), h' = z ⊙ h + (1 − z) ⊙ hh.
 *
 * @example
 * const { outputs, h } = gruSequenceReference(x, kernel, recurrentKernel, bias);
 */
export const gruSequenceReference: GruSequenceFn = (x, kernel, recurrentKernel, bias, opts: SequenceOptions = {}) => {
  const units = checkShapes('gruSequence', 3, kernel, recurrentKernel, bias);
  const xp = inputProjection(x, kernel, bias, 'gruSequence');
  const [batch, steps] = xp.shape;
  const masks = stepMasks(opts.mask, steps);
  const xs = stepsOf(xp);
  const [rkZr, rkH] = tf.split(recurrentKernel, [2 * units, units], 1) as [tf.Tensor2D, tf.Tensor2D];
  let h = initialState(opts.h0, batch, units);
  const outs: tf.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) {
    const [xz, xr, xh] = tf.split(xs[t]!, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const [rz, rr] = tf.split(tf.matMul(h, rkZr), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const z = tf.sigmoid(tf.add(xz, rz));
    const r = tf.sigmoid(tf.add(xr, rr));
    const hh = tf.tanh(tf.add(xh, tf.matMul(tf.mul(r, h) as tf.Tensor2D, rkH)));
    const hNext = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh)) as tf.Tensor2D;
    const m = masks?.[t];
    outs.push(m ? (tf.mul(m.keep, hNext) as tf.Tensor2D) : hNext);
    h = blend(hNext, h, m);
  }
  return { outputs: tf.stack(outs, 1) as tf.Tensor3D, h };
};
