/**
 * The options tables of corpus training and streaming evaluation (char-corpus.ts): type, range,
 * default and meaning of every option in one place; the trainer parses with them, and a server
 * or a form can read the defaults from them.
 */
import { z } from 'zod';
import { cellField, intField, positiveField } from '../options.js';

/** Below this many held-out characters the default validation split is off. */
export const MIN_DEFAULT_VAL_CHARS = 10_000;

/** A number in [min, max] (or (min, max] with `openMin`), worded as seqcast words it. */
function rangeField(min: number, max: number, expected: string, o: { openMin?: boolean; openMax?: boolean } = {}): z.ZodNumber {
  const error = `must be ${expected}`;
  const low = z.number({ error });
  const withMin = o.openMin ? low.gt(min, { error }) : low.min(min, { error });
  return o.openMax ? withMin.lt(max, { error }) : withMin.max(max, { error });
}

/** The options table of {@link trainCharCorpus} (only `seqLength` is required; see CorpusTrainOptions). */
export const corpusTrainOptionsSchema = z.object({
  seqLength: intField(1, 100_000).meta({ description: 'T: characters per chunk (truncated-BPTT length). Required' }),
  batchSize: intField(1, 100_000).default(64).meta({ description: 'B: contiguous streams the text is split into (the batch)' }),
  cell: cellField().default('lstm').meta({ description: "A registered cell: 'lstm' or 'gru' built in" }),
  layers: intField(1, 64).default(2).meta({ description: 'Stacked recurrent layers' }),
  hidden: intField(1, 65536).default(256).meta({ description: 'Units per layer' }),
  learningRate: positiveField().default(0.002).meta({ description: 'Adam learning rate' }),
  lrDecay: rangeField(0, 1, 'a number in (0, 1]', { openMin: true }).default(1).meta({ description: 'Learning rate multiplied by this after every epoch' }),
  anneal: rangeField(0, 1, 'a fraction in [0, 1]')
    .default(0.2)
    .meta({ description: 'The last fraction of the budget over which the learning rate falls linearly to a tenth (0 = off)' }),
  clip: rangeField(0, Number.MAX_VALUE, 'a number >= 0 (0 = off)').default(5).meta({ description: 'Global gradient-norm clip (0 = off)' }),
  dropout: rangeField(0, 1, 'a number in [0, 1)', { openMax: true }).default(0).meta({ description: 'Dropout rate between recurrent layers' }),
  val: rangeField(0, 1, 'a fraction in [0, 1)', { openMax: true })
    .optional()
    .meta({
      description: `Fraction of the text held out from its end for validation. Default 0.05 when that is at least ${MIN_DEFAULT_VAL_CHARS} characters, else 0`,
    }),
  valEvery: intField(1).default(100).meta({ description: 'Validate every N steps (and at the end)' }),
  steps: intField(1).optional().meta({ description: 'Step budget (with no budget at all: 10 epochs)' }),
  minutes: positiveField().optional().meta({ description: 'Wall-clock budget in minutes (time before a resume counts)' }),
  epochs: intField(1).optional().meta({ description: 'Passes over the training part of the text' }),
  seed: intField(0, 2 ** 31 - 1)
    .default(777)
    .meta({ description: 'Seeds the weights' }),
  checkpointDir: z.string().optional().meta({ description: 'Write checkpoints (the best model plus the resume state) into this directory' }),
  overwrite: z.boolean().default(false).meta({ description: 'Let the first checkpoint replace an existing seqcast model at checkpointDir' }),
  checkpointEvery: intField(1).default(200).meta({ description: 'Checkpoint every N steps, on interruption and at the end' }),
});

/** The options table of {@link evaluateCorpus}. */
export const evaluateCorpusOptionsSchema = z.object({
  streams: intField(1).default(1).meta({ description: 'Contiguous pieces the text is scored in (1 = every character from all the text before it)' }),
  chunk: intField(1).optional().meta({ description: 'Characters per step (default 1000 with one stream, else 100)' }),
});
