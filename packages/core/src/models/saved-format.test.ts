// Model directories saved before the cell registry (main at 6f2a5a2, see __fixtures__/README.md)
// still load and answer exactly as they did when saved; their seqcast.json keeps the cell names
// 'lstm'/'gru'. Retraining with the same seed reproduces the saved training loss, so the training
// loop did not drift either.
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SeqcastError } from '../errors.js';
import { initBackend } from '../runtime/backend.js';
import { CharLM, type NextChar } from './char-lm.js';
import { SequenceRegressor } from './regressor.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'main-6f2a5a2');
const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as {
  [k in 'chars-lstm' | 'chars-gru']: { predictString: string; next: NextChar[]; generate: string };
} & { 'regressor-gru': { x: number[]; skip: number[]; predict: number[] } };

describe('models saved by earlier code', () => {
  for (const cell of ['lstm', 'gru'] as const) {
    it(`a ${cell} char model loads and predicts what it predicted when saved`, async () => {
      await initBackend();
      const lm = await CharLM.load(path.join(dir, `chars-${cell}`));
      const want = expected[`chars-${cell}`];
      expect(lm.config.cell).toBe(cell);
      expect(lm.predictString('hihello')).toBe(want.predictString);
      const next = lm.next('hel', 3);
      expect(next.map((n) => n.char)).toEqual(want.next.map((n) => n.char));
      next.forEach((n, i) => expect(n.p).toBeCloseTo(want.next[i]!.p, 4));
      expect(lm.generate('h', 12, { seed: 3, temperature: 0.7 })).toBe(want.generate);
      lm.dispose();
    });

    it(`retraining the ${cell} char model with its saved seed reproduces its saved training loss`, async () => {
      const saved = await CharLM.load(path.join(dir, `chars-${cell}`));
      const info = saved.info!;
      saved.dispose();
      const lm = await CharLM.train('hihello world', {
        seqLength: 6,
        epochs: info.epochs,
        learningRate: info.learningRate,
        seed: info.seed,
        cell,
        layers: 2,
        hidden: 6,
      });
      // The fused and tfjs paths round differently; the fixture was made on the fused path.
      expect(lm.info!.loss).toBeCloseTo(info.loss, 3);
      lm.dispose();
    });
  }

  it('a gru regressor with a skip path is refused as BAD_MODEL saying why, and loads for a caller that keeps the linear map itself', async () => {
    await initBackend();
    const where = path.join(dir, 'regressor-gru');
    const e = await SequenceRegressor.load(where).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(SeqcastError);
    expect((e as SeqcastError).code).toBe('BAD_MODEL');
    expect((e as SeqcastError).message).toBe(
      `${where}: saved with a linear skip path (config.regressor.skipInputs 2), which SequenceRegressor no longer has; retrain it, fitting the linear part separately`,
    );
    // The forecaster's way: the recurrent path from the regressor, the linear map kept apart.
    // Here that map is read back from the saved skip layer; together they answer as when saved.
    const { regressor } = await SequenceRegressor.load(where, 'regressor', { ignoreSkipLayer: true });
    try {
      const want = expected['regressor-gru'];
      expect(regressor.config.cell).toBe('gru');
      const rec = regressor.predict({ n: 2, x: Float32Array.from(want.x) });
      const [k, b] = regressor.model
        .getLayer('skip_linear')
        .getWeights()
        .map((w) => w.dataSync());
      Array.from(rec).forEach((v, i) => expect(v + want.skip[i * 2]! * k![0]! + want.skip[i * 2 + 1]! * k![1]! + b![0]!).toBeCloseTo(want.predict[i]!, 5));
    } finally {
      regressor.dispose();
    }
  });

  it('a copy with a corrupt model.json is BAD_MODEL naming the directory, with the parse error kept as cause', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-saved-format-'));
    try {
      await fs.cp(path.join(dir, 'chars-gru'), tmp, { recursive: true });
      await fs.writeFile(path.join(tmp, 'model.json'), '{"modelTopology": ');
      const e = await CharLM.load(tmp).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(SeqcastError);
      expect((e as SeqcastError).code).toBe('BAD_MODEL');
      expect((e as SeqcastError).message).toContain(tmp);
      expect((e as SeqcastError).cause).toBeInstanceOf(Error);
      expect((e as SeqcastError).cause).not.toBeInstanceOf(SeqcastError);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
});
