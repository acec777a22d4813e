// Batched `next` must answer exactly what CharLM.next answers, for every cell type and head,
// batch composition (mixed lengths) and error, and leave no tensors behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CharLM } from '@seqcast/core';
import { tf } from '@seqcast/core/internals';
import { leakedTensors } from '@seqcast/core/testing';
import { NextBatcher } from './batch.js';

const TEXT = "if you want to build a ship, don't drum up people";
const models: Record<string, CharLM> = {};

beforeAll(async () => {
  models.lstm = await CharLM.train(TEXT, { seqLength: 8, layers: 2, hidden: 12, epochs: 15, seed: 1 });
  models.gru = await CharLM.train(TEXT, { seqLength: 8, cell: 'gru', layers: 1, hidden: 10, epochs: 15, seed: 2 });
  // No dense head: the last layer's state is the logits (hidden = vocabulary size).
  const vocab = new Set(TEXT).size;
  models.bare = await CharLM.train(TEXT, { seqLength: 8, dense: false, hidden: vocab, epochs: 15, seed: 3 });
});

afterAll(() => Object.values(models).forEach((m) => m.dispose()));

const texts = ['i', 'if', 'if you', 'want to build', TEXT, ' a ship', 'do', TEXT.slice(5, 40), 'up people'];

describe('NextBatcher', () => {
  for (const kind of ['lstm', 'gru', 'bare']) {
    it(`${kind}: concurrent calls are batched and equal CharLM.next`, async () => {
      const lm = models[kind]!;
      const batcher = new NextBatcher(lm);
      const got = await Promise.all(texts.map((t, i) => batcher.next(t, 1 + (i % 4))));
      expect(batcher.stats.rows).toBe(texts.length);
      expect(batcher.stats.batches).toBeLessThan(texts.length); // grouped by length class, not one by one
      texts.forEach((t, i) => {
        const want = lm.next(t, 1 + (i % 4));
        expect(got[i]!.map((c) => c.char)).toEqual(want.map((c) => c.char));
        got[i]!.forEach((c, j) => expect(c.p).toBeCloseTo(want[j]!.p, 5));
      });
    });
  }

  it('a bad text fails alone; the others in the turn are answered', async () => {
    const batcher = new NextBatcher(models.lstm!);
    const results = await Promise.allSettled([batcher.next('if', 2), batcher.next('ifz', 2), batcher.next('', 2), batcher.next('you', 2)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(((results[1] as PromiseRejectedResult).reason as { code: string }).code).toBe('UNKNOWN_CHAR');
  });

  it('leaks no tensors', async () => {
    const batcher = new NextBatcher(models.gru!);
    expect(await leakedTensors(() => Promise.all(texts.map((t) => batcher.next(t, 3))))).toBe(0);
    expect(tf.memory().numTensors).toBeGreaterThan(0);
  });
});
