/**
 * @seqcast/kernels — fused native recurrent kernels for seqcast, exposed as tfjs ops with custom
 * gradients: a whole LSTM/GRU sequence forward in one native call and its whole backward pass
 * (BPTT) in one more, plus the dense+softmax+cross-entropy and dense+squared-error heads and an
 * Adam update. Weights keep the standard tf.layers layouts, so models trained with these load in
 * stock tfjs and vice versa.
 *
 * The native part is compiled from source at install (node-gyp, -O3 -march=native, no BLAS, no
 * downloads). When it could not be built or loaded, `kernelsInfo()` says why and @seqcast/core
 * uses its plain-tfjs path instead.
 */
import { badArgument } from './errors.js';
import { nativeAddon } from './native.js';
import type { KernelsInfo } from './native.js';

export { lstmSequence, gruSequence } from './sequence.js';
export { denseSoftmaxCrossEntropy } from './dense-ce.js';
export type { DenseCrossEntropyOptions } from './dense-ce.js';
export { denseSquaredError } from './dense-sq-error.js';
export type { DenseSquaredErrorOptions } from './dense-sq-error.js';
export { FusedAdamOptimizer } from './adam.js';
export type { FusedAdamOptions } from './adam.js';
export { loadAddon } from './native.js';
export { KernelError } from './errors.js';
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
  const { addon, info } = nativeAddon();
  return addon ? { ...info, threads: addon.setThreads(0) } : { ...info };
}

/**
 * Use at most `n` threads in the kernels' matrix products from now on (1 up to the pool started
 * at load, which `SEQCAST_THREADS` sizes); returns the count in use. For benchmarks comparing
 * thread counts in one process.
 *
 * @example
 * setKernelThreads(1);   // single-threaded from here on
 */
export function setKernelThreads(n: number): number {
  const { addon } = nativeAddon();
  if (!addon) return 1;
  if (!Number.isInteger(n) || n < 1) throw badArgument(`setKernelThreads: n must be an integer >= 1 (received ${n})`, 'n');
  return addon.setThreads(n);
}

/**
 * This core's multiply-add throughput on the kernels' instruction-set path, in GFLOP/s of thread
 * CPU time (so other processes on the machine do not lower it), measured for about `ms`
 * milliseconds; null without the native kernels. A training step's FLOPs per second divided by
 * this is how close to the hardware it runs (`pnpm bench kernels` prints it per workload).
 *
 * @example
 * measureFmaPeak();   // e.g. 114 on one Zen 4 core (AVX2 and AVX-512 alike: 32 FLOP per cycle)
 */
export function measureFmaPeak(ms = 200): number | null {
  if (!Number.isFinite(ms) || ms < 1 || ms > 10_000) throw badArgument(`measureFmaPeak: ms must be between 1 and 10000 (received ${ms})`, 'ms');
  const { addon } = nativeAddon();
  return addon ? addon.fmaPeak(ms) : null;
}
