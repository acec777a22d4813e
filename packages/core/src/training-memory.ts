/**
 * The memory model for training: how many bytes one training step of a recurrent network takes,
 * so a batch can be sized to a budget before any tensor is allocated, and work that cannot fit
 * is refused up front with a message naming the option to change.
 *
 * Backpropagation through time keeps every step's activations of every layer until the backward
 * pass, so a step costs about windows × steps × units × layers × (floats saved per cell step),
 * plus the head's logits and their gradients, plus the parameters with their gradients and
 * Adam's two moments. The per-cell constants are measured peaks (RSS growth of one epoch with
 * `pnpm bench memory`-style runs), rounded up: an estimate that errs on the safe side.
 *
 * Every training path calls {@link planTrainingBatch} (CharLM.train, SequenceRegressor.fit, and the
 * server before it accepts a job), so the bound holds whatever the caller.
 */
import { SeqcastError } from './errors.js';
import { getCell } from './nn/cells/registry.js';

/** The shape of one training window, as far as memory goes. */
export interface TrainingShape {
  /** A registered cell's name ('lstm', 'gru', ...). */
  cell: string;
  layers: number;
  /** Recurrent units per layer (`hidden` of a CharLM, `units` of a regressor). */
  units: number;
  /** Time steps per window (`seqLength`, `window`). */
  steps: number;
  /** Input features per step (the vocabulary size for a one-hot char model). */
  inputs: number;
  /** Outputs per predicted step (vocabulary size, or horizon). */
  outputs: number;
  /** Steps that carry an output and a loss: every step for a char model, 1 for many-to-one. Default `steps`. */
  outputSteps?: number;
}

// Floats kept per window, step, unit and layer during a training step (activations saved for the
// backward pass plus their gradients at the peak) are each cell's `savedPerUnit` (nn/cells).
/** Floats per output (logits, softmax, their gradient) and per input (one-hot and its slice). */
const SAVED_PER_OUTPUT = 4;
const SAVED_PER_INPUT = 2;
/** Weights, gradients and Adam's two moments. */
const PARAMETER_COPIES = 4;
const FLOAT = 4;

/** Budget of one training step when nothing else is said: 512 MiB. */
export const DEFAULT_TRAINING_MEMORY_BYTES = 512 * 2 ** 20;
/** Environment variable (MiB) that sets the default budget for every training in the process. */
export const TRAINING_MEMORY_ENV = 'SEQCAST_TRAIN_MEMORY_MB';

/** Trainable parameters of a stacked recurrent network with a dense head. */
export function recurrentParameterCount(s: TrainingShape): number {
  const gates = getCell(s.cell).gates;
  let n = 0;
  for (let l = 0; l < s.layers; l++) {
    const inputs = l === 0 ? s.inputs : s.units;
    n += gates * s.units * (inputs + s.units + 2);
  }
  return n + s.units * s.outputs + s.outputs;
}

/**
 * Estimated peak bytes of one training step on `batch` windows.
 *
 * @example
 * trainingStepBytes({ cell: 'lstm', layers: 2, units: 256, steps: 50, inputs: 60, outputs: 60 }, 64);   // ≈ 0.2 GB
 */
export function trainingStepBytes(s: TrainingShape, batch: number): number {
  return perWindowBytes(s) * batch + parameterBytes(s);
}

function perWindowBytes(s: TrainingShape): number {
  const outSteps = s.outputSteps ?? s.steps;
  return FLOAT * (s.steps * s.layers * s.units * getCell(s.cell).savedPerUnit + outSteps * s.outputs * SAVED_PER_OUTPUT + s.steps * s.inputs * SAVED_PER_INPUT);
}

function parameterBytes(s: TrainingShape): number {
  return FLOAT * PARAMETER_COPIES * recurrentParameterCount(s);
}

/** The budget in bytes: `SEQCAST_TRAIN_MEMORY_MB` when set (a positive number), else the default. */
export function trainingMemoryBudget(): number {
  const raw = process.env[TRAINING_MEMORY_ENV];
  if (raw === undefined || raw.trim() === '') return DEFAULT_TRAINING_MEMORY_BYTES;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb <= 0) {
    throw new SeqcastError('BAD_ARGUMENT', `${TRAINING_MEMORY_ENV} must be a positive number of MiB (received "${raw}")`, {
      where: TRAINING_MEMORY_ENV,
    });
  }
  return Math.floor(mb * 2 ** 20);
}

