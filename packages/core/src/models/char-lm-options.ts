/**
 * The tables and shapes of CharLM (char-lm.ts): its architecture, its training and generation
 * options (zod tables holding every default), what training records and reports, and the
 * results of its queries.
 */
import { z } from 'zod';
import { SeqcastError } from '../errors.js';
import { cellField, intField, parseOptions, positiveField } from '../options.js';
import { type TrainingShape } from '../training-memory.js';
import { type EpochEnd } from '../train/loop.js';
import type { CorpusTrainingRecord } from './char-corpus-types.js';
import type { CellType } from '../nn/cells/cell.js';

/** The architecture of a CharLM (what `fromConfig` needs besides the vocabulary). */
export interface CharLMConfig {
  cell: CellType;
  /** Stacked recurrent layers (>= 1). */
  layers: number;
  /** Units per recurrent layer. */
  hidden: number;
  /** Window length L used in training. */
  seqLength: number;
  /**
   * Dense softmax head after the recurrent layers (lab 12-4). `false` uses the last layer's
   * outputs directly as logits (lab 12-3), which requires hidden === vocabSize.
   */
  dense: boolean;
  vocabSize: number;
}

/**
 * The options table of {@link CharLM.train}: type, range, default and meaning of every option in
 * one place (only `seqLength` is required); `train` parses with it.
 */
export const charLMOptionsSchema = z.object({
  seqLength: intField(1, 1_000_000).meta({ description: 'Window length L (required)' }),
  cell: cellField().default('lstm').meta({ description: "A registered cell: 'lstm' or 'gru' built in" }),
  layers: intField(1, 64).default(1).meta({ description: 'Stacked recurrent layers' }),
  hidden: intField(1, 65536).optional().meta({ description: 'Units per layer. Default: the vocabulary size (as in the lecture)' }),
  dense: z.boolean().default(true).meta({ description: 'Dense softmax head (lab 12-4); false uses the last layer as logits (lab 12-3)' }),
  epochs: intField(1).default(100).meta({ description: 'Passes over every training window' }),
  learningRate: positiveField(1e6).default(0.1).meta({ description: "Adam learning rate (the lecture's 0.1)" }),
  batchSize: intField(1).optional().meta({
    description: 'Windows per batch. Default: all windows (as in the lecture), capped to the training memory budget; a larger explicit batch is refused',
  }),
  seed: intField(0, 2 ** 31 - 1)
    .default(777)
    .meta({ description: "Seeds weight initialisers and the batch shuffle (the lecture's 777)" }),
});

/** Options for {@link CharLM.train} (see {@link charLMOptionsSchema} for defaults and ranges). */
export type CharLMOptions = z.input<typeof charLMOptionsSchema>;

/**
 * The memory shape of a CharLM's training window (for {@link planTrainingBatch}).
 *
 * @example
 * planTrainingBatch(charLMTrainingShape({ cell: 'lstm', layers: 2, hidden: 256, seqLength: 50, dense: true, vocabSize: 60 }), { windows: 60_000 });
 */
export function charLMTrainingShape(c: Pick<CharLMConfig, 'cell' | 'layers' | 'hidden' | 'seqLength' | 'vocabSize'>): TrainingShape {
  return { cell: c.cell, layers: c.layers, units: c.hidden, steps: c.seqLength, inputs: c.vocabSize, outputs: c.vocabSize };
}

/** What training recorded (saved with the model). */
export interface CharLMTrainingInfo {
  epochs: number;
  learningRate: number;
  batchSize: number;
  seed: number;
  /** Number of training windows. */
  windows: number;
  /** Mean training loss of the last epoch. */
  loss: number;
  /** {@link CharLM.evaluate} accuracy on the training text after training. */
  accuracy: number;
  elapsedMs: number;
  backend: string;
  kernels: string;
  trainedAt: string;
  /** Present when the model was trained on a corpus in streams (see char-corpus.ts). */
  corpus?: CorpusTrainingRecord;
}

/**
 * Progress reported after every epoch: the one progress shape ({@link TrainProgress}: `step` of
 * `steps` optimizer steps, `elapsedMs`, `etaMs`) with the epoch, `loss` being its mean.
 */
export type EpochProgress = EpochEnd;

