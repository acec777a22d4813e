/**
 * `seqcast chars train|predict|eval|next|generate`: the character language model (CharLM) from the
 * command line. Thin: flags -> @seqcast/core -> printed results; every mistake is a one-line
 * SeqcastError naming the flag, file or character.
 */
import { promises as fs } from 'node:fs';
import { CharLM, initBackend, isSeqcastError, SeqcastError, setKernelLogger, type CellType } from '@seqcast/core';
import { optionalNumber, optionalString, parseFlags, requireString, type Flags } from '../args.js';
import type { Command, CommandGroup } from '../command.js';
import { ProgressBar } from '../progress.js';
import { checkOut } from '../save-target.js';

/** Library option names -> the flags that set them, so library errors name the flag. */
const FLAG_OF: Record<string, string> = {
  seqLength: '--seq',
  layers: '--layers',
  hidden: '--hidden',
  cell: '--cell',
  epochs: '--epochs',
  learningRate: '--lr',
  batchSize: '--batch',
  seed: '--seed',
  text: '--text',
  prefix: '--prefix',
  length: '--length',
  temperature: '--temperature',
  topK: '--top-k',
  top: '--top',
};

/** Re-word a library error so it names the CLI flag instead of the option field. */
async function withFlagNames<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!isSeqcastError(e)) throw e;
    const where = typeof e.details.where === 'string' ? e.details.where : '';
    const field = where.replace(/\[\d+\]$/, '');
    const flag = FLAG_OF[field];
    if (!flag) throw e;
    // The option's name is a whole word in the message ("seqLength 7 needs ...", "position 2 of text").
    const message = e.message.replace(new RegExp(`(^|[ ;])${field}(?=[ ,;])`), `$1${flag}`);
    throw new SeqcastError(e.code, message, { ...e.details, where: where.replace(field, flag) });
  }
}

/** Backend and kernel lines are useful during training; for quick queries stderr stays for errors. */
async function quietRuntime(): Promise<void> {
  setKernelLogger(null);
  await initBackend({ log: false });
}

async function readTextFile(file: string, flag: string): Promise<string> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SeqcastError('NOT_FOUND', `${flag}: file ${file} does not exist`, { where: flag });
    if (code === 'EISDIR') throw new SeqcastError('BAD_INPUT', `${flag}: ${file} is a directory, not a text file`, { where: flag });
    throw new SeqcastError('BAD_INPUT', `${flag}: cannot read ${file} (${code ?? String(e)})`, { where: flag });
  }
  if (text.length === 0) throw new SeqcastError('BAD_INPUT', `${flag}: file ${file} is empty`, { where: flag });
  return text;
}

/** Exactly one of --text FILE / --inline STRING. */
async function textOrInline(flags: Flags, command: string): Promise<string> {
  const file = optionalString(flags, 'text');
  const inline = optionalString(flags, 'inline');
  if (file !== undefined && inline !== undefined) {
    throw new SeqcastError('BAD_ARGUMENT', `${command}: give --text FILE or --inline STRING, not both`, { where: '--text' });
  }
  if (file === undefined && inline === undefined) {
    throw new SeqcastError('BAD_ARGUMENT', `${command}: --text FILE or --inline STRING is required`, { where: '--text' });
  }
  if (inline !== undefined) {
    if (inline === '') throw new SeqcastError('BAD_ARGUMENT', `${command}: --inline is empty`, { where: '--inline' });
    return inline;
  }
  return readTextFile(file!, '--text');
}

/** Load --model quietly, run `use` on it, and dispose it whatever happens. */
async function withModel<T>(flags: Flags, command: string, use: (lm: CharLM) => Promise<T>): Promise<T> {
  const dir = requireString(flags, 'model', command);
  await quietRuntime();
  const lm = await CharLM.load(dir);
  try {
    return await use(lm);
  } finally {
    lm.dispose();
  }
}

function parseCell(flags: Flags): CellType | undefined {
  const cell = optionalString(flags, 'cell');
  if (cell === undefined) return undefined;
  if (cell !== 'lstm' && cell !== 'gru') {
    throw new SeqcastError('BAD_ARGUMENT', `--cell must be lstm or gru (received "${cell}")`, { where: '--cell' });
  }
  return cell;
}

