// CharLM on small texts: the lecture's hihello lab, reproducibility, callbacks, save/load (also
// through stock tf.loadLayersModel), clear errors for bad directories and input, and no leaks.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeqcastError } from '../errors.js';
import { dirHandler, METADATA_JSON } from '../io/model-dir.js';
import { leakedTensors } from '../testing/leaks.js';
import { Vocabulary } from '../vocab.js';
import { CharLM } from './char-lm.js';

const HIHELLO = { seqLength: 6, layers: 1, epochs: 100, learningRate: 0.1, seed: 777 };
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-charlm-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof SeqcastError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('lab 12-1: hihello', () => {
  it.each(['lstm', 'gru'] as const)('%s learns hihell -> ihello', async (cell) => {
    const lm = await CharLM.train('hihello', { ...HIHELLO, cell });
    expect(lm.predictString('hihell')).toBe('ihello');
    expect(lm.vocabulary.chars).toEqual(['e', 'h', 'i', 'l', 'o']);
    expect(lm.config).toEqual({ cell, layers: 1, hidden: 5, seqLength: 6, dense: true, vocabSize: 5 });
    expect(lm.info).toMatchObject({ epochs: 100, windows: 1, batchSize: 1, accuracy: 1 });
    expect(lm.info!.loss).toBeLessThan(0.05);
    lm.dispose();
  });
});

describe('training', () => {
  it('is reproducible from the seed, reports every epoch in the one progress shape, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const text = 'hello world, hello seqcast';
    const runs: number[][] = [];
    for (const seed of [1, 1, 2]) {
      const losses: number[] = [];
      let lastElapsed = -1;
      const lm = await CharLM.train(
        text,
        { seqLength: 4, layers: 2, epochs: 8, batchSize: 5, seed, cell: 'gru' },
        {
          onProgress: (p) => {
            expect(p.epoch).toBe(losses.length + 1);
            expect(p.epochs).toBe(8);
            // 22 windows in batches of 5: 5 optimizer steps per epoch.
            expect({ step: p.step, steps: p.steps }).toEqual({ step: 5 * p.epoch, steps: 40 });
            expect(p.etaMs).toBeGreaterThanOrEqual(0);
            expect(p.elapsedMs).toBeGreaterThanOrEqual(lastElapsed);
            lastElapsed = p.elapsedMs;
            losses.push(p.loss);
          },
        },
      );
      expect(lm.info!.batchSize).toBe(5);
      expect(lm.info!.windows).toBe(Array.from(text).length - 4);
      lm.dispose();
      runs.push(losses);
    }
    expect(runs[0]).toHaveLength(8);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).not.toEqual(runs[0]);
    expect(runs[0]![7]!).toBeLessThan(runs[0]![0]!);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops on abort with the signal reason and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const ctl = new AbortController();
    let seen = 0;
    const p = CharLM.train(
      'hihello hihello',
      { seqLength: 3, epochs: 50 },
      {
        signal: ctl.signal,
        onEpoch: (e) => {
          seen = e.epoch;
          if (e.epoch === 3) ctl.abort();
        },
      },
    );
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects unusable options with one clear line', async () => {
    expect(await codeOf(CharLM.train('hihello', { seqLength: 7 }))).toBe('BAD_INPUT: training text has 7 characters; seqLength 7 needs at least 8');
    expect(await codeOf(CharLM.train('hihello', { seqLength: 0 }))).toMatch(/^BAD_ARGUMENT: seqLength must be a positive integer \(received 0\)$/);
    expect(await codeOf(CharLM.train('hihello', { seqLength: 3, learningRate: -1 }))).toMatch(/learningRate must be a positive number/);
    expect(await codeOf(CharLM.train('hihello', { seqLength: 3, cell: 'rnn' as 'lstm' }))).toMatch(/cell must be one of "lstm", "gru" \(received "rnn"\)/);
    expect(await codeOf(CharLM.train('hihello', { seqLength: 3, dense: false, hidden: 8 }))).toMatch(
      /hidden must equal the vocabulary size \(5\) when there is no dense head/,
    );
    expect(await codeOf(CharLM.train('', { seqLength: 3 }))).toBe('BAD_INPUT: training text is empty');
  });
});

