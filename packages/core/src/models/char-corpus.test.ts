// Corpus training (streams x chunks, state carried): it learns, the validation split and the
// best-weights rule hold, a resumed run equals an uninterrupted one, streaming evaluation carries
// the state, unknown characters are named, budgets stop the run, and nothing leaks.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeqcastError } from '../errors.js';
import { seededRandom } from '../random.js';
import { leakedTensors } from '../testing/leaks.js';
import { Vocabulary } from '../vocab.js';
import {
  CHECKPOINT_BIN,
  CHECKPOINT_JSON,
  corpusVocabulary,
  encodeCorpus,
  estimateCorpusTrainingBytes,
  evaluateCorpus,
  resumeCharCorpus,
  trainCharCorpus,
} from './char-corpus.js';
import { CharLM } from './char-lm.js';

/** A seeded text of words with structure a small LSTM picks up in a few dozen steps. */
function wordsText(chars: number, seed = 1): string {
  const words = ['the ', 'cat ', 'sat ', 'on ', 'a ', 'mat. ', 'dogs ', 'run ', 'far, ', 'and ', 'birds ', 'sing. '];
  const rand = seededRandom(seed);
  let s = '';
  while (s.length < chars) s += words[Math.floor(rand() * words.length)]!;
  return s.slice(0, chars);
}

const SMALL = { seqLength: 16, batchSize: 8, hidden: 24, layers: 2, learningRate: 0.01, seed: 3 };
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-corpus-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof SeqcastError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

function unigramEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / text.length) * Math.log(n / text.length);
  return h;
}

describe('corpus vocabulary and encoding', () => {
  it('matches Vocabulary.fromText, astral characters included, in one byte per character', () => {
    const text = 'hi 😀 there, ünïcode';
    expect(corpusVocabulary(text).chars).toEqual(Vocabulary.fromText(text).chars);
    const ids = encodeCorpus(corpusVocabulary(text), text);
    expect(ids).toBeInstanceOf(Uint8Array);
    expect(Array.from(ids)).toEqual(Array.from(Vocabulary.fromText(text).encode(text)));
  });

  it('names every character outside the vocabulary with its first position', async () => {
    const v = Vocabulary.fromText('abc ');
    expect(await errorOf(() => encodeCorpus(v, 'abc xbz y', '--text'))).toBe(
      'UNKNOWN_CHAR: 3 characters of --text are not in the model\'s vocabulary (4 characters): "x" (U+0078) at position 4, "z" (U+007A) at position 6, "y" (U+0079) at position 8',
    );
    expect(await errorOf(() => encodeCorpus(v, 'abq'))).toBe(
      'UNKNOWN_CHAR: character "q" (U+0071) at position 2 of text is not in the model\'s vocabulary (4 characters)',
    );
  });
});

