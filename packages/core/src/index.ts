/**
 * @seqcast/core — recurrent sequence models on TensorFlow.js.
 */
export * from './errors.js';
export * from './runtime/backend.js';
export * from './io/model-dir.js';
export * from './random.js';
