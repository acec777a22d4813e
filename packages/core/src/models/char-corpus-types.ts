/**
 * The shapes of corpus training (char-corpus.ts): options, progress and the record saved with the
 * model. Kept apart so char-lm.ts can name the record without importing the trainer.
 */
import type { CellType } from '../nn/cells/cell.js';
import type { TrainProgress } from '../train/loop.js';

/** Options for {@link trainCharCorpus}; only `seqLength` is required. */
export interface CorpusTrainOptions {
  /** T: characters per chunk (truncated-BPTT length). Required. */
  seqLength: number;
  /** B: contiguous streams the text is split into (the batch). Default 64. */
  batchSize?: number;
  /** Default 'lstm'. */
  cell?: CellType;
  /** Default 2. */
  layers?: number;
  /** Default 256. */
  hidden?: number;
  /** Adam learning rate. Default 0.002. */
  learningRate?: number;
  /** Learning rate multiplied by this after every epoch (default 1: constant). */
  lrDecay?: number;
  /**
   * The last fraction of the budget over which the learning rate falls linearly to a tenth
   * (default 0.2; 0 = off): a run that knows when it ends can settle into a minimum.
   */
  anneal?: number;
  /** Global gradient-norm clip (default 5; 0 = off). */
  clip?: number;
  /** Dropout rate between recurrent layers during training (default 0). */
  dropout?: number;
  /**
   * Fraction of the text held out from its end for validation. Default 0.05 when that gives at
   * least {@link MIN_DEFAULT_VAL_CHARS} characters, else 0 (off).
   */
  val?: number;
  /** Validate every N steps (and at the end). Default 100. */
  valEvery?: number;
  /** Budgets: training stops at the first one reached. With none, 10 epochs. */
  steps?: number;
  /** Wall-clock budget in minutes (time spent before a resume counts). */
  minutes?: number;
  /** Passes over the training part of the text. */
  epochs?: number;
  /** Seeds the weights and dropout. Default 777. */
  seed?: number;
  /** Write a checkpoint (the best model plus everything needed to resume) into this directory. */
  checkpointDir?: string;
  /** Let the first checkpoint replace an existing seqcast model at `checkpointDir` (never anything else). Default false. */
  overwrite?: boolean;
  /** Checkpoint every N steps (default 200), on interruption and at the end. */
  checkpointEvery?: number;
}

/** The budget and checkpoint options a resumed run may change. */
export type CorpusResumeOptions = Pick<CorpusTrainOptions, 'steps' | 'minutes' | 'epochs' | 'checkpointDir' | 'overwrite' | 'checkpointEvery' | 'valEvery'>;

/**
 * Reported after every step: the loop's {@link TrainProgress} (`step`, `steps`, smoothed `loss`,
 * `elapsedMs`, `etaMs` to the first budget; all counting the run before a resume) and corpus figures.
 */
export interface CorpusProgress extends TrainProgress {
  /** Passes over the training text so far (fractional). */
  epoch: number;
  /** Training characters processed (B·T per step). */
  chars: number;
  charsPerSec: number;
  /** Mean training loss (nats/char) of the last 20 steps. */
  trainLoss: number;
  /** Last validation loss (nats/char), when there is a validation split and it has run. */
  valLoss?: number;
  valBitsPerChar?: number;
  /** The learning rate this step ran at. */
  learningRate: number;
  /** 0..1 of the first budget to be reached. */
  fraction: number;
}

/** Why training stopped. */
export type StopReason = 'steps' | 'minutes' | 'epochs' | 'interrupted';

/** What corpus training recorded (in seqcast.json, under training.corpus). */
export interface CorpusTrainingRecord {
  scheme: 'streams';
  steps: number;
  /** Training characters processed. */
  chars: number;
  charsPerSec: number;
  /** Mean training loss of the last steps. */
  trainLoss: number;
  /** Validation loss (nats/char) of the saved weights (the best seen), null without validation. */
  valLoss: number | null;
  valBitsPerChar: number | null;
  valAccuracy: number | null;
  /** Step at which the saved weights were taken. */
  bestStep: number;
  trainChars: number;
  valChars: number;
  streams: number;
  seqLength: number;
  learningRate: number;
  lrDecay: number;
  anneal: number;
  clip: number;
  dropout: number;
  stoppedBy: StopReason;
  elapsedMs: number;
}
