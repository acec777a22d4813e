/**
 * @seqcast/core/internals — what seqcast's own packages, benchmarks and tests reach into, with no
 * stability promise: names here may change or go in any release. Applications use the main entry.
 *
 * - `tf`: the tfjs instance the backend was initialised on (tensor counts, raw ops in tests).
 * - `lstmSequenceReference` / `gruSequenceReference`: the plain-tfjs recurrent path, the fallback
 *   and yardstick of the fused kernels (`lstmSequence` picks between them).
 * - `dirHandler`: the tfjs IO handler behind `saveModelDir` / `loadLayersModelDir`.
 * - `shuffledIndices`: the seeded shuffle of the training loops.
 * - `processAlive`: whether a pid exists (lock files, a killed save's leftovers).
 *
 * @example
 * import { tf } from '@seqcast/core/internals';
 * tf.memory().numTensors;
 */
export { tf } from './runtime/backend.js';
export { lstmSequenceReference, gruSequenceReference } from './nn/reference.js';
export { dirHandler } from './io/model-dir.js';
export { shuffledIndices } from './random.js';
export { processAlive } from './io/interrupted-save.js';
