// Confusing answers of issue 28: the reported cause is the real one. A number far over a field's
// limit is told that limit (not 2^53 - 1), and a char model whose vocabulary cannot fit the
// training memory budget is told so, with the most characters that fit.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isSeqcastError } from './errors.js';
import { CharLM, charLMTrainingShape } from './models/char-lm.js';
import { intField, parseOptions } from './options.js';
import { planTrainingBatch } from './training-memory.js';

async function refusal(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (isSeqcastError(e)) return `${e.code} ${e.message}`;
    throw e;
  }
  throw new Error('expected a SeqcastError');
}

describe('confusing answers: the limit named is the real one', () => {
  it('a number far over a field limit is told that limit, not the safe-integer range', async () => {
    const schema = z.object({ epochs: intField(1, 1000).optional() });
    expect(await refusal(() => parseOptions(schema, { epochs: 1e308 }))).toBe('BAD_ARGUMENT epochs must be an integer <= 1000 (received 1e+308)');
    expect(await refusal(() => parseOptions(schema, { epochs: 2000 }))).toBe('BAD_ARGUMENT epochs must be an integer <= 1000 (received 2000)');
    expect(await refusal(() => parseOptions(schema, { epochs: -1e308 }))).toBe('BAD_ARGUMENT epochs must be a positive integer (received -1e+308)');
  });

  it('a 20,000-character vocabulary is named as the cause, with the most characters that fit', async () => {
    let text = '';
    for (let i = 0; i < 20_000; i++) text += String.fromCharCode(0x4e00 + i);
    const message = await refusal(() => CharLM.train(text, { seqLength: 10, epochs: 1 }));
    expect(message).toMatch(
      /^BAD_INPUT text has 20000 distinct characters \(its vocabulary\); one training window then needs about \d+ MiB, over the 512 MiB training memory budget: at most \d+ distinct characters fit at hidden = the vocabulary size \(the default\), layers 1, seqLength 10 \(use text with fewer distinct characters, set hidden, or raise SEQCAST_TRAIN_MEMORY_MB\)$/,
    );
    const most = Number(/at most (\d+)/.exec(message)![1]);
    const shape = (v: number) => charLMTrainingShape({ cell: 'lstm', layers: 1, hidden: v, seqLength: 10, vocabSize: v });
    expect(() => planTrainingBatch(shape(most), { windows: 1 })).not.toThrow();
    expect(() => planTrainingBatch(shape(most + 1), { windows: 1 })).toThrow();
    // A model too large whatever its vocabulary still names the model's own options.
    const big = charLMTrainingShape({ cell: 'lstm', layers: 2, hidden: 4096, seqLength: 50, vocabSize: 60 });
    expect(await refusal(() => planTrainingBatch(big, { windows: 10, vocabulary: { where: 'text', unitsFollow: false } }))).toMatch(
      /lower hidden, layers or seqLength/,
    );
  });
});