export interface BatchPlanRequest {
  /** Training windows available. */
  windows: number;
  /** Windows per batch asked for; default: as many as fit (at most every window). */
  batchSize?: number;
  /** Budget in bytes; default {@link trainingMemoryBudget}. */
  budgetBytes?: number;
  /** Bytes held for the whole training besides a step (e.g. the training data as tensors). */
  residentBytes?: number;
  /** Option names used in messages (default the library's: batchSize, units, steps). */
  names?: { batchSize?: string; units?: string; layers?: string; steps?: string };
  /**
   * The inputs and outputs are a character vocabulary (a char model): a model that cannot fit
   * because of it is refused naming the vocabulary, `where` (e.g. 'text'), and the most
   * characters that fit. `unitsFollow`: the units default to the vocabulary size.
   */
  vocabulary?: { where: string; unitsFollow: boolean };
}

/** The most vocabulary characters whose one training window fits `budgetBytes` (0 when none does). */
function largestVocabulary(shape: TrainingShape, unitsFollow: boolean, budgetBytes: number, residentBytes: number): number {
  const fits = (v: number) => {
    const s = { ...shape, inputs: v, outputs: v, ...(unitsFollow ? { units: v } : {}) };
    return parameterBytes(s) + perWindowBytes(s) + residentBytes <= budgetBytes;
  };
  let lo = 0;
  let hi = shape.inputs;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface BatchPlan {
  batchSize: number;
  /** Estimated peak bytes of one step at that batch size (resident bytes included). */
  stepBytes: number;
  budgetBytes: number;
  /** The largest batch the budget allows. */
  maxBatch: number;
}

const mib = (b: number) => `${Math.ceil(b / 2 ** 20)} MiB`;

/**
 * Size the training batch to the memory budget, or refuse (BAD_INPUT: HTTP 400, CLI exit 3).
 * An explicit `batchSize` over the budget is refused (naming the largest that fits); the default
 * is every window, capped to what fits.
 *
 * @example
 * planTrainingBatch({ cell: 'lstm', layers: 2, units: 256, steps: 50, inputs: 78, outputs: 78 }, { windows: 60_000 }).batchSize;   // 204
 */
export function planTrainingBatch(shape: TrainingShape, req: BatchPlanRequest): BatchPlan {
  const budgetBytes = req.budgetBytes ?? trainingMemoryBudget();
  const names = { batchSize: 'batchSize', units: 'hidden', layers: 'layers', steps: 'seqLength', ...(req.names ?? {}) };
  const fixed = parameterBytes(shape) + (req.residentBytes ?? 0);
  const one = perWindowBytes(shape);
  const maxBatch = Math.floor((budgetBytes - fixed) / one);
  if (maxBatch < 1 && req.vocabulary) {
    const most = largestVocabulary(shape, req.vocabulary.unitsFollow, budgetBytes, req.residentBytes ?? 0);
    // Not the vocabulary's fault when not even one character fits: then the generic message below.
    if (most >= 1 && most < shape.inputs) {
      throw new SeqcastError(
        'BAD_INPUT',
        `${req.vocabulary.where} has ${shape.inputs} distinct characters (its vocabulary); one training window then needs about ${mib(fixed + one)}, ` +
          `over the ${mib(budgetBytes)} training memory budget: at most ${most} distinct characters fit at ` +
          `${req.vocabulary.unitsFollow ? `${names.units} = the vocabulary size (the default)` : `${names.units} ${shape.units}`}, ${names.layers} ${shape.layers}, ${names.steps} ${shape.steps} ` +
          `(use text with fewer distinct characters${req.vocabulary.unitsFollow ? `, set ${names.units}` : ''}, or raise ${TRAINING_MEMORY_ENV})`,
        { where: req.vocabulary.where },
      );
    }
  }
  if (maxBatch < 1) {
    throw new SeqcastError(
      'BAD_INPUT',
      `${names.units} ${shape.units} × ${names.layers} ${shape.layers} × ${names.steps} ${shape.steps} needs about ${mib(fixed + one)} ` +
        `for one training window, over the ${mib(budgetBytes)} training memory budget; lower ${names.units}, ${names.layers} or ${names.steps} ` +
        `(or raise ${TRAINING_MEMORY_ENV})`,
      { where: names.units },
    );
  }
  if (req.batchSize !== undefined && req.batchSize > maxBatch && req.batchSize > 1 && Math.min(req.batchSize, req.windows) > maxBatch) {
    throw new SeqcastError(
      'BAD_INPUT',
      `${names.batchSize} ${req.batchSize} needs about ${mib(trainingStepBytes(shape, req.batchSize) + (req.residentBytes ?? 0))} per training step, over the ` +
        `${mib(budgetBytes)} training memory budget; at most ${maxBatch} windows per batch fit (or raise ${TRAINING_MEMORY_ENV})`,
      { where: names.batchSize },
    );
  }
  const batchSize = Math.max(1, Math.min(req.batchSize ?? req.windows, req.windows, maxBatch));
  return { batchSize, stepBytes: trainingStepBytes(shape, batchSize) + (req.residentBytes ?? 0), budgetBytes, maxBatch };
}
