// The test-only tanh cell (one file, tanh-cell.ts) works with every core model unchanged: the
// masked time loop runs it exactly, CharLM and SequenceRegressor train it with their usual loops,
// a saved model names it in seqcast.json and loads back (also with stock tf.loadLayersModel),
// and nothing leaks.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CharLM, SequenceRegressor, cellNames, cellSequence, initBackend, initKernels, maskFromLengths, kernelStatus } from '@seqcast/core';
import { leakedTensors } from '@seqcast/core/testing';
import { tanhCell } from './tanh-cell.js';

let tmp: string;
beforeAll(async () => {
  await initBackend();
  await initKernels();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-tanh-cell-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** h' = tanh(x W + b + h U) in float64, sequence by sequence, stopping at each one's length. */
function plainLoop(x: number[][][], lengths: number[], W: number[][], U: number[][], b: number[]): number[][] {
  return x.map((seq, s) => {
    let h = new Array<number>(b.length).fill(0);
    for (let t = 0; t < lengths[s]!; t++) {
      h = b.map((bj, j) => Math.tanh(bj + seq[t]!.reduce((a, xi, i) => a + xi * W[i]![j]!, 0) + h.reduce((a, hk, k) => a + hk * U[k]![j]!, 0)));
    }
    return h;
  });
}

describe('a cell registered in one file', () => {
  it('is listed by the registry next to the built-ins', () => {
    expect(cellNames()).toEqual(['lstm', 'gru', tanhCell.name]);
  });

  it('runs through the masked time loop exactly (padding keeps the state), on the active path', () => {
    const [B, T, I, H] = [3, 5, 2, 4];
    const rnd = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + k) * 0.6);
    const x = Array.from({ length: B }, (_, s) => Array.from({ length: T }, (_, t) => rnd(I, 10 * s + t)));
    const W = Array.from({ length: I }, (_, i) => rnd(H, 100 + i));
    const U = Array.from({ length: H }, (_, i) => rnd(H, 200 + i));
    const b = rnd(H, 300);
    const lengths = [5, 2, 3];
    const want = plainLoop(x, lengths, W, U, b);
    const got = tf.tidy(() => {
      const r = cellSequence('tanh', tf.tensor3d(x), tf.tensor2d(W), tf.tensor2d(U), tf.tensor1d(b), { mask: maskFromLengths(lengths, T) });
      return r.h.arraySync();
    });
    got.forEach((row, s) => row.forEach((v, j) => expect(v).toBeCloseTo(want[s]![j]!, 5)));
  });

  it('trains a CharLM (hihello), saves with its name and loads back, also with stock tfjs', async () => {
    const lm = await CharLM.train('hihello', { seqLength: 6, epochs: 100, learningRate: 0.1, seed: 777, cell: 'tanh', hidden: 8 });
    expect(lm.predictString('hihell')).toBe('ihello');
    expect(lm.info!.loss).toBeLessThan(0.1);
    const dir = path.join(tmp, 'chars');
    await lm.save(dir);
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'seqcast.json'), 'utf8')) as { config: { cell: string } };
    expect(meta.config.cell).toBe('tanh');
    const again = await CharLM.load(dir);
    expect(again.next('hihel', 2)).toEqual(lm.next('hihel', 2));
    // Stock tfjs, fed the directory's two files as they are.
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as {
      modelTopology: object;
      weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
    };
    const bin = await fs.readFile(path.join(dir, 'weights.bin'));
    const weights = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const stock = await tf.loadLayersModel(
      tf.io.fromMemory(
        json.modelTopology,
        json.weightsManifest.flatMap((g) => g.weights),
        weights,
      ),
    );
    expect(stock.layers.map((l) => l.getClassName())).toContain('SimpleRNN');
    stock.dispose();
    expect(await leakedTensors(() => again.generate('h', 5, { seed: 1 }))).toBe(0);
    lm.dispose();
    again.dispose();
  });

  it('trains a SequenceRegressor that beats "next = last" on a sine wave', async () => {
    const window = 6;
    const series = Array.from({ length: 260 }, (_, i) => Math.sin(i / 4));
    const n = series.length - window;
    const x = new Float32Array(n * window);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      x.set(series.slice(i, i + window), i * window);
      y[i] = series[i + window]!;
    }
    const reg = SequenceRegressor.create({ window, features: 1, cell: 'tanh', units: 8 }, 3);
    const fit = await reg.fit({ n, x, y }, { epochs: 30, learningRate: 0.01, seed: 1 });
    const pred = reg.predict({ n, x });
    let mse = 0;
    let naive = 0;
    for (let i = 0; i < n; i++) {
      mse += (pred[i]! - y[i]!) ** 2;
      naive += (x[i * window + window - 1]! - y[i]!) ** 2;
    }
    expect(fit.trainLoss).toBeLessThan(0.5 * (naive / n));
    expect(mse).toBeLessThan(0.5 * naive);
    const dir = path.join(tmp, 'reg');
    await reg.save(dir);
    const { regressor } = await SequenceRegressor.load(dir);
    expect(Array.from(regressor.predict({ n: 3, x: x.subarray(0, 3 * window) }))).toEqual(Array.from(pred.subarray(0, 3)));
    console.log(`tanh cell regressor: mse ${(mse / n).toExponential(2)} vs next=last ${(naive / n).toExponential(2)} (kernels ${kernelStatus().path})`);
    reg.dispose();
    regressor.dispose();
  });
});
