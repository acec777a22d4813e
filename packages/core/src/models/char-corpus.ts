/**
 * CharLM on a real corpus: char-rnn's truncated-BPTT scheme.
 *
 * The text is cut into B contiguous streams; training walks them side by side in chunks of T
 * characters, carrying each stream's recurrent state from one chunk to the next (detached: the
 * gradient stops at the chunk boundary). Memory is bounded by B·T·hidden whatever the text length,
 * because only one chunk's activations exist at a time (see estimateCorpusTrainingBytes).
 * Gradients are clipped by global norm, dropout may sit between layers, the learning rate may decay
 * per epoch; a validation split from the end of the text is scored every N steps in the same
 * streaming way and the best-validation weights are the ones kept.
 *
 * Training stops at the first budget reached (steps, wall-clock minutes, epochs). With a
 * checkpoint directory, the best model plus everything needed to continue (current weights, Adam's
 * moments, the streams' position and state, the counters) is written there atomically every N
 * steps, on interruption and at the end; resumeCharCorpus continues the same run from it.
 *
 * The lecture's sliding-window trainer (CharLM.train) is untouched; this is the path for texts
 * too long to hold every window. This file starts and resumes runs; the parts live beside it:
 * char-corpus-options.ts (the options table), -text.ts (vocabulary and ids), -eval.ts (streaming
 * evaluation, memory estimate), -run.ts (one run through the one training loop), -checkpoint.ts
 * (the checkpoint format), -types.ts (shapes).
 */
import * as path from 'node:path';
import { SeqcastError } from '../errors.js';
import { checkSaveTarget } from '../io/model-dir.js';
import { initKernels } from '../nn/kernels.js';
import { initBackend } from '../runtime/backend.js';
import { planTrainingBatch } from '../training-memory.js';
import { CharLM, charLMTrainingShape, type CharLMConfig } from './char-lm.js';
import type { CorpusResumeOptions, CorpusTrainingRecord, CorpusTrainOptions, StopReason } from './char-corpus-types.js';
import { type Progress, type ResolvedOptions, readCheckpoint } from './char-corpus-checkpoint.js';
import { corpusVocabulary, encodeCorpus, fingerprint } from './char-corpus-text.js';
import { type CorpusCallbacks, CorpusRun, type Split, budgetReached, resolveOptions, splitCorpus, trainingInfo } from './char-corpus-run.js';

export type * from './char-corpus-types.js';
export { corpusTrainOptionsSchema, evaluateCorpusOptionsSchema, MIN_DEFAULT_VAL_CHARS } from './char-corpus-options.js';
export { CHECKPOINT_JSON, CHECKPOINT_BIN } from './char-corpus-checkpoint.js';
export { corpusVocabulary, encodeCorpus, type CorpusIds } from './char-corpus-text.js';
export { evaluateCorpus, estimateCorpusTrainingBytes, type CorpusEvaluation, type CorpusMemoryShape } from './char-corpus-eval.js';
export type { CorpusCallbacks } from './char-corpus-run.js';

/**
 * Refuse, before any tensor exists, a run whose streams (the batch) do not fit the training memory
 * budget, as every training is (see planTrainingBatch); the text's ids stay resident.
 */
function planCorpusMemory(config: CharLMConfig, o: ResolvedOptions, textChars: number): void {
  planTrainingBatch(charLMTrainingShape(config), {
    windows: o.batchSize,
    batchSize: o.batchSize,
    residentBytes: textChars * (config.vocabSize <= 256 ? 1 : 2),
    vocabulary: { where: 'text', unitsFollow: false },
  });
}

/** A trained corpus model and how its training went. */
export interface CorpusTrainResult {
  /** Holds the best-validation weights (the last ones without validation). */
  lm: CharLM;
  record: CorpusTrainingRecord;
}

async function runToEnd(run: CorpusRun, lm: CharLM, o: ResolvedOptions, p: Progress, split: Split, cb: CorpusCallbacks): Promise<CorpusTrainResult> {
  let stop: StopReason;
  try {
    stop = await run.run(cb);
  } finally {
    run.dispose();
  }
  if (stop === 'interrupted') throw cb.signal?.reason ?? new SeqcastError('INTERNAL', 'training interrupted');
  run.finishWeights();
  const record = run.record(stop);
  lm.recordTraining(trainingInfo(o, record, p, split));
  return { lm, record };
}

/**
 * Train a CharLM on a corpus with char-rnn's streaming truncated BPTT (see the top of this file).
 *
 * @example
 * const { lm, record } = await trainCharCorpus(text, { seqLength: 100, batchSize: 64, hidden: 256, minutes: 4, checkpointDir: 'models/republic' },
 *   { onStep: (p) => console.log(p.step, p.trainLoss, p.valLoss) });
 * record.valLoss;   // nats/char of the kept weights on the held-out 5 %
 */
