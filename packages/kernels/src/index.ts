/**
 * @seqcast/kernels — fused native recurrent kernels for seqcast, exposed as tfjs ops with custom
 * gradients: a whole LSTM/GRU sequence forward in one native call and its whole backward pass
 * (BPTT) in one more, plus the dense+softmax+cross-entropy head and an Adam update. Weights keep
 * the standard tf.layers layouts, so models trained with these load in stock tfjs and vice versa.
 *
 * The native part is compiled from source at install (node-gyp, -O3 -march=native, no BLAS, no
 * downloads). When it could not be built or loaded, `kernelsInfo()` says why and @seqcast/core
 * uses its plain-tfjs path instead.
 */
import { nativeAddon } from './native.js';
import type { KernelsInfo } from './native.js';

export { lstmSequence, gruSequence } from './sequence.js';
export { denseSoftmaxCrossEntropy } from './dense-ce.js';
export type { DenseCrossEntropyOptions } from './dense-ce.js';
export { FusedAdamOptimizer } from './adam.js';
export type { FusedAdamOptions } from './adam.js';
export { loadAddon } from './native.js';
export type { KernelsInfo } from './native.js';
export type { SequenceOptions, SequenceResult } from './types.js';

/**
 * Whether the native kernels are usable in this process, why not, and the instruction set they
 * were compiled for.
 *
 * @example
 * const info = kernelsInfo();
 * console.log(info.available ? `fused (${info.isa})` : `tfjs fallback: ${info.reason}`);
 */
export function kernelsInfo(): KernelsInfo {
  return { ...nativeAddon().info };
}