describe('inference, save and load', () => {
  let lm: CharLM;
  const text = 'the cat sat on the mat. the rat sat on the cat.';
  beforeAll(async () => {
    lm = await CharLM.train(text, { seqLength: 8, layers: 2, cell: 'gru', hidden: 12, epochs: 30, learningRate: 0.05, seed: 3 });
  });
  afterAll(() => lm.dispose());

  it('next() gives top-k probabilities, most likely first', () => {
    const top = lm.next('the c', 3);
    expect(top).toHaveLength(3);
    expect(top[0]!.p).toBeGreaterThanOrEqual(top[1]!.p);
    expect(top[1]!.p).toBeGreaterThanOrEqual(top[2]!.p);
    const all = lm.next('the c', lm.vocabulary.size);
    expect(all.reduce((s, x) => s + x.p, 0)).toBeCloseTo(1, 5);
    expect(lm.predictString('the c').at(-1)).toBe(top[0]!.char);
  });

  it('generate() carries state: greedy output equals re-reading the prefix every step', () => {
    const greedy = lm.generate('the ', 12, { temperature: 0 });
    let slow = '';
    for (let i = 0; i < 12; i++) slow += lm.next('the ' + slow, 1)[0]!.char;
    expect(greedy).toBe(slow);
    expect(lm.generate('the ', 12, { topK: 1, seed: 5 })).toBe(greedy);
    expect(lm.generate('the ', 0)).toBe('');
  });

  it('generate() sampling is reproducible from its seed', () => {
    const a = lm.generate('the', 40, { temperature: 1.5, seed: 42 });
    expect(Array.from(a)).toHaveLength(40);
    expect(lm.generate('the', 40, { temperature: 1.5, seed: 42 })).toBe(a);
    const others = [1, 2, 3].map((seed) => lm.generate('the', 40, { temperature: 1.5, seed }));
    expect(others.some((o) => o !== a)).toBe(true);
    for (const c of a) expect(lm.vocabulary.has(c)).toBe(true);
  });

  it('repeated next/predictString/generate/evaluate leave no tensors behind', async () => {
    expect(await leakedTensors(() => lm.next('the cat', 3))).toBe(0);
    expect(await leakedTensors(() => lm.predictString('the rat sat'))).toBe(0);
    expect(await leakedTensors(() => lm.generate('the', 10, { seed: 1 }))).toBe(0);
    expect(await leakedTensors(() => lm.evaluate(text))).toBe(0);
    expect(await leakedTensors(() => codeOf(() => lm.next('dog', 1)))).toBe(0);
  });

  it('an unknown character is UNKNOWN_CHAR naming it and its position', async () => {
    expect(await codeOf(() => lm.predictString('the dog'))).toBe(
      `UNKNOWN_CHAR: character "d" (U+0064) at position 4 of text is not in the model's vocabulary (${lm.vocabulary.size} characters)`,
    );
    expect(await codeOf(() => lm.generate('zz', 3))).toMatch(/^UNKNOWN_CHAR: character "z" \(U\+007A\) at position 0 of prefix/);
    expect(await codeOf(() => lm.next('', 3))).toMatch(/^BAD_ARGUMENT: text must be a non-empty string/);
  });

  it('save -> load gives the same predictions; the dir loads with stock tf.loadLayersModel', async () => {
    const dir = path.join(tmp, 'cat');
    await lm.save(dir);
    const meta = JSON.parse(await fs.readFile(path.join(dir, METADATA_JSON), 'utf8'));
    expect(meta).toMatchObject({ format: 'seqcast', kind: 'chars', config: lm.config, extra: { vocabulary: { chars: [...lm.vocabulary.chars] } } });
    expect(meta.extra.training.epochs).toBe(30);

    const back = await CharLM.load(dir);
    expect(back.predictString(text)).toBe(lm.predictString(text));
    expect(back.generate('the', 30, { seed: 9 })).toBe(lm.generate('the', 30, { seed: 9 }));
    expect(back.evaluate(text)).toEqual(lm.evaluate(text));
    expect(back.info).toEqual(lm.info);
    back.dispose();

    // Stock tfjs: one-hot input -> softmax probabilities equal to CharLM.next's.
    const stock = await tf.loadLayersModel(dirHandler(dir));
    const prefix = 'the ca';
    const ids = lm.vocabulary.encode(prefix);
    const probs = tf.tidy(() => {
      const y = stock.predict(tf.oneHot(tf.tensor2d(ids, [1, ids.length], 'int32'), lm.vocabulary.size).toFloat()) as tf.Tensor3D;
      return y.slice([0, ids.length - 1, 0], [1, 1, -1]).reshape([-1]);
    });
    const p = probs.dataSync();
    probs.dispose();
    stock.dispose();
    for (const { char, p: q } of lm.next(prefix, lm.vocabulary.size)) {
      expect(Math.abs(p[lm.vocabulary.indexOf(char)]! - q)).toBeLessThan(1e-5);
    }
  });

  it('a missing, corrupt or foreign directory is one clear error', async () => {
    const good = path.join(tmp, 'good');
    await lm.save(good);
    const copy = async (name: string) => {
      const d = path.join(tmp, name);
      await fs.cp(good, d, { recursive: true });
      return d;
    };
    expect(await codeOf(CharLM.load(path.join(tmp, 'nope')))).toMatch(/^NOT_FOUND: model directory .*nope does not exist/);

    const empty = path.join(tmp, 'empty');
    await fs.mkdir(empty);
    expect(await codeOf(CharLM.load(empty))).toMatch(/^BAD_MODEL: .*empty is not a seqcast model directory \(missing seqcast.json\)/);

    const foreign = await copy('foreign');
    const meta = JSON.parse(await fs.readFile(path.join(foreign, METADATA_JSON), 'utf8'));
    await fs.writeFile(path.join(foreign, METADATA_JSON), JSON.stringify({ ...meta, kind: 'forecast' }));
    expect(await codeOf(CharLM.load(foreign))).toMatch(/^BAD_MODEL: .*foreign holds a "forecast" model, expected "chars"/);

    const badVocab = await copy('bad-vocab');
    await fs.writeFile(path.join(badVocab, METADATA_JSON), JSON.stringify({ ...meta, extra: { vocabulary: { chars: ['a'] } } }));
    expect(await codeOf(CharLM.load(badVocab))).toMatch(/^BAD_MODEL: .*vocabulary has 1 characters but config.vocabSize is/);

    const badConfig = await copy('bad-config');
    await fs.writeFile(path.join(badConfig, METADATA_JSON), JSON.stringify({ ...meta, config: { ...meta.config, layers: 0 } }));
    expect(await codeOf(CharLM.load(badConfig))).toMatch(/^BAD_MODEL: .*seqcast.json#config.layers must be a positive integer \(received 0\)$/);

    const wrongShape = await copy('wrong-shape');
    await fs.writeFile(path.join(wrongShape, METADATA_JSON), JSON.stringify({ ...meta, config: { ...meta.config, layers: 1 } }));
    expect(await codeOf(CharLM.load(wrongShape))).toMatch(/^BAD_MODEL: .*expected 1 GRU layer\(s\), found 2/);

    const truncated = await copy('truncated');
    const w = await fs.readFile(path.join(truncated, 'weights.bin'));
    await fs.writeFile(path.join(truncated, 'weights.bin'), w.subarray(0, w.length - 8));
    expect(await codeOf(CharLM.load(truncated))).toMatch(/^BAD_MODEL: weights in .*truncated are \d+ bytes, expected \d+ \(corrupt\?\)/);

    const garbage = await copy('garbage');
    await fs.writeFile(path.join(garbage, 'model.json'), '{"modelTopology": ');
    expect(await codeOf(CharLM.load(garbage))).toMatch(/^BAD_MODEL: .*model.json is not valid JSON/);
  });

  it('fromConfig builds an untrained model of that shape', () => {
    const v = Vocabulary.fromText('abc');
    const m = CharLM.fromConfig({ cell: 'lstm', layers: 3, hidden: 7, seqLength: 4, dense: true, vocabSize: 3 }, v);
    expect(m.getConfig()).toEqual({ cell: 'lstm', layers: 3, hidden: 7, seqLength: 4, dense: true, vocabSize: 3 });
    expect(m.info).toBeNull();
    expect(m.predictString('abca')).toHaveLength(4);
    m.dispose();
    expect(() => CharLM.fromConfig({ cell: 'lstm', layers: 1, hidden: 3, seqLength: 4, dense: true, vocabSize: 4 }, v)).toThrow(
      /config.vocabSize is 4 but the vocabulary has 3 characters/,
    );
  });
});