export async function trainCharCorpus(text: string, options: CorpusTrainOptions, callbacks: CorpusCallbacks = {}): Promise<CorpusTrainResult> {
  await initBackend();
  await initKernels();
  if (typeof text !== 'string' || text.length === 0) throw new SeqcastError('BAD_INPUT', 'training text is empty');
  const o = resolveOptions(options, text.length);
  const vocabulary = corpusVocabulary(text);
  const ids = encodeCorpus(vocabulary, text);
  const split = splitCorpus(ids, o);
  const config: CharLMConfig = { cell: o.cell, layers: o.layers, hidden: o.hidden, seqLength: o.seqLength, dense: true, vocabSize: vocabulary.size };
  // Refused before any training: checkpoints never replace what is not this kind of model.
  if (options.checkpointDir) await checkSaveTarget(options.checkpointDir, { overwrite: options.overwrite === true });
  planCorpusMemory(config, o, ids.length);
  const lm = CharLM.forTraining(config, vocabulary, o.seed);
  const p: Progress = { step: 0, chunk: 0, epochsDone: 0, chars: 0, elapsedMs: 0, trainLoss: NaN, lastVal: null, best: null };
  try {
    const run = new CorpusRun(lm, ids, split, o, p, options.checkpointDir);
    return await runToEnd(run, lm, o, p, split, callbacks);
  } catch (e) {
    lm.dispose();
    throw e;
  }
}

/**
 * Continue a run from the checkpoint in `dir` (written by trainCharCorpus with `checkpointDir`) on
 * the same text: weights, Adam's moments, the streams' position and state and the counters are
 * restored, so the run goes on as if never stopped. Budgets count the whole run (time before the
 * resume included); `options` may change them and the checkpoint settings. By default the run
 * keeps checkpointing into `dir`.
 *
 * @example
 * const { lm } = await resumeCharCorpus('models/republic', text, { minutes: 8 });
 */
export async function resumeCharCorpus(
  dir: string,
  text: string,
  options: CorpusResumeOptions = {},
  callbacks: CorpusCallbacks = {},
): Promise<CorpusTrainResult> {
  await initBackend();
  await initKernels();
  const { json, bin, file } = await readCheckpoint(dir);
  const lm = await CharLM.load(dir);
  try {
    const ids = encodeCorpus(lm.vocabulary, text, 'text');
    if (json.corpus.chars !== ids.length || json.corpus.fingerprint !== fingerprint(ids)) {
      throw new SeqcastError(
        'BAD_INPUT',
        `the text is not the one the checkpoint in ${dir} was trained on (${ids.length} characters, checkpoint: ${json.corpus.chars})`,
        {
          where: 'text',
        },
      );
    }
    const saved = json.options;
    const merged: CorpusTrainOptions = {
      ...saved,
      steps: options.steps ?? saved.steps ?? undefined,
      minutes: options.minutes ?? saved.minutes ?? undefined,
      epochs: options.epochs ?? saved.epochs ?? undefined,
      valEvery: options.valEvery ?? saved.valEvery,
      checkpointEvery: options.checkpointEvery ?? saved.checkpointEvery,
    } as CorpusTrainOptions;
    if (options.steps !== undefined || options.minutes !== undefined || options.epochs !== undefined) {
      // New budgets replace the old ones rather than adding to them.
      if (options.steps === undefined) delete merged.steps;
      if (options.minutes === undefined) delete merged.minutes;
      if (options.epochs === undefined) delete merged.epochs;
    }
    const o = resolveOptions(merged, ids.length);
    const split = splitCorpus(ids, o);
    const p: Progress = { ...json.progress };
    const spent = budgetReached(o, p, split, p.elapsedMs);
    if (spent !== null) {
      // Budgets count the whole run: without this a smaller one would train nothing and say nothing.
      const used = {
        steps: `${p.step} of ${o.steps} steps`,
        minutes: `${(p.elapsedMs / 60_000).toFixed(2)} of ${o.minutes} minutes`,
        epochs: `${(p.epochsDone + p.chunk / split.chunksPerEpoch).toFixed(2)} of ${o.epochs} epochs`,
      }[spent];
      throw new SeqcastError(
        'BAD_ARGUMENT',
        `${spent} budget used up: the run in ${dir} has used ${used}; budgets count the whole run, so give a larger one to continue it`,
        { where: spent },
      );
    }
    if (options.checkpointDir !== undefined && path.resolve(options.checkpointDir) !== path.resolve(dir)) {
      await checkSaveTarget(options.checkpointDir, { overwrite: options.overwrite === true });
    }
    planCorpusMemory(lm.config, o, ids.length);
    const run = new CorpusRun(lm, ids, split, o, p, options.checkpointDir ?? dir);
    try {
      await run.restore(json, bin, file);
    } catch (e) {
      run.dispose();
      throw e;
    }
    return await runToEnd(run, lm, o, p, split, callbacks);
  } catch (e) {
    lm.dispose();
    throw e;
  }
}
