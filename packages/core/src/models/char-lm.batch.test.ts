// CharLM.nextBatch: one masked, padded forward pass must answer exactly what `next` answers for
// every text (LSTM, GRU, no dense head; mixed lengths), a bad text fails alone with next's error,
// and repeated calls leak no tensors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeqcastError } from '../errors.js';
import { leakedTensors } from '../testing/leaks.js';
import { CharLM, type NextChar } from './char-lm.js';

const TEXT = "if you want to build a ship, don't drum up people";
const TEXTS = ['i', 'if', 'if you', 'want to build', TEXT, ' a ship', 'do', TEXT.slice(5, 40), 'up people'];
const models: Record<string, CharLM> = {};

beforeAll(async () => {
  models.lstm = await CharLM.train(TEXT, { seqLength: 8, layers: 2, hidden: 12, epochs: 15, seed: 1 });
  models.gru = await CharLM.train(TEXT, { seqLength: 8, cell: 'gru', layers: 2, hidden: 10, epochs: 15, seed: 2 });
  // No dense head: the last layer's outputs are the logits (hidden = vocabulary size).
  models.bare = await CharLM.train(TEXT, { seqLength: 8, dense: false, hidden: new Set(TEXT).size, epochs: 15, seed: 3 });
});
afterAll(() => Object.values(models).forEach((m) => m.dispose()));

function answers(results: ReturnType<CharLM['nextBatch']>): NextChar[][] {
  return results.map((r, i) => {
    if (!r.ok) throw new Error(`text ${i} failed: ${r.error.message}`);
    return r.next;
  });
}

function expectSame(got: NextChar[], want: NextChar[]): void {
  expect(got.map((c) => c.char)).toEqual(want.map((c) => c.char));
  got.forEach((c, j) => expect(c.p).toBeCloseTo(want[j]!.p, 5));
}

describe('CharLM.nextBatch', () => {
  for (const kind of ['lstm', 'gru', 'bare']) {
    it(`${kind}: each text's answer equals next(text, top), whatever the batch's lengths`, () => {
      const lm = models[kind]!;
      for (const top of [1, 3, lm.vocabulary.size]) {
        const got = answers(lm.nextBatch(TEXTS, top));
        expect(got).toHaveLength(TEXTS.length);
        TEXTS.forEach((t, i) => {
          expect(got[i]).toHaveLength(top);
          expectSame(got[i]!, lm.next(t, top));
        });
      }
      // The same text answers the same alone and padded beside a much longer one.
      const [alone] = answers(lm.nextBatch(['do']));
      const [, padded] = answers(lm.nextBatch([TEXT, 'do']));
      expectSame(padded!, alone!);
    });
  }

  it('a bad text fails alone with the error next would throw; the others are answered', () => {
    const lm = models.lstm!;
    const texts = ['if', 'ifz', '', 'you', 5 as unknown as string];
    const results = lm.nextBatch(texts, 2);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true, false]);
    results.forEach((r, i) => {
      if (r.ok) return expectSame(r.next, lm.next(texts[i]!, 2));
      expect(r.error).toBeInstanceOf(SeqcastError);
      expect(() => lm.next(texts[i]!, 2)).toThrow(r.error.message);
    });
    const bad = results[1]!;
    expect(!bad.ok && bad.error.code).toBe('UNKNOWN_CHAR');
    expect(!bad.ok && bad.error.message).toMatch(/"z" \(U\+007A\) at position 2 of text/);
    // Only bad texts: no forward pass, every one answered with its error.
    expect(lm.nextBatch(['', 'zz']).map((r) => r.ok)).toEqual([false, false]);
    expect(lm.nextBatch([])).toEqual([]);
  });

  it('a bad top, a non-array or a disposed model throws for the whole call', async () => {
    const lm = models.gru!;
    expect(() => lm.nextBatch(['if'], 0)).toThrow(/^top must be a positive integer \(received 0\)$/);
    expect(() => lm.nextBatch('if' as unknown as string[])).toThrow(/texts must be an array of strings/);
    const gone = await CharLM.train('hihello', { seqLength: 3, epochs: 1 });
    gone.dispose();
    expect(() => gone.nextBatch(['hi'])).toThrow(/disposed/);
  });

  it('repeated calls leak no tensors', async () => {
    for (const lm of Object.values(models)) {
      expect(await leakedTensors(() => lm.nextBatch([...TEXTS, 'ifz'], 3))).toBe(0);
    }
  });
});

/** Drain a step generator, counting its yields. */
function drain<T>(it: Generator<unknown, T>): { value: T; yields: number } {
  let yields = 0;
  for (let r = it.next(); ; r = it.next()) {
    if (r.done) return { value: r.value, yields };
    yields++;
  }
}

describe('CharLM.nextBatchSteps / generateSteps in chunks (a server interleaves long inputs)', () => {
  for (const kind of ['lstm', 'gru', 'bare']) {
    it(`${kind}: reading the texts a few characters at a time answers what nextBatch answers`, () => {
      const lm = models[kind]!;
      const want = answers(lm.nextBatch(TEXTS, 3));
      for (const chunk of [1, 3, 7]) {
        const { value, yields } = drain(lm.nextBatchSteps(TEXTS, 3, chunk));
        expect(yields).toBe(Math.ceil(TEXT.length / chunk) - 1); // the longest text sets the passes
        answers(value).forEach((got, i) => expectSame(got, want[i]!));
      }
    });

    it(`${kind}: a prefix read in chunks generates the same characters`, () => {
      const lm = models[kind]!;
      const want = lm.generate(TEXT, 20, { seed: 4 });
      const steps = [...lm.generateSteps(TEXT, 20, { seed: 4, prefixChunk: 8 })];
      expect(steps.filter((c) => c === '')).toHaveLength(Math.ceil((TEXT.length - 1) / 8));
      expect(steps.join('')).toBe(want);
    });
  }

  it('a bad chunk is refused naming it; stopping early or a bad text leaks no tensors', async () => {
    const lm = models.lstm!;
    expect(() => lm.nextBatchSteps(TEXTS, 3, 0).next()).toThrow(/chunk must be a number >= 1/);
    expect(() => lm.generateSteps(TEXT, 3, { prefixChunk: 0 }).next()).toThrow(/prefixChunk must be a number >= 1/);
    expect(
      await leakedTensors(() => {
        const it = lm.nextBatchSteps([TEXT, 'ifz'], 3, 2);
        it.next();
        it.next();
        it.return(undefined as never);
        drain(lm.nextBatchSteps([TEXT, 'ifz'], 3, 5));
        const g = lm.generateSteps(TEXT, 5, { prefixChunk: 4, seed: 1 });
        g.next();
        g.return();
      }),
    ).toBe(0);
  });
});
