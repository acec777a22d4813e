/**
 * The output head of a sequence classifier / char LM — dense layer, softmax and (masked) mean
 * cross-entropy over every step — as ONE tfjs op with a native forward and a native gradient.
 * It takes the weights of a standard tf.layers.dense layer, so models keep their saved format;
 * the logits are never materialised as tensors during training.
 */
import * as tf from '@tensorflow/tfjs';
import { fromF32, holdForBackward, readF32, readI32, releaseScratch, scratchF32 } from './data.js';
import { badArgument } from './errors.js';
import { requireAddon } from './native.js';
import { workspaceLoss } from './loss-op.js';

/** Options for {@link denseSoftmaxCrossEntropy}. */
export interface DenseCrossEntropyOptions {
  /** Same shape as `labels`; 1 = counts, 0 = ignored (padding). Default: every position counts. */
  mask?: tf.Tensor;
}

/**
 * mean over valid positions of −log softmax(h·kernel + bias)[label]: the loss of a dense softmax
 * head at every step (tfjs `sequenceCrossEntropy(..., { reduction: 'mean' })` semantics: the sum
 * over valid positions divided by max(count, 1)). Differentiable w.r.t. `h`, `kernel`, `bias`.
 *
 * @param h       float [..., H] features (e.g. LSTM outputs [B,T,H])
 * @param kernel  [H,V] dense kernel; `bias` [V]
 * @param labels  int32 [...] target class per position (the shape of `h` without its last axis)
 *
 * @example
 * const [k, b] = denseLayer.getWeights();
 * const loss = denseSoftmaxCrossEntropy(outputs, k, b, targets);   // scalar
 */
export function denseSoftmaxCrossEntropy(
  h: tf.Tensor,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  labels: tf.Tensor,
  opts: DenseCrossEntropyOptions = {},
): tf.Scalar {
  const fn = 'denseSoftmaxCrossEntropy';
  const addon = requireAddon(fn);
  const H = h.shape[h.rank - 1]!;
  const [kh, V] = kernel.shape;
  if (kh !== H || bias.rank !== 1 || bias.shape[0] !== V) {
    throw badArgument(`${fn}: kernel must be [${H},V] and bias [V] (got kernel [${kernel.shape}], bias [${bias.shape}])`);
  }
  const N = h.size / H;
  const rows = h.shape.slice(0, -1);
  if (labels.shape.join(',') !== rows.join(',')) throw badArgument(`${fn}: labels must be [${rows}] (got [${labels.shape}])`, 'labels');
  if (opts.mask && opts.mask.shape.join(',') !== rows.join(',')) throw badArgument(`${fn}: mask must be [${rows}] (got [${opts.mask.shape}])`, 'mask');
  const inputs: tf.Tensor[] = [h, kernel, bias, labels, ...(opts.mask ? [opts.mask] : [])];
  // Read outside the op: inside a kernel the engine reports the tape as off.
  const recording = (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [ht, kt, bt, lt, mt] = args as tf.Tensor[];
    const hd = readF32(ht!);
    const W = readF32(kt!);
    const ld = readI32(lt!);
    const w = opts.mask ? readF32(mt!) : null;
    const bv = readF32(bt!);
    // The backward pass reads these arrays later, possibly after their tensors were disposed.
    if (recording) holdForBackward(hd, W, w);
    // The softmax probabilities stay in the workspace until the backward pass.
    return workspaceLoss(
      addon,
      N * V,
      recording,
      (ws) => addon.denseSoftmaxCeForward(N, H, V, hd, W, bv, ld, w, ws),
      (ws, scale) => {
        const dh = scratchF32(N * H, false); // written whole by the kernel (one product)
        const dW = scratchF32(H * V);
        const db = scratchF32(V);
        try {
          addon.denseSoftmaxCeBackward(N, H, V, hd, W, ws, ld, w, scale, dh, dW, db);
        } catch (e) {
          releaseScratch(dh, dW, db);
          throw e;
        }
        const grads = [fromF32(dh, ht!.shape), fromF32(dW, [H, V]), fromF32(db, [V]), tf.zeros(lt!.shape)];
        if (opts.mask) grads.push(tf.zeros(mt!.shape));
        return grads;
      },
    );
  });
  return op(...inputs) as tf.Scalar;
}
