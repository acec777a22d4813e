/**
 * @seqcast/core — recurrent sequence models on TensorFlow.js.
 *
 * The public API, listed name by name. Building blocks that seqcast's own packages, benchmarks
 * and tests reach into (the tfjs instance, the reference kernels, the tfjs IO handler, the
 * shuffler) are in `@seqcast/core/internals`, which makes no stability promise.
 */
export { SeqcastError, isSeqcastError, ErrorCode, HTTP_STATUS, EXIT_CODE, type SeqcastErrorDetails } from './errors.js';
export {
  initBackend,
  backendInfo,
  describeBackend,
  parseBackendRequest,
  setBackendLogger,
  type BackendName,
  type BackendRequest,
  type BackendInfo,
  type InitBackendOptions,
} from './runtime/backend.js';
export {
  saveModelDir,
  checkSaveTarget,
  readModelMetadata,
  loadLayersModelDir,
  recoverModelDir,
  MODEL_JSON,
  WEIGHTS_BIN,
  METADATA_JSON,
  FORMAT_VERSION,
  CHECKPOINT_FILES,
  type ModelMetadata,
  type SaveOptions,
  type SaveTarget,
} from './io/model-dir.js';
export {
  recurrentParameterCount,
  trainingStepBytes,
  trainingMemoryBudget,
  planTrainingBatch,
  DEFAULT_TRAINING_MEMORY_BYTES,
  TRAINING_MEMORY_ENV,
  type TrainingShape,
  type BatchPlanRequest,
  type BatchPlan,
} from './training-memory.js';
export {
  parseOptions,
  reportedIssue,
  intField,
  positiveField,
  fractionField,
  cellField,
  optionalFields,
  checkFields,
  capFields,
  checkValue,
} from './options.js';
export { seededRandom } from './random.js';
export { Vocabulary, showChar, type VocabularyJSON } from './vocab.js';
export type { SequenceOptions, SequenceResult, LstmSequenceFn, GruSequenceFn } from './nn/types.js';
export type * from './nn/cells/cell.js';
export { registerCell, getCell, hasCell, cellNames, setInitialBias, layerMismatch } from './nn/cells/registry.js';
export {
  initKernels,
  kernelStatus,
  describeKernels,
  parseKernelRequest,
  setKernelLogger,
  cellSequence,
  lstmSequence,
  gruSequence,
  denseSoftmaxCrossEntropy,
  denseSquaredError,
  adamOptimizer,
  type KernelPath,
  type KernelRequest,
  type KernelStatus,
  type KernelsModule,
  type DenseCrossEntropyFn,
  type DenseSquaredErrorFn,
  type DenseSquaredErrorOptions,
} from './nn/kernels.js';
export { padSequences, maskFromLengths, lastValidOutputs, sequenceCrossEntropy, type PadOptions, type PaddedBatch, type LossReduction } from './nn/sequence.js';
export { trainLoop, type TrainProgress, type TrainLoopOptions, type TrainLoopResult, type EpochEnd } from './train/loop.js';
export {
  CharLM,
  charLMOptionsSchema,
  generateOptionsSchema,
  charLMTrainingShape,
  type CharLMConfig,
  type CharLMOptions,
  type CharLMTrainingInfo,
  type EpochProgress,
  type TrainCallbacks,
  type GenerateOptions,
  type CharEvaluation,
  type NextChar,
  type NextBatchResult,
} from './models/char-lm.js';
export {
  trainCharCorpus,
  resumeCharCorpus,
  evaluateCorpus,
  estimateCorpusTrainingBytes,
  corpusVocabulary,
  encodeCorpus,
  MIN_DEFAULT_VAL_CHARS,
  corpusTrainOptionsSchema,
  evaluateCorpusOptionsSchema,
  CHECKPOINT_JSON,
  CHECKPOINT_BIN,
  type CorpusIds,
  type CorpusCallbacks,
  type CorpusEvaluation,
  type CorpusMemoryShape,
  type CorpusTrainResult,
  type CorpusTrainOptions,
  type CorpusResumeOptions,
  type CorpusProgress,
  type StopReason,
  type CorpusTrainingRecord,
} from './models/char-corpus.js';
export { sampleLogits, type SamplingOptions } from './models/sampling.js';
export { LECTURE_SENTENCE } from './models/lecture-sentence.js';
export {
  SequenceRegressor,
  regressorConfigSchema,
  regressorFitOptionsSchema,
  type RegressorConfig,
  type RegressorData,
  type RegressorFitOptions,
  type RegressorEpoch,
  type RegressorCallbacks,
  type RegressorFitResult,
} from './models/regressor.js';
