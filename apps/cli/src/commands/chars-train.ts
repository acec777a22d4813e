/**
 * `seqcast chars train`: sliding windows for short texts (CharLM.train), streams for corpora
 * (trainCharCorpus, resumeCharCorpus) with checkpoints and Ctrl-C writing one before exiting.
 */
import * as path from 'node:path';
import {
  CharLM,
  estimateCorpusTrainingBytes,
  initBackend,
  resumeCharCorpus,
  SeqcastError,
  trainCharCorpus,
  type CorpusCallbacks,
  type CorpusTrainResult,
} from '@seqcast/core';
import { optionalNumber, optionalString, parseFlags, requireString, type Flags } from '../args.js';
import type { Command, Io } from '../command.js';
import { ProgressBar, StepProgress } from '../progress.js';
import { checkOut } from '../save-target.js';
import { defined, parseCell, readTextFile, textOrInline, withFlagNames } from './chars-shared.js';

/**
 * Texts at least this long train in streams (char-rnn's truncated BPTT) unless `--scheme windows`
 * says otherwise: every sliding window of a longer text would not fit in memory or time.
 */
const STREAMS_FROM_CHARS = 20_000;

/** Flags that only the streams scheme understands. */
const STREAM_FLAGS = ['steps', 'minutes', 'val', 'val-every', 'checkpoint-every', 'resume', 'dropout', 'clip', 'lr-decay', 'anneal'] as const;
export const train: Command = {
  name: 'train',
  summary: 'train a character language model on a text (sliding windows for short texts, streams for corpora)',
  usage:
    'seqcast chars train (--text FILE | --inline STRING) --seq N [--layers N] [--hidden N] [--cell lstm|gru] ' +
    '[--epochs N] [--lr X] [--batch N] [--seed N] --out DIR [--force] [--json]\n' +
    '      corpus (streams; the default from 20,000 characters or with any of these flags): [--scheme windows|streams] ' +
    '[--steps N] [--minutes M] [--val FRACTION] [--val-every N] [--checkpoint-every N] [--dropout P] [--clip X] [--lr-decay F] [--anneal F]\n' +
    '      seqcast chars train --resume DIR --text FILE [--steps N] [--minutes M] [--epochs N] [--out DIR [--force]] [--json]',
  async run(argv, io) {
    const flags = parseFlags(
      argv,
      {
        text: { type: 'string' },
        inline: { type: 'string' },
        seq: { type: 'string' },
        layers: { type: 'string' },
        hidden: { type: 'string' },
        cell: { type: 'string' },
        epochs: { type: 'string' },
        lr: { type: 'string' },
        batch: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
        scheme: { type: 'string' },
        steps: { type: 'string' },
        minutes: { type: 'string' },
        val: { type: 'string' },
        'val-every': { type: 'string' },
        'checkpoint-every': { type: 'string' },
        resume: { type: 'string' },
        dropout: { type: 'string' },
        clip: { type: 'string' },
        'lr-decay': { type: 'string' },
        anneal: { type: 'string' },
      },
      'chars train',
    );
    const scheme = optionalString(flags, 'scheme');
    if (scheme !== undefined && scheme !== 'windows' && scheme !== 'streams') {
      throw new SeqcastError('BAD_ARGUMENT', `--scheme must be windows or streams (received "${scheme}")`, { where: '--scheme' });
    }
    const streamFlag = STREAM_FLAGS.find((f) => flags[f] !== undefined);
    if (scheme === 'windows' && streamFlag) {
      throw new SeqcastError('BAD_ARGUMENT', `chars train: --${streamFlag} needs --scheme streams (corpus training)`, { where: `--${streamFlag}` });
    }
    if (flags.resume !== undefined) return trainStreams(flags, io);
    const seqLength = optionalNumber(flags, 'seq', { integer: true, min: 1 });
    if (seqLength === undefined) throw new SeqcastError('BAD_ARGUMENT', 'chars train: --seq is required', { where: '--seq' });
    const out = requireString(flags, 'out', 'chars train');
    const save = { overwrite: flags.force === true };
    // Before any training: a target that is not ours (or a model without --force) is refused.
    await checkOut(out, save);
    const text = await textOrInline(flags, 'chars train');
    if (scheme === 'streams' || (scheme === undefined && (streamFlag || text.length >= STREAMS_FROM_CHARS))) return trainStreams(flags, io, text);
    const options = {
      seqLength,
      cell: parseCell(flags),
      layers: optionalNumber(flags, 'layers', { integer: true, min: 1, max: 64 }),
      hidden: optionalNumber(flags, 'hidden', { integer: true, min: 1 }),
      epochs: optionalNumber(flags, 'epochs', { integer: true, min: 1 }),
      learningRate: optionalNumber(flags, 'lr', { min: Number.MIN_VALUE }),
      batchSize: optionalNumber(flags, 'batch', { integer: true, min: 1 }),
      seed: optionalNumber(flags, 'seed', { integer: true, min: 0 }),
    };
    await initBackend();
    const bar = new ProgressBar('train');
    const lm = await withFlagNames(() => CharLM.train(text, options, { onProgress: (p) => bar.update(p) }));
    try {
      await lm.save(out, save);
      const info = lm.info!;
      const summary = {
        model: out,
        vocabulary: lm.vocabulary.size,
        ...lm.config,
        epochs: info.epochs,
        loss: info.loss,
        accuracy: info.accuracy,
        elapsedMs: info.elapsedMs,
        backend: info.backend,
        kernels: info.kernels,
      };
      if (flags.json) return io.out(JSON.stringify(summary));
      io.out(
        `trained ${lm.config.layers}x${lm.config.cell.toUpperCase()}(${lm.config.hidden}) on ${info.windows} windows of ${lm.config.seqLength} ` +
          `(vocabulary ${lm.vocabulary.size}) in ${(info.elapsedMs / 1000).toFixed(1)}s [${info.backend}, kernels ${info.kernels}]`,
      );
      // "training loss": the last epoch's mean over every step of every window, while the weights still
      // moved; `chars eval` reports each character once from its longest context, after training.
      io.out(`training loss ${info.loss.toFixed(4)}  accuracy ${info.accuracy.toFixed(4)}`);
      io.out(`saved ${out}`);
    } finally {
      lm.dispose();
    }
  },
};

