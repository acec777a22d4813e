/**
 * Reference implementation of the recurrent seam in plain tfjs ops, differentiable by tfjs
 * autograd on every backend: one masked time loop (`rnnSequence`) over any cell (./cells). It is the path used when the native kernels are absent, and the
 * yardstick the kernels are tested against.
 *
 * The input projection for all time steps is one matmul (or, for int32 id input, one row gather
 * of the kernel) before the loop, so each step only does the recurrent matmul and the gates.
 */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';
import type { RecurrentCell } from './cells/cell.js';
import { gruCell } from './cells/gru.js';
import { lstmCell } from './cells/lstm.js';
import type { GruSequenceFn, LstmSequenceFn, SequenceOptions, SequenceResult } from './types.js';

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

/**
 * Ids outside 0..rows-1 are a BAD_ARGUMENT (tfjs's gather would read zeros or garbage), worded as
 * the fused kernels word it. One read of the ids, small beside the step loop.
 */
function checkIds(ids: tf.Tensor, rows: number, fn: string): void {
  const v = ids.dataSync();
  const steps = ids.shape[1]!;
  for (let i = 0; i < v.length; i++) {
    if (v[i]! < 0 || v[i]! >= rows) {
      throw new SeqcastError('BAD_ARGUMENT', `${fn}: id ${v[i]} at [${Math.floor(i / steps)},${i % steps}] is outside the vocabulary 0..${rows - 1}`, {
        where: 'x',
      });
    }
  }
}

/** x·kernel + bias for every step at once: [B,T,G]. */
function inputProjection(x: tf.Tensor, kernel: tf.Tensor2D, bias: tf.Tensor1D, fn: string): tf.Tensor3D {
  const [inputDim, gates] = kernel.shape;
  if (x.rank === 2 && x.dtype === 'int32') {
    checkIds(x, inputDim, fn);
    return tf.add(gatherRows(kernel, x), bias) as tf.Tensor3D;
  }
  if (x.rank !== 3) {
    throw new SeqcastError('BAD_ARGUMENT', `${fn}: x must be float [B,T,I] or int32 ids [B,T] (got rank ${x.rank}, ${x.dtype})`, { where: 'x' });
  }
  const [b, t, i] = x.shape as [number, number, number];
  if (i !== inputDim) throw new SeqcastError('BAD_ARGUMENT', `${fn}: x has ${i} features, kernel expects ${inputDim}`, { where: 'x' });
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
    throw new SeqcastError('BAD_ARGUMENT', `${fn}: weight shapes do not match (kernel ${kernel.shape}, recurrentKernel ${rk.shape}, bias ${bias.shape})`);
  }
  return h;
}

function initialState(s: tf.Tensor2D | undefined, batch: number, units: number): tf.Tensor2D {
  return s ?? tf.zeros([batch, units]);
}

/**
 * The one masked time loop: any registered cell over a whole sequence in tfjs ops (the lecture's
 * dynamic RNN). The input projection of every step is one matmul before the loop; each step runs
 * the cell's `step`; at a masked step (m = 0) every state tensor keeps its previous value and the
 * output is 0, so padding changes neither the final state nor any gradient.
 *
 * @example
 * const { outputs, h } = rnnSequence(getCell('gru'), x, kernel, recurrentKernel, bias, { mask });
 */
export function rnnSequence(
  cell: RecurrentCell,
  x: tf.Tensor,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  opts: SequenceOptions = {},
): SequenceResult {
  const fn = `${cell.name}Sequence`;
  const units = checkShapes(fn, cell.gates, kernel, recurrentKernel, bias);
  const xp = inputProjection(x, kernel, bias, fn);
  const [batch, steps] = xp.shape;
  checkSequenceOptions(fn, cell, opts, batch, steps, units);
  const masks = stepMasks(opts.mask, steps);
  const xs = stepsOf(xp);
  const recurrent = cell.prepare ? cell.prepare(recurrentKernel, units) : [recurrentKernel];
  let state = [opts.h0, opts.c0].slice(0, cell.states).map((s) => initialState(s, batch, units));
  const outs: tf.Tensor2D[] = [];
  for (let t = 0; t < steps; t++) {
    const next = cell.step(xs[t]!, state, recurrent);
    const m = masks?.[t];
    outs.push(m ? (tf.mul(m.keep, next[0]!) as tf.Tensor2D) : next[0]!);
    state = next.map((s, i) => blend(s, state[i]!, m));
  }
  return { outputs: tf.stack(outs, 1) as tf.Tensor3D, h: state[0]!, ...(cell.states === 2 ? { c: state[1]! } : {}) };
}

/**
 * The misuses of the optional inputs, checked the same way on both paths (the seam calls this
 * before a fused kernel too), so the same mistake gets the same code and message either way.
 */
export function checkSequenceOptions(fn: string, cell: RecurrentCell, opts: SequenceOptions, batch: number, steps: number, units: number): void {
  const bad = (msg: string, where: string) => new SeqcastError('BAD_ARGUMENT', `${fn}: ${msg}`, { where });
  if (batch < 1 || steps < 1) throw bad(`x must have at least one sequence and one step (got ${batch} x ${steps})`, 'x');
  const state = (name: 'h0' | 'c0', s: tf.Tensor | undefined): void => {
    if (s && (s.rank !== 2 || s.shape[0] !== batch || s.shape[1] !== units)) throw bad(`${name} must be [${batch},${units}] (got [${s.shape}])`, name);
  };
  state('h0', opts.h0);
  state('c0', opts.c0);
  if (opts.c0 && cell.states < 2) throw bad(`a ${cell.name.toUpperCase()} has no cell state (c0 given)`, 'c0');
  if (opts.mask && (opts.mask.rank !== 2 || opts.mask.shape[0] !== batch || opts.mask.shape[1] !== steps)) {
    throw bad(`mask must be [${batch},${steps}] (got [${opts.mask.shape}])`, 'mask');
  }
}

/**
 * LSTM over a whole sequence in tfjs ops (tfjs-layers' LSTMCell with tanh / sigmoid).
 *
 * @example
 * const { outputs, h, c } = lstmSequenceReference(ids, kernel, recurrentKernel, bias, { mask });
 */
export const lstmSequenceReference: LstmSequenceFn = (x, kernel, recurrentKernel, bias, opts) => rnnSequence(lstmCell, x, kernel, recurrentKernel, bias, opts);

/**
 * GRU over a whole sequence in tfjs ops, the formula of tfjs-layers' GRUCell (tanh / sigmoid):
 * z = σ(x_z + h U_z), r = σ(x_r + h U_r), hh = tanh(x_h + (r ⊙ h) U_h), h' = z ⊙ h + (1 − z) ⊙ hh.
 *
 * @example
 * const { outputs, h } = gruSequenceReference(x, kernel, recurrentKernel, bias);
 */
export const gruSequenceReference: GruSequenceFn = (x, kernel, recurrentKernel, bias, opts) => rnnSequence(gruCell, x, kernel, recurrentKernel, bias, opts);
