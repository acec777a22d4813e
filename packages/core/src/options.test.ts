// One options dialect: corpus training, generation and the server's capped copies of a table all
// parse with zod tables, so every mistake is the same one line and every default is readable.
import { describe, expect, it } from 'vitest';
import { isSeqcastError } from './errors.js';
import { corpusTrainOptionsSchema } from './models/char-corpus-options.js';
import { trainCharCorpus } from './models/char-corpus.js';
import { charLMOptionsSchema, CharLM } from './models/char-lm.js';
import { capFields, checkValue, intField, optionalFields, parseOptions } from './options.js';
import { Vocabulary } from './vocab.js';

async function refusal(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (isSeqcastError(e)) return `${e.code} ${e.message} @${String(e.details.where)}`;
    throw e;
  }
  return 'accepted';
}

describe('options tables', () => {
  it('corpus training reads its defaults from its table', () => {
    expect(parseOptions(corpusTrainOptionsSchema, { seqLength: 50 })).toEqual({
      seqLength: 50,
      batchSize: 64,
      cell: 'lstm',
      layers: 2,
      hidden: 256,
      learningRate: 0.002,
      lrDecay: 1,
      anneal: 0.2,
      clip: 5,
      dropout: 0,
      valEvery: 100,
      seed: 777,
      overwrite: false,
      checkpointEvery: 200,
    });
  });

  it("corpus training refuses a bad option in the tables' words, naming the field", async () => {
    const text = 'abcd'.repeat(100);
    expect(await refusal(() => trainCharCorpus(text, { seqLength: 0 }))).toBe('BAD_ARGUMENT seqLength must be a positive integer (received 0) @seqLength');
    expect(await refusal(() => trainCharCorpus(text, { seqLength: 4, layers: 65 }))).toBe('BAD_ARGUMENT layers must be an integer <= 64 (received 65) @layers');
    expect(await refusal(() => trainCharCorpus(text, { seqLength: 4, minutes: 0 }))).toBe(
      'BAD_ARGUMENT minutes must be a positive number (received 0) @minutes',
    );
  });

  it('generation and single arguments use the same dialect', async () => {
    const lm = CharLM.fromConfig({ cell: 'lstm', layers: 1, hidden: 4, seqLength: 3, dense: true, vocabSize: 2 }, Vocabulary.fromText('ab'));
    try {
      expect(await refusal(() => lm.generate('a', 3, { topK: 0 }))).toBe('BAD_ARGUMENT topK must be a positive integer (received 0) @topK');
      expect(await refusal(() => lm.generate('a', -1))).toBe('BAD_ARGUMENT length must be an integer >= 0 (received -1) @length');
      expect(await refusal(() => lm.next('a', 0))).toBe('BAD_ARGUMENT top must be a positive integer (received 0) @top');
    } finally {
      lm.dispose();
    }
    expect(checkValue('n', intField(1), 3)).toBe(3);
  });

  it("capFields lowers a table's limits for a server, keeping defaults and descriptions", async () => {
    const capped = capFields(charLMOptionsSchema, { layers: 4, hidden: 1024 }, '(server limit)');
    expect(await refusal(() => parseOptions(capped, { seqLength: 5, layers: 5 }))).toBe('BAD_ARGUMENT layers must be <= 4 (server limit) (received 5) @layers');
    expect(parseOptions(capped, { seqLength: 5 })).toMatchObject({ layers: 1, epochs: 100, learningRate: 0.1 });
    const request = optionalFields(capped);
    expect(request.shape.layers.meta()).toMatchObject({ default: 1, description: 'Stacked recurrent layers' });
    expect(await refusal(() => parseOptions(request, { hidden: 2048 }))).toBe('BAD_ARGUMENT hidden must be <= 1024 (server limit) (received 2048) @hidden');
  });
});
