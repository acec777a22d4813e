/** `seqcast chars predict|eval|next|generate`: questions to a saved character language model. */
import { evaluateCorpus, isSeqcastError, SeqcastError } from '@seqcast/core';
import { optionalNumber, optionalString, parseFlags, requireString } from '../args.js';
import type { Command } from '../command.js';
import { textOrInline, withFlagNames, withModel } from './chars-shared.js';

export const predict: Command = {
  name: 'predict',
  summary: 'teacher-forced prediction string for a text',
  usage: 'seqcast chars predict --model DIR --text STRING',
  async run(argv, io) {
    const flags = parseFlags(argv, { model: { type: 'string' }, text: { type: 'string' } }, 'chars predict');
    const text = requireString(flags, 'text', 'chars predict');
    await withModel(flags, 'chars predict', async (lm) => io.out(await withFlagNames(() => lm.predictString(text))));
  },
};

export const evaluate: Command = {
  name: 'eval',
  summary: 'next-character accuracy and cross-entropy over a text',
  usage:
    'seqcast chars eval --model DIR (--text FILE | --inline STRING) [--streams N] [--json]\n' +
    '      corpus models (and --streams) score every character once with the state carried from the text before it',
  async run(argv, io) {
    const flags = parseFlags(
      argv,
      { model: { type: 'string' }, text: { type: 'string' }, inline: { type: 'string' }, streams: { type: 'string' }, json: { type: 'boolean' } },
      'chars eval',
    );
    requireString(flags, 'model', 'chars eval');
    const streams = optionalNumber(flags, 'streams', { integer: true, min: 1 });
    const text = await textOrInline(flags, 'chars eval');
    await withModel(flags, 'chars eval', async (lm) => {
      const where = optionalString(flags, 'text') !== undefined ? '--text' : '--inline';
      if (streams !== undefined || lm.info?.corpus) {
        const r = await withFlagNames(() => evaluateCorpus(lm, text, { streams: streams ?? 1, where }));
        if (flags.json) return io.out(JSON.stringify(r));
        return io.out(
          `loss ${r.loss.toFixed(4)} nats/char (${r.bitsPerChar.toFixed(3)} bits/char)  accuracy ${r.accuracy.toFixed(4)}  ` +
            `${r.predictions.toLocaleString('en-US')} characters in ${r.streams} stream(s)`,
        );
      }
      const r = await withFlagNames(() => {
        try {
          return lm.evaluate(text);
        } catch (e) {
          // The text came from a flag: say which.
          if (isSeqcastError(e) && e.code === 'UNKNOWN_CHAR')
            throw new SeqcastError(e.code, e.message.replace(' of text ', ` of ${where} `), e.details, { cause: e });
          throw e;
        }
      });
      if (flags.json) return io.out(JSON.stringify({ ...r, bitsPerChar: r.loss / Math.LN2 }));
      io.out(`accuracy ${r.accuracy.toFixed(4)} (${Math.round(r.accuracy * r.predictions)}/${r.predictions})  loss ${r.loss.toFixed(4)}  windows ${r.windows}`);
    });
  },
};

export const next: Command = {
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

export const generate: Command = {
  name: 'generate',
  summary: 'sample a continuation of a prefix',
  usage: 'seqcast chars generate --model DIR --prefix STRING --length N [--temperature T] [--top-k K] [--top-p P] [--seed N]',
  async run(argv, io) {
    const flags = parseFlags(
      argv,
      {
        model: { type: 'string' },
        prefix: { type: 'string' },
        length: { type: 'string' },
        temperature: { type: 'string' },
        'top-k': { type: 'string' },
        'top-p': { type: 'string' },
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
      topP: optionalNumber(flags, 'top-p', { min: Number.MIN_VALUE, max: 1 }),
      seed: optionalNumber(flags, 'seed', { integer: true, min: 0 }),
    };
    await withModel(flags, 'chars generate', async (lm) => io.out(await withFlagNames(() => lm.generate(prefix, length, opts))));
  },
};
