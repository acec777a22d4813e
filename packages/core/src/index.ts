/**
 * @seqcast/core — recurrent sequence models on TensorFlow.js.
 */
export * from './errors.js';
export * from './runtime/backend.js';
export { parseOptions, intField, positiveField, cellField } from './options.js';
export * from './io/model-dir.js';
export * from './training-memory.js';
export * from './random.js';
export * from './vocab.js';
export type * from './nn/types.js';
export type * from './nn/cells/cell.js';
export { registerCell, getCell, hasCell, cellNames, setInitialBias, layerMismatch } from './nn/cells/registry.js';
export * from './nn/reference.js';
export * from './nn/kernels.js';
export * from './nn/sequence.js';
export * from './train/loop.js';
export * from './models/char-lm.js';
export * from './models/char-corpus.js';
export * from './models/sampling.js';
export * from './models/lecture-sentence.js';
export * from './models/regressor.js';
