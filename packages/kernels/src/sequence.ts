/**
 * `lstmSequence` / `gruSequence`: one recurrent layer over a whole sequence as ONE tfjs op whose
 * forward pass is one native call and whose gradient (full BPTT) is one native call, instead of
 * dozens of small tfjs ops per time step. They implement @seqcast/core's recurrent seam
 * (LstmSequenceFn / GruSequenceFn) with the Keras/tfjs-layers weight layout, so the weights are
 * those of standard tf.layers.lstm / tf.layers.gru layers (tanh activation, sigmoid recurrent
 * activation).
 *
 * The forward pass runs once per call; each result (outputs, h_T, c_T) is a tf.customGrad op
 * over the same inputs whose gradient runs the native BPTT. The activations the backward pass
 * needs live in a native workspace (not in tensors, so nothing extra has to be disposed) that the
 * backward pass releases; see workspaces.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { fromF32, holdForBackward, readF32, readI32, releaseScratch, scratchF32 } from './data.js';
import { badArgument } from './errors.js';
import { requireAddon } from './native.js';
import type { Workspace } from './native.js';
import { trackWorkspace } from './workspaces.js';
import type { SequenceOptions, SequenceResult } from './types.js';

type Kind = 'lstm' | 'gru';

interface Dims {
  B: number;
  T: number;
  I: number;
  H: number;
  ids: boolean;
}

function checkInputs(fn: string, kind: Kind, x: tf.Tensor, kernel: tf.Tensor2D, rk: tf.Tensor2D, bias: tf.Tensor1D, opts: SequenceOptions): Dims {
  const g = kind === 'lstm' ? 4 : 3;
  if (rk.rank !== 2 || kernel.rank !== 2 || bias.rank !== 1) {
    throw badArgument(`${fn}: kernel and recurrentKernel must be 2-D and bias 1-D (got ranks ${kernel.rank}, ${rk.rank}, ${bias.rank})`);
  }
  const H = rk.shape[0];
  if (rk.shape[1] !== g * H || kernel.shape[1] !== g * H || bias.shape[0] !== g * H) {
    throw badArgument(`${fn}: weight shapes do not match (kernel ${kernel.shape}, recurrentKernel ${rk.shape}, bias ${bias.shape})`);
  }
  const I = kernel.shape[0];
  let B: number;
  let T: number;
  let ids = false;
  if (x.rank === 2 && x.dtype === 'int32') {
    [B, T] = x.shape as [number, number];
    ids = true;
  } else if (x.rank === 3) {
    if (x.shape[2] !== I) throw badArgument(`${fn}: x has ${x.shape[2]} features, kernel expects ${I}`, 'x');
    [B, T] = x.shape as [number, number, number];
  } else {
    throw badArgument(`${fn}: x must be float [B,T,I] or int32 ids [B,T] (got rank ${x.rank}, ${x.dtype})`, 'x');
  }
  if (B < 1 || T < 1) throw badArgument(`${fn}: x must have at least one sequence and one step (got ${B} x ${T})`, 'x');
  const state = (name: string, s: tf.Tensor | undefined): void => {
    if (s && (s.rank !== 2 || s.shape[0] !== B || s.shape[1] !== H)) throw badArgument(`${fn}: ${name} must be [${B},${H}] (got [${s.shape}])`, name);
  };
  state('h0', opts.h0);
  state('c0', opts.c0);
  if (opts.c0 && kind === 'gru') throw badArgument(`${fn}: a GRU has no cell state (c0 given)`, 'c0');
  if (opts.mask && (opts.mask.rank !== 2 || opts.mask.shape[0] !== B || opts.mask.shape[1] !== T)) {
    throw badArgument(`${fn}: mask must be [${B},${T}] (got [${opts.mask.shape}])`, 'mask');
  }
  return { B, T, I, H, ids };
}

function run(kind: Kind, fn: string, x: tf.Tensor, kernel: tf.Tensor2D, rk: tf.Tensor2D, bias: tf.Tensor1D, opts: SequenceOptions = {}): SequenceResult {
  const addon = requireAddon(fn);
  const d = checkInputs(fn, kind, x, kernel, rk, bias, opts);
  const { B, T, I, H } = d;
  const G = kind === 'lstm' ? 4 * H : 3 * H;
  const BH = B * H;
  // Optional inputs take part in the ops only when given, so their gradients are exact.
  const optional: { name: 'h0' | 'c0' | 'mask'; t: tf.Tensor }[] = [];
  if (opts.h0) optional.push({ name: 'h0', t: opts.h0 });
  if (opts.c0) optional.push({ name: 'c0', t: opts.c0 });
  if (opts.mask) optional.push({ name: 'mask', t: opts.mask });
  const inputs = [x, kernel, rk, bias, ...optional.map((o) => o.t)];

  // The whole forward pass, once.
  const xs = d.ids ? null : readF32(x);
  const ids = d.ids ? readI32(x) : null;
  const W = readF32(kernel);
  const U = readF32(rk);
  const bv = readF32(bias);
  const mask = opts.mask ? readF32(opts.mask) : null;
  const h0 = opts.h0 ? readF32(opts.h0) : null;
  const c0 = opts.c0 ? readF32(opts.c0) : null;
  // Outside any gradient scope (inference: next, generate, forecast) nothing will need them.
  const recording = tapeOn();
  // The backward pass reads these arrays later, possibly after their tensors were disposed.
  if (recording) holdForBackward(xs, W, U, bv, mask, h0, c0);
  // Every element is written by the forward pass (masked steps with 0).
  const out = scratchF32(B * T * H, false);
  const hT = new Float32Array(BH);
  const cT = kind === 'lstm' ? new Float32Array(BH) : null;
  // Saved activations (gates and states) live in native memory: the backward pass releases them;
  // a second backward pass over the same call (both the outputs and a final state in the loss)
  // recomputes them first.
  const wsSize = kind === 'lstm' ? 4 * B * T * H + 2 * (T + 1) * BH : 4 * B * T * H + (T + 1) * BH;
  const forward = (o: Float32Array, h: Float32Array, c: Float32Array | null): Workspace => {
    const ws = addon.alloc(wsSize);
    try {
      if (kind === 'lstm') addon.lstmForward(B, T, I, H, xs, ids, W, U, bv, mask, h0, c0, o, ws, h, c!);
      else addon.gruForward(B, T, I, H, xs, ids, W, U, bv, mask, h0, o, ws, h);
    } catch (e) {
      // The addon reports bad arguments (an id outside the vocabulary) as RangeErrors.
      if (!(e instanceof RangeError)) throw e;
      const err = badArgument(`${fn}: ${e.message.replace(/^\w+: /, '')}`, 'x');
      err.cause = e;
      throw err;
    }
    return ws;
  };
  let ws: Workspace;
  try {
    ws = forward(out, hT, cT);
  } catch (e) {
    releaseScratch(out);
    throw e;
  }
  if (!recording) addon.release(ws);
  else trackWorkspace(addon, ws, wsSize);

  // The whole BPTT for upstream gradients of the outputs, h_T or c_T (absent ones are zero).
  const backward = (dOut: Float32Array | null, dhT: Float32Array | null, dcT: Float32Array | null): tf.Tensor[] => {
    if (!addon.alive(ws)) ws = forward(new Float32Array(B * T * H), new Float32Array(BH), cT ? new Float32Array(BH) : null);
    // dx is written whole by the kernels (a product per step); the weight gradients are zeroed first.
    const dx = d.ids ? null : scratchF32(B * T * I, false);
    const dW = scratchF32(I * G);
    const dU = scratchF32(H * G);
    const db = scratchF32(G);
    const dh0 = opts.h0 ? scratchF32(BH) : null;
    const dc0 = opts.c0 ? scratchF32(BH) : null;
    try {
      if (kind === 'lstm') addon.lstmBackward(B, T, I, H, xs, ids, W, U, mask, ws, dOut, dhT, dcT, dx, dW, dU, db, dh0, dc0);
      else addon.gruBackward(B, T, I, H, xs, ids, W, U, mask, ws, dOut, dhT, dx, dW, dU, db, dh0);
    } catch (e) {
      releaseScratch(dx, dW, dU, db, dh0, dc0);
      throw e;
    } finally {
      addon.release(ws);
    }
    const grads: tf.Tensor[] = [dx ? fromF32(dx, [B, T, I]) : tf.zeros(x.shape), fromF32(dW, [I, G]), fromF32(dU, [H, G]), fromF32(db, [G])];
    for (const o of optional) {
      if (o.name === 'h0') grads.push(fromF32(dh0!, [B, H]));
      else if (o.name === 'c0') grads.push(fromF32(dc0!, [B, H]));
      else grads.push(tf.zeros(o.t.shape)); // the mask is not differentiable
    }
    return grads;
  };

  // One tfjs op per result, all over the same inputs: no slicing of a packed tensor, and a
  // result that does not reach the loss costs no backward pass. (When both the outputs and a
  // final state reach the loss, BPTT runs once per result; it is linear, so the sum is exact.)
  // Outside any gradient scope plain tensors are enough.
  const op = (value: () => tf.Tensor, which: 'out' | 'h' | 'c') =>
    !recording || !tapeOn()
      ? value()
      : tf.customGrad((..._args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
          value: value(),
          gradFunc: (dy: tf.Tensor) => {
            const g = readF32(dy);
            return backward(which === 'out' ? g : null, which === 'h' ? g : null, which === 'c' ? g : null);
          },
        }))(...inputs);
  const outputs = op(() => fromF32(out, [B, T, H]), 'out') as tf.Tensor3D;
  // The final states become tensors (and tape entries) only when read: a training step that
  // uses only the outputs then makes one op per layer instead of three. The getters are
  // enumerable, so tf.tidy returning the result still keeps (and first makes) them.
  const result = { outputs } as SequenceResult;
  let h: tf.Tensor2D | undefined;
  let c: tf.Tensor2D | undefined;
  Object.defineProperty(result, 'h', { enumerable: true, get: () => (h ??= op(() => fromF32(hT, [B, H]), 'h') as tf.Tensor2D) });
  if (kind === 'lstm') Object.defineProperty(result, 'c', { enumerable: true, get: () => (c ??= op(() => fromF32(cT!, [B, H]), 'c') as tf.Tensor2D) });
  return result;
}

/** Whether a gradient tape is recording now. */
function tapeOn(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

/**
 * One LSTM layer over a whole sequence in one native call (and its gradient in one more).
 * `x`: float [B,T,I], or int32 ids [B,T] meaning one-hot input (row gather of `kernel`).
 * `kernel` [I,4H], `recurrentKernel` [H,4H] (gates i,f,c,o), `bias` [4H]: tf.layers.lstm's weights.
 *
 * @example
 * const [kernel, recurrentKernel, bias] = lstmLayer.getWeights();
 * const { outputs, h, c } = lstmSequence(ids, kernel, recurrentKernel, bias, { mask });
 */
export function lstmSequence(x: tf.Tensor, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D, opts?: SequenceOptions): SequenceResult {
  return run('lstm', 'lstmSequence', x, kernel, recurrentKernel, bias, opts);
}

/**
 * One GRU layer over a whole sequence in one native call, with tfjs-layers' GRU formula
 * (z = σ(x_z + h U_z), r = σ(x_r + h U_r), hh = tanh(x_h + (r ⊙ h) U_h), h' = z ⊙ h + (1 − z) ⊙ hh).
 * `kernel` [I,3H], `recurrentKernel` [H,3H] (gates z,r,h), `bias` [3H].
 *
 * @example
 * const { outputs, h } = gruSequence(x, kernel, recurrentKernel, bias, { h0 });
 */
export function gruSequence(x: tf.Tensor, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D, opts?: SequenceOptions): SequenceResult {
  return run('gru', 'gruSequence', x, kernel, recurrentKernel, bias, opts);
}