const train: Command = {
  name: 'train',
  summary: 'train a character language model on a text',
  usage:
    'seqcast chars train (--text FILE | --inline STRING) --seq N [--layers N] [--hidden N] [--cell lstm|gru] ' +
    '[--epochs N] [--lr X] [--batch N] [--seed N] --out DIR [--force] [--json]',
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
      },
      'chars train',
    );
    const seqLength = optionalNumber(flags, 'seq', { integer: true, min: 1 });
    if (seqLength === undefined) throw new SeqcastError('BAD_ARGUMENT', 'chars train: --seq is required', { where: '--seq' });
    const out = requireString(flags, 'out', 'chars train');
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
    const save = { overwrite: flags.force === true };
    // Before any training: a target that is not ours (or a model without --force) is refused.
    await checkOut(out, save);
    const text = await textOrInline(flags, 'chars train');
    await initBackend();
    const bar = new ProgressBar('train');
    const lm = await withFlagNames(() => CharLM.train(text, options, { onEpoch: (p) => bar.update(p) }));
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

const predict: Command = {
  name: 'predict',
  summary: 'teacher-forced prediction string for a text',
  usage: 'seqcast chars predict --model DIR --text STRING',
  async run(argv, io) {
    const flags = parseFlags(argv, { model: { type: 'string' }, text: { type: 'string' } }, 'chars predict');
    const text = requireString(flags, 'text', 'chars predict');
    await withModel(flags, 'chars predict', async (lm) => io.out(await withFlagNames(() => lm.predictString(text))));
  },
};

const evaluate: Command = {
  name: 'eval',
  summary: 'next-character accuracy and cross-entropy over a text',
  usage: 'seqcast chars eval --model DIR (--text FILE | --inline STRING) [--json]',
  async run(argv, io) {
    const flags = parseFlags(
      argv,
      { model: { type: 'string' }, text: { type: 'string' }, inline: { type: 'string' }, json: { type: 'boolean' } },
      'chars eval',
    );
    requireString(flags, 'model', 'chars eval');
    const text = await textOrInline(flags, 'chars eval');
    await withModel(flags, 'chars eval', async (lm) => {
      const where = optionalString(flags, 'text') !== undefined ? '--text' : '--inline';
      const r = await withFlagNames(() => {
        try {
          return lm.evaluate(text);
        } catch (e) {
          // The text came from a flag: say which.
          if (isSeqcastError(e) && e.code === 'UNKNOWN_CHAR') throw new SeqcastError(e.code, e.message.replace(' of text ', ` of ${where} `), e.details);
          throw e;
        }
      });
      if (flags.json) return io.out(JSON.stringify(r));
      io.out(`accuracy ${r.accuracy.toFixed(4)} (${Math.round(r.accuracy * r.predictions)}/${r.predictions})  loss ${r.loss.toFixed(4)}  windows ${r.windows}`);
    });
  },
};

const next: Command = {
  name: 'next',
  summary: 'most likely next characters with probabilities',
  usage: 'seqcast chars next --model DIR --text STRING [--top K] [--json]',
  async run(argv, io) {
    const flags = parseFlags(argv, { model: { type: 'string' }, text: { type: 'string' }, top: { type: 'string' }, json: { type: 'boolean' } }, 'chars next');
    const text = requireString(flags, 'text', 'chars next');
    const top = optionalNumber(flags, 'top', { integer: true, min: 1 }) ?? 5;
    await withModel(flags, 'chars next', async (lm) => {
      const r = await withFlagNames(() => lm.next(text, top));
      if (flags.json) return io.out(JSON.stringify({ text, next: r }));
      for (const { char, p } of r) io.out(`${JSON.stringify(char).padEnd(6)} ${p.toFixed(4)}`);
    });
  },
};

const generate: Command = {
  name: 'generate',
  summary: 'sample a continuation of a prefix',
  usage: 'seqcast chars generate --model DIR --prefix STRING --length N [--temperature T] [--top-k K] [--seed N]',
  async run(argv, io) {
    const flags = parseFlags(
      argv,
      {
        model: { type: 'string' },
        prefix: { type: 'string' },
        length: { type: 'string' },
        temperature: { type: 'string' },
        'top-k': { type: 'string' },
        seed: { type: 'string' },
      },
      'chars generate',
    );
    const prefix = requireString(flags, 'prefix', 'chars generate');
    const length = optionalNumber(flags, 'length', { integer: true, min: 0, max: 1_000_000 });
    if (length === undefined) throw new SeqcastError('BAD_ARGUMENT', 'chars generate: --length is required', { where: '--length' });
    const opts = {
      temperature: optionalNumber(flags, 'temperature', { min: 0 }),
      topK: optionalNumber(flags, 'top-k', { integer: true, min: 1 }),
      seed: optionalNumber(flags, 'seed', { integer: true, min: 0 }),
    };
    await withModel(flags, 'chars generate', async (lm) => io.out(await withFlagNames(() => lm.generate(prefix, length, opts))));
  },
};

/** The `chars` command group. */
export const chars: CommandGroup = {
  name: 'chars',
  summary: 'character language models (the lecture labs)',
  commands: [train, predict, evaluate, next, generate],
};