export interface TrainCallbacks {
  /** After every epoch. */
  onProgress?(p: EpochProgress): void;
  /** @deprecated Use `onProgress` (the same object). */
  onEpoch?(p: EpochProgress): void;
  /** Aborting stops training between batches; `train` then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options for {@link CharLM.generate}. */
export interface GenerateOptions {
  /** Softmax temperature (default 1); 0 picks the most likely character every step. */
  temperature?: number;
  /** Sample only among the K most likely characters (default: all). */
  topK?: number;
  /** Nucleus sampling: only the most likely characters whose probabilities sum to at least P (0 < P <= 1; default 1 = all). */
  topP?: number;
  /** Sampling seed (default: random). The same seed always gives the same text. */
  seed?: number;
  /**
   * {@link CharLM.generateSteps} only: read the prefix this many characters at a time, yielding
   * an empty string after each chunk, so a server can interleave a long prefix with other work
   * (default: the whole prefix in one step). The characters generated are the same.
   */
  prefixChunk?: number;
}

/** Result of {@link CharLM.evaluate}. */
export interface CharEvaluation {
  /** Fraction of characters text[1..] predicted right (each predicted once, see evaluate). */
  accuracy: number;
  /** Mean cross-entropy (nats) of those predictions. */
  loss: number;
  /** Windows the text was cut into. */
  windows: number;
  /** Characters predicted (text length - 1). */
  predictions: number;
}

/** One candidate next character and its probability (what {@link CharLM.next} returns a list of). */
export interface NextChar {
  char: string;
  p: number;
}

/**
 * One text's answer from {@link CharLM.nextBatch}: the same list `next` returns, or the
 * SeqcastError `next` would have thrown for that text alone.
 */
export type NextBatchResult = { ok: true; next: NextChar[] } | { ok: false; error: SeqcastError };

export function badArg(field: string, msg: string): SeqcastError {
  return new SeqcastError('BAD_ARGUMENT', `${field} ${msg}`, { where: field });
}

/** A number >= 1, Infinity included (a chunk size: Infinity = all at once). */
export const chunkField = z.custom<number>((v) => typeof v === 'number' && v >= 1, { error: 'must be a number >= 1' });

/** The options table of {@link CharLM.generate} (see {@link GenerateOptions}). */
export const generateOptionsSchema = z.object({
  temperature: z
    .number({ error: 'must be a number >= 0' })
    .min(0, { error: 'must be a number >= 0' })
    .default(1)
    .meta({ description: 'Softmax temperature; 0 picks the most likely character every step' }),
  topK: intField(1).optional().meta({ description: 'Sample only among the K most likely characters (default: all)' }),
  topP: z
    .number({ error: 'must be a number in (0, 1]' })
    .gt(0, { error: 'must be a number in (0, 1]' })
    .max(1, { error: 'must be a number in (0, 1]' })
    .default(1)
    .meta({ description: 'Nucleus sampling: the most likely characters whose probabilities sum to at least P' }),
  seed: z.number().int().optional().meta({ description: 'Sampling seed (default: random)' }),
  prefixChunk: chunkField.default(Infinity).meta({ description: 'generateSteps: read the prefix this many characters at a time' }),
});

/** The architecture table (what `seqcast.json` stores as `config`; see {@link CharLMConfig}). */
const charLMConfigSchema = z.object({
  cell: cellField(),
  layers: intField(1, 64),
  hidden: intField(1, 65536),
  seqLength: intField(1, 1_000_000),
  dense: z.boolean(),
  vocabSize: intField(1),
});

/** Check a config read from a file or given by a caller; `where` prefixes field names. */
export function validateConfig(c: Partial<CharLMConfig>, where: string, code: 'BAD_ARGUMENT' | 'BAD_MODEL'): CharLMConfig {
  try {
    const config: CharLMConfig = parseOptions(charLMConfigSchema, c, where);
    if (!config.dense && config.hidden !== config.vocabSize) {
      throw badArg(`${where}hidden`, `must equal the vocabulary size (${config.vocabSize}) when there is no dense head (received ${config.hidden})`);
    }
    return config;
  } catch (e) {
    if (e instanceof SeqcastError && code === 'BAD_MODEL') throw new SeqcastError('BAD_MODEL', e.message, e.details, { cause: e });
    throw e;
  }
}