describe('trainCharCorpus', () => {
  it('learns well below the unigram entropy and keeps the best validation weights', async () => {
    const text = wordsText(20_000);
    const vals: number[] = [];
    const { lm, record } = await trainCharCorpus(text, { ...SMALL, val: 0.1, steps: 150, valEvery: 25 }, { onValidation: (v) => vals.push(v.loss) });
    try {
      expect(record).toMatchObject({ scheme: 'streams', steps: 150, chars: 150 * 8 * 16, stoppedBy: 'steps', valChars: 2000, trainChars: 18_000 });
      expect(vals).toHaveLength(6);
      expect(record.valLoss).toBe(Math.min(...vals));
      expect(record.valLoss!).toBeLessThan(0.6 * unigramEntropy(text));
      // The returned weights are the best ones: scoring the held-out part the same way gives its loss.
      const again = evaluateCorpus(lm, text.slice(18_000), { streams: 8, chunk: 16 });
      expect(again.loss).toBeCloseTo(record.valLoss!, 4);
      expect(lm.info?.corpus?.bestStep).toBe(record.bestStep);
    } finally {
      lm.dispose();
    }
  });

  it('a run interrupted and resumed from its checkpoint ends exactly where an uninterrupted run ends', async () => {
    const text = wordsText(6000, 2);
    const opts = { ...SMALL, val: 0.1, valEvery: 10, checkpointEvery: 10, steps: 40 };
    const whole = await trainCharCorpus(text, opts);
    const dir = path.join(tmp, 'resume');
    const ac = new AbortController();
    const stopped = await trainCharCorpus(
      text,
      { ...opts, checkpointDir: dir },
      { signal: ac.signal, onStep: (p) => p.step === 20 && ac.abort(new Error('stop')) },
    ).catch((e: unknown) => e);
    expect((stopped as Error).message).toBe('stop');
    const files = await fs.readdir(dir);
    expect(files).toEqual(expect.arrayContaining(['model.json', 'weights.bin', 'seqcast.json', CHECKPOINT_JSON, CHECKPOINT_BIN]));
    const resumed = await resumeCharCorpus(dir, text);
    try {
      expect(resumed.record.steps).toBe(40);
      expect(resumed.record.valLoss).toBeCloseTo(whole.record.valLoss!, 5);
      const a = whole.lm.trainableVariables().map((v) => Array.from(v.dataSync()));
      const b = resumed.lm.trainableVariables().map((v) => Array.from(v.dataSync()));
      b.forEach((w, i) => w.forEach((x, j) => expect(x).toBeCloseTo(a[i]![j]!, 5)));
      // The saved model is a normal chars model directory.
      const loaded = await CharLM.load(dir);
      expect(loaded.info?.corpus?.steps).toBe(40);
      loaded.dispose();
    } finally {
      whole.lm.dispose();
      resumed.lm.dispose();
    }
  });

  it('an aborted run writes a checkpoint first and rejects with the reason', async () => {
    const text = wordsText(6000, 4);
    const dir = path.join(tmp, 'abort');
    const ac = new AbortController();
    const err = await trainCharCorpus(
      text,
      { ...SMALL, steps: 1000, val: 0, checkpointDir: dir },
      { signal: ac.signal, onStep: (p) => p.step === 7 && ac.abort(new Error('stop')) },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe('stop');
    const ck = JSON.parse(await fs.readFile(path.join(dir, CHECKPOINT_JSON), 'utf8'));
    expect(ck.progress.step).toBe(7);
    // Budgets count the whole run: one already used up is refused, not a silent run of no steps.
    expect(await errorOf(resumeCharCorpus(dir, text, { steps: 5 }))).toBe(
      `BAD_ARGUMENT: steps budget used up: the run in ${dir} has used 7 of 5 steps; budgets count the whole run, so give a larger one to continue it`,
    );
    const resumed = await resumeCharCorpus(dir, text, { steps: 9 });
    expect(resumed.record.steps).toBe(9);
    resumed.lm.dispose();
  });

  it('epochs count passes over the training text; a resume on another text is refused', async () => {
    const text = wordsText(3000, 5);
    const dir = path.join(tmp, 'epochs');
    const seen: { step: number; steps: number }[] = [];
    const { lm, record } = await trainCharCorpus(text, { ...SMALL, val: 0, epochs: 2, checkpointDir: dir }, { onStep: (p) => seen.push(p) });
    lm.dispose();
    // 3000 chars / 8 streams = 374 per stream = 23 chunks of 16 per pass.
    expect(record).toMatchObject({ steps: 46, stoppedBy: 'epochs' });
    // The one progress shape: step of steps, the epoch budget counted in steps.
    expect(seen.map((p) => `${p.step}/${p.steps}`)).toEqual(Array.from({ length: 46 }, (_, i) => `${i + 1}/46`));
    expect(await errorOf(resumeCharCorpus(dir, wordsText(3000, 6), { epochs: 3 }))).toMatch(/^BAD_INPUT: the text is not the one the checkpoint/);
  });

  it('a resume from a missing directory is NOT_FOUND; from a directory without a checkpoint, BAD_MODEL naming the file', async () => {
    const missing = path.join(tmp, 'no-such-checkpoint');
    expect(await errorOf(resumeCharCorpus(missing, wordsText(3000)))).toBe(`NOT_FOUND: ${missing} does not exist`);
    const empty = path.join(tmp, 'empty-checkpoint');
    await fs.mkdir(empty);
    expect(await errorOf(resumeCharCorpus(empty, wordsText(3000)))).toBe(`BAD_MODEL: ${empty} has no ${CHECKPOINT_JSON} (not a corpus training checkpoint)`);
  });

  it('anneals the learning rate over the last part of the budget, down to a tenth', async () => {
    const lrs: number[] = [];
    const { lm } = await trainCharCorpus(wordsText(3000, 10), { ...SMALL, val: 0, steps: 20, anneal: 0.5 }, { onStep: (p) => lrs.push(p.learningRate) });
    lm.dispose();
    // Step s runs at the rate for fraction (s-1)/20: constant up to half the budget, then linear.
    expect(lrs.slice(0, 11).every((r) => r === 0.01)).toBe(true);
    expect(lrs[19]).toBeCloseTo(0.01 * (1 - (0.9 * (19 / 20 - 0.5)) / 0.5), 6);
  });

  it('refuses streams that do not fit the training memory budget before training, naming batchSize', async () => {
    const saved = process.env.SEQCAST_TRAIN_MEMORY_MB;
    process.env.SEQCAST_TRAIN_MEMORY_MB = '2';
    try {
      expect(await errorOf(trainCharCorpus(wordsText(6000, 7), { ...SMALL, hidden: 64, batchSize: 64, seqLength: 50, steps: 1 }))).toMatch(
        /^BAD_INPUT: batchSize 64 needs about \d+ MiB per training step, over the 2 MiB training memory budget; at most \d+ windows per batch fit/,
      );
    } finally {
      if (saved === undefined) delete process.env.SEQCAST_TRAIN_MEMORY_MB;
      else process.env.SEQCAST_TRAIN_MEMORY_MB = saved;
    }
  });

  it('rejects a text too short for the streams, naming what it needs', async () => {
    expect(await errorOf(trainCharCorpus(wordsText(100), { ...SMALL, val: 0 }))).toBe(
      'BAD_INPUT: the training text (100 characters) is too short for batchSize 8 streams of at least seqLength 16 characters; it needs 129 (use a smaller batchSize or seqLength)',
    );
  });

  it('leaks no tensors across training and evaluation', async () => {
    const text = wordsText(3000, 7);
    const before = tf.memory().numTensors;
    const { lm } = await trainCharCorpus(text, { ...SMALL, val: 0.2, steps: 5, valEvery: 2, dropout: 0.2 });
    expect(await leakedTensors(() => evaluateCorpus(lm, text.slice(0, 500), { streams: 3, chunk: 7 }))).toBe(0);
    lm.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('CharLM.forTraining', () => {
  it('starts corpus-sized models with orthonormal recurrent kernel rows, quickly', () => {
    const t0 = Date.now();
    const vocabulary = Vocabulary.fromText(Array.from({ length: 80 }, (_, i) => String.fromCharCode(40 + i)).join(''));
    const lm = CharLM.forTraining({ cell: 'lstm', layers: 2, hidden: 256, seqLength: 100, dense: true, vocabSize: 80 }, vocabulary, 3);
    const ms = Date.now() - t0;
    try {
      const rk = lm.trainableVariables()[1]!; // layer 1 recurrent kernel [256, 1024]
      const gram = tf.tidy(() => tf.matMul(rk, rk, false, true).sub(tf.eye(256)).abs().max().dataSync()[0]!);
      expect(gram).toBeLessThan(1e-4);
      expect(ms).toBeLessThan(20_000);
    } finally {
      lm.dispose();
    }
  });
});

describe('evaluateCorpus', () => {
  it('carries the state: the chunk size does not change the score, and one stream scores every character', async () => {
    const text = wordsText(4000, 8);
    const { lm } = await trainCharCorpus(text, { ...SMALL, val: 0, steps: 30 });
    try {
      const a = evaluateCorpus(lm, text.slice(0, 600), { chunk: 7 });
      const b = evaluateCorpus(lm, text.slice(0, 600), { chunk: 1000 });
      expect(a.predictions).toBe(599);
      expect(a.loss).toBeCloseTo(b.loss, 4);
      expect(a.accuracy).toBe(b.accuracy);
      expect(a.bitsPerChar).toBeCloseTo(a.loss / Math.log(2), 10);
      // Four streams start three times from a zero state: a different (worse-context) score.
      const c = evaluateCorpus(lm, text.slice(0, 601), { streams: 4 });
      expect(c.predictions).toBe(600);
    } finally {
      lm.dispose();
    }
  });
});

describe('estimateCorpusTrainingBytes', () => {
  it('grows with B·T·hidden and the text, not with the number of windows', () => {
    const base = { batchSize: 64, seqLength: 100, hidden: 256, layers: 2, vocabSize: 80 };
    const small = estimateCorpusTrainingBytes({ ...base, textChars: 1e6 });
    const big = estimateCorpusTrainingBytes({ ...base, textChars: 1e8 });
    expect(big.activations).toBe(small.activations);
    expect(big.text - small.text).toBe(99e6);
    expect(estimateCorpusTrainingBytes({ ...base, batchSize: 128 }).activations).toBeGreaterThan(1.9 * small.activations);
    expect(small.total).toBeLessThan(400e6);
  });
});