/** Flags an interrupted or finished corpus run keeps when resumed; these cannot change. */
const FIXED_ON_RESUME = ['seq', 'layers', 'hidden', 'cell', 'batch', 'lr', 'seed', 'val', 'dropout', 'clip', 'lr-decay', 'anneal', 'inline', 'scheme'] as const;

/**
 * Corpus training (streams × chunks, state carried) or its resumption, with a step progress bar,
 * checkpoints into --out, and Ctrl-C writing a checkpoint before exiting 130.
 */
async function trainStreams(flags: Flags, io: Io, text?: string): Promise<void> {
  const resume = optionalString(flags, 'resume');
  const budgets = {
    steps: optionalNumber(flags, 'steps', { integer: true, min: 1 }),
    minutes: optionalNumber(flags, 'minutes', { min: Number.MIN_VALUE }),
    epochs: optionalNumber(flags, 'epochs', { integer: true, min: 1 }),
    valEvery: optionalNumber(flags, 'val-every', { integer: true, min: 1 }),
    checkpointEvery: optionalNumber(flags, 'checkpoint-every', { integer: true, min: 1 }),
  };
  let out: string;
  let start: (cb: CorpusCallbacks) => Promise<CorpusTrainResult>;
  if (resume !== undefined) {
    const fixed = FIXED_ON_RESUME.find((f) => flags[f] !== undefined);
    if (fixed)
      throw new SeqcastError('BAD_ARGUMENT', `chars train: --${fixed} cannot change when resuming (--resume continues the saved run)`, { where: `--${fixed}` });
    const file = requireString(flags, 'text', 'chars train --resume');
    out = optionalString(flags, 'out') ?? resume;
    // Continuing into the checkpoint's own directory replaces it; another --out follows the usual rules.
    if (path.resolve(out) !== path.resolve(resume)) await checkOut(out, { overwrite: flags.force === true });
    const corpus = await readTextFile(file, '--text');
    start = (cb) => resumeCharCorpus(resume, corpus, { ...defined(budgets), checkpointDir: out, overwrite: flags.force === true }, cb);
  } else {
    out = requireString(flags, 'out', 'chars train');
    const options = {
      seqLength: optionalNumber(flags, 'seq', { integer: true, min: 1 })!,
      cell: parseCell(flags),
      layers: optionalNumber(flags, 'layers', { integer: true, min: 1, max: 64 }),
      hidden: optionalNumber(flags, 'hidden', { integer: true, min: 1 }),
      learningRate: optionalNumber(flags, 'lr', { min: Number.MIN_VALUE }),
      batchSize: optionalNumber(flags, 'batch', { integer: true, min: 1 }),
      seed: optionalNumber(flags, 'seed', { integer: true, min: 0 }),
      val: optionalNumber(flags, 'val', { min: 0, max: 0.99 }),
      dropout: optionalNumber(flags, 'dropout', { min: 0, max: 0.99 }),
      clip: optionalNumber(flags, 'clip', { min: 0 }),
      lrDecay: optionalNumber(flags, 'lr-decay', { min: Number.MIN_VALUE, max: 1 }),
      anneal: optionalNumber(flags, 'anneal', { min: 0, max: 1 }),
      ...budgets,
      checkpointDir: out,
      overwrite: flags.force === true,
    };
    start = (cb) => trainCharCorpus(text!, defined(options) as typeof options, cb);
  }
  await initBackend();
  const bar = new StepProgress('train');
  const ac = new AbortController();
  const onSigint = () =>
    ac.abort(
      new SeqcastError('INTERRUPTED', `interrupted; checkpoint saved in ${out} (continue with: seqcast chars train --resume ${out} --text FILE)`, {
        where: out,
      }),
    );
  process.once('SIGINT', onSigint);
  let last: Parameters<NonNullable<CorpusCallbacks['onStep']>>[0] | undefined;
  let result: CorpusTrainResult;
  try {
    result = await withFlagNames(() =>
      start({
        signal: ac.signal,
        onStep: (p) => {
          last = p;
          bar.update(p);
        },
        onValidation: (v) => {
          if (!flags.json) bar.note(`step ${v.step} validation ${v.loss.toFixed(4)} nats/char (${v.bitsPerChar.toFixed(3)} bits/char)${v.best ? ' best' : ''}`);
        },
      }),
    );
  } finally {
    process.off('SIGINT', onSigint);
  }
  const { lm, record } = result;
  try {
    if (last) bar.update(last, true);
    const summary = {
      model: out,
      steps: record.steps,
      chars: record.chars,
      charsPerSec: Math.round(record.charsPerSec),
      trainLoss: record.trainLoss,
      valLoss: record.valLoss,
      valBitsPerChar: record.valBitsPerChar,
      valAccuracy: record.valAccuracy,
      bestStep: record.bestStep,
      stoppedBy: record.stoppedBy,
      elapsedMs: record.elapsedMs,
      vocabulary: lm.vocabulary.size,
      ...lm.config,
      streams: record.streams,
      backend: lm.info?.backend,
      kernels: lm.info?.kernels,
    };
    if (flags.json) return io.out(JSON.stringify(summary));
    const mem = estimateCorpusTrainingBytes({ ...lm.config, batchSize: record.streams, textChars: record.trainChars + record.valChars });
    io.out(
      `trained ${lm.config.layers}x${lm.config.cell.toUpperCase()}(${lm.config.hidden}) for ${record.steps} steps (${record.stoppedBy}) on ` +
        `${record.trainChars.toLocaleString('en-US')} characters in ${record.streams} streams of ${record.seqLength} ` +
        `in ${(record.elapsedMs / 1000).toFixed(1)}s, ${Math.round(record.charsPerSec).toLocaleString('en-US')} chars/s ` +
        `[${lm.info?.backend}, kernels ${lm.info?.kernels}; training buffers ~${Math.round(mem.total / 2 ** 20)} MB]`,
    );
    io.out(
      `train loss ${record.trainLoss.toFixed(4)}` +
        (record.valLoss === null
          ? '  (no validation split)'
          : `  validation ${record.valLoss.toFixed(4)} nats/char (${record.valBitsPerChar!.toFixed(3)} bits/char, accuracy ${record.valAccuracy!.toFixed(4)}) at step ${record.bestStep}`),
    );
    io.out(`saved ${out}`);
  } finally {
    lm.dispose();
  }
}
