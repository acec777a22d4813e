/**
 * The output head of a regressor / forecaster — dense layer and squared error against the
 * targets, summed or averaged — as ONE tfjs op with a native forward and a native gradient,
 * instead of a matMul, add, sub, square and sum (and their gradients) per training step. It takes
 * the weights of a standard tf.layers.dense layer, so models keep their saved format.
 */
import * as tf from '@tensorflow/tfjs';
import { fromF32, holdForBackward, readF32, releaseScratch, scratchF32 } from './data.js';
import { badArgument } from './errors.js';
import { requireAddon } from './native.js';
import { workspaceLoss } from './loss-op.js';

/** Options for {@link denseSquaredError}. */
export interface DenseSquaredErrorOptions {
  /** 'mean' (default): divided by the number of values, as tf.losses.meanSquaredError; 'sum': not. */
  reduction?: 'mean' | 'sum';
  /** [N,O] added to the predictions before the error (e.g. a linear skip path); differentiable. */
  offset?: tf.Tensor;
}

/**
 * Σ (h·kernel + bias (+ offset) − y)² over all values (divided by their count for 'mean'):
 * the loss of a dense regression head. Differentiable w.r.t. `h`, `kernel`, `bias`, `y`, `offset`.
 *
 * @param h       float [N,H] features (e.g. an LSTM's final state)
 * @param kernel  [H,O] dense kernel; `bias` [O]
 * @param y       float [N,O] targets
 *
 * @example
 * const [k, b] = denseLayer.getWeights();
 * const loss = denseSquaredError(h, k, b, y);   // = tf.losses.meanSquaredError(y, h·k + b)
 */
export function denseSquaredError(h: tf.Tensor, kernel: tf.Tensor2D, bias: tf.Tensor1D, y: tf.Tensor, opts: DenseSquaredErrorOptions = {}): tf.Scalar {
  const fn = 'denseSquaredError';
  const addon = requireAddon(fn);
  if (h.rank !== 2) throw badArgument(`${fn}: h must be 2-D [N,H] (got [${h.shape}])`, 'h');
  const [N, H] = h.shape as [number, number];
  const [kh, O] = kernel.shape;
  if (kernel.rank !== 2 || kh !== H || bias.rank !== 1 || bias.shape[0] !== O) {
    throw badArgument(`${fn}: kernel must be [${H},O] and bias [O] (got kernel [${kernel.shape}], bias [${bias.shape}])`, 'kernel');
  }
  if (y.shape.join(',') !== `${N},${O}`) throw badArgument(`${fn}: y must be [${N},${O}] (got [${y.shape}])`, 'y');
  if (opts.offset && opts.offset.shape.join(',') !== `${N},${O}`) throw badArgument(`${fn}: offset must be [${N},${O}] (got [${opts.offset.shape}])`, 'offset');
  const reduction = opts.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum') throw badArgument(`${fn}: reduction must be 'mean' or 'sum' (got ${String(reduction)})`, 'reduction');
  const mean = reduction === 'mean' ? 1 : 0;
  const inputs: tf.Tensor[] = [h, kernel, bias, y, ...(opts.offset ? [opts.offset] : [])];
  // Read outside the op: inside a kernel the engine reports the tape as off.
  const recording = (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [ht, kt, bt, yt, ot] = args as tf.Tensor[];
    const hd = readF32(ht!);
    const W = readF32(kt!);
    const bv = readF32(bt!);
    const yd = readF32(yt!);
    const od = opts.offset ? readF32(ot!) : null;
    // The backward pass reads these arrays later, possibly after their tensors were disposed.
    if (recording) holdForBackward(hd, W, yd, od);
    // The residuals stay in the workspace until the backward pass.
    return workspaceLoss(
      addon,
      N * O,
      recording,
      (ws) => addon.denseSqErrorForward(N, H, O, hd, W, bv, yd, od, mean, ws),
      (ws, scale) => {
        const dh = scratchF32(N * H, false); // written whole by the kernel (one product)
        const dW = scratchF32(H * O);
        const db = scratchF32(O);
        const dy_ = scratchF32(N * O);
        const dOff = opts.offset ? scratchF32(N * O) : null;
        try {
          addon.denseSqErrorBackward(N, H, O, hd, W, ws, mean, scale, dh, dW, db, dOff, dy_);
        } catch (e) {
          releaseScratch(dh, dW, db, dy_, dOff);
          throw e;
        }
        const grads = [fromF32(dh, [N, H]), fromF32(dW, [H, O]), fromF32(db, [O]), fromF32(dy_, [N, O])];
        if (dOff) grads.push(fromF32(dOff, [N, O]));
        return grads;
      },
    );
  });
  return op(...inputs) as tf.Scalar;
}
