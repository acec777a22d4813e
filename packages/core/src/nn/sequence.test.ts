// Dynamic-length sequences (the lecture's "dynamic RNN"): a padded, masked batch must give the same
// per-sequence outputs, losses and gradients as running every sequence alone (within 1e-5), no
// matter what the padded slots hold.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { gruSequenceReference, lstmSequenceReference } from './reference.js';
import { lastValidOutputs, maskFromLengths, padSequences, sequenceCrossEntropy } from './sequence.js';

const V = 5; // vocabulary (one-hot input width and classes)
const H = 4;
const TOL = 1e-5;

function rand(shape: number[], seed: number, scale = 0.6): tf.Tensor {
  const r = seededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale),
    shape,
  );
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

type Cell = 'lstm' | 'gru';

/** Two stacked recurrent layers + a dense head over weights `w`. */
function net(cell: Cell, w: tf.Tensor[], x: tf.Tensor, mask?: tf.Tensor2D) {
  const fn = cell === 'lstm' ? lstmSequenceReference : gruSequenceReference;
  const l1 = fn(x, w[0] as tf.Tensor2D, w[1] as tf.Tensor2D, w[2] as tf.Tensor1D, mask ? { mask } : {});
  const l2 = fn(l1.outputs, w[3] as tf.Tensor2D, w[4] as tf.Tensor2D, w[5] as tf.Tensor1D, mask ? { mask } : {});
  const [b, t] = l2.outputs.shape;
  const logits = tf.add(tf.matMul(l2.outputs.reshape([b * t, H]) as tf.Tensor2D, w[6] as tf.Tensor2D), w[7]!).reshape([b, t, V]) as tf.Tensor3D;
  return { outputs: l2.outputs, h: l2.h, logits };
}

function weights(cell: Cell, inputDim: number): tf.Tensor[] {
  const g = cell === 'lstm' ? 4 : 3;
  return [
    rand([inputDim, g * H], 1),
    rand([H, g * H], 2),
    rand([g * H], 3),
    rand([H, g * H], 4),
    rand([H, g * H], 5),
    rand([g * H], 6),
    rand([H, V], 7),
    rand([V], 8),
  ];
}

const seqs = [
  [0, 1, 2, 3, 4, 1],
  [2, 3],
  [4, 4, 0, 1],
];
const targets = [
  [1, 2, 3, 4, 1, 0],
  [3, 0],
  [4, 0, 1, 2],
];

describe.each([
  ['lstm', 'post'],
  ['gru', 'post'],
  ['lstm', 'pre'],
  ['gru', 'pre'],
] as const)('%s, %s-padded batch vs sequences alone', (cell, side) => {
  it('same outputs (0 at padding), per-sequence loss, last-valid output and gradients', () => {
    tf.tidy(() => {
      const w = weights(cell, V);
      // Padded slots hold a real id (3), so only the mask can keep them out.
      const px = padSequences(seqs, { side, value: 3 });
      const py = padSequences(targets, { side, value: 2 });
      const T = px.steps;
      const ids = tf.tensor2d(Int32Array.from(px.data), [px.batch, T], 'int32');
      const ys = tf.tensor2d(Int32Array.from(py.data), [py.batch, T], 'int32');
      const mask = tf.tensor2d(px.mask, [px.batch, T]);
      expect(maxAbsDiff(mask, maskFromLengths(px.lengths, T, side))).toBe(0);

      const batch = net(cell, w, ids, mask);
      const perSeq = sequenceCrossEntropy(batch.logits, ys, { mask, reduction: 'perSequence' });
      const last = lastValidOutputs(batch.outputs, px.lengths, side);
      const batchLoss = (...ws: tf.Tensor[]) => sequenceCrossEntropy(net(cell, ws, ids, mask).logits, ys, { mask, reduction: 'sum' });
      const batchGrads = tf.grads(batchLoss)(w);

      const singleGrads = w.map((t) => tf.zerosLike(t));
      seqs.forEach((s, b) => {
        const len = s.length;
        const sx = tf.tensor2d([s], [1, len], 'int32');
        const sy = tf.tensor2d([targets[b]!], [1, len], 'int32');
        const alone = net(cell, w, sx);
        const offset = side === 'post' ? 0 : T - len;
        const inBatch = batch.outputs.slice([b, offset, 0], [1, len, H]);
        expect(maxAbsDiff(inBatch, alone.outputs)).toBeLessThan(TOL);
        if (len < T) {
          const padStart = side === 'post' ? len : 0;
          const pad = batch.outputs.slice([b, padStart, 0], [1, T - len, H]);
          expect(tf.max(tf.abs(pad)).dataSync()[0]).toBe(0);
        }
        const lossAlone = sequenceCrossEntropy(alone.logits, sy);
        expect(Math.abs(perSeq.dataSync()[b]! - lossAlone.dataSync()[0]!)).toBeLessThan(TOL);
        // Many-to-one: the output at the last valid step, which is also the final state.
        const lastAlone = alone.outputs.slice([0, len - 1, 0], [1, 1, H]).reshape([1, H]);
        expect(maxAbsDiff(last.slice([b, 0], [1, H]), lastAlone)).toBeLessThan(TOL);
        expect(maxAbsDiff(batch.h.slice([b, 0], [1, H]), lastAlone)).toBeLessThan(TOL);
        const g = tf.grads((...ws: tf.Tensor[]) => sequenceCrossEntropy(net(cell, ws, sx).logits, sy, { reduction: 'sum' }))(w);
        g.forEach((gi, i) => (singleGrads[i] = tf.add(singleGrads[i]!, gi)));
      });
      batchGrads.forEach((g, i) => {
        expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(1e-4); // a real gradient, not all zeros
        expect(maxAbsDiff(g, singleGrads[i]!)).toBeLessThan(TOL);
      });
    });
  });
});

describe('float features, many-to-one', () => {
  it('a masked regression loss on the last valid output has the gradients of the sequences alone', () => {
    tf.tidy(() => {
      const F = 3;
      const r = seededRandom(11);
      const series = [5, 3, 1].map((len) => Array.from({ length: len }, () => Array.from({ length: F }, () => r() * 2 - 1)));
      const y = [0.5, -0.2, 0.9];
      const w = weights('lstm', F);
      const p = padSequences(series, { value: 9 });
      const x = tf.tensor3d(p.data, [p.batch, p.steps, F]);
      const mask = tf.tensor2d(p.mask, [p.batch, p.steps]);
      const predict = (ws: tf.Tensor[], xs: tf.Tensor, m?: tf.Tensor2D, lengths?: ArrayLike<number>) => {
        const out = net('lstm', [...ws, w[6]!, w[7]!], xs, m).outputs;
        const last = lengths ? lastValidOutputs(out, lengths) : out.slice([0, out.shape[1] - 1, 0], [1, 1, H]).reshape([1, H]);
        return tf.sum(last, 1); // [B]
      };
      const lossBatch = (...ws: tf.Tensor[]) => tf.sum(tf.square(tf.sub(predict(ws, x, mask, p.lengths), tf.tensor1d(y))));
      const rnnWeights = w.slice(0, 6); // the dense head is not on this path
      const gBatch = tf.grads(lossBatch)(rnnWeights);
      const gSum = rnnWeights.map((t) => tf.zerosLike(t));
      series.forEach((s, b) => {
        const xs = tf.tensor3d([s], [1, s.length, F]);
        const g = tf.grads((...ws: tf.Tensor[]) => tf.sum(tf.square(tf.sub(predict(ws, xs), y[b]!))))(rnnWeights);
        g.forEach((gi, i) => (gSum[i] = tf.add(gSum[i]!, gi)));
      });
      for (let i = 0; i < 6; i++) {
        expect(tf.max(tf.abs(gBatch[i]!)).dataSync()[0]).toBeGreaterThan(1e-4);
        expect(maxAbsDiff(gBatch[i]!, gSum[i]!)).toBeLessThan(TOL);
      }
    });
  });
});

describe('padSequences', () => {
  it('pads ids post and pre, with lengths and mask', () => {
    const post = padSequences([[1, 2, 3], [4]]);
    expect(Array.from(post.data)).toEqual([1, 2, 3, 4, 0, 0]);
    expect(Array.from(post.mask)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(Array.from(post.lengths)).toEqual([3, 1]);
    const pre = padSequences([[1, 2, 3], [4]], { side: 'pre', value: -1, length: 4 });
    expect(Array.from(pre.data)).toEqual([-1, 1, 2, 3, -1, -1, -1, 4]);
    expect(Array.from(pre.mask)).toEqual([0, 1, 1, 1, 0, 0, 0, 1]);
  });
  it('names the sequence that is too long or has the wrong width', () => {
    expect(() => padSequences([[1, 2, 3], [4]], { length: 2 })).toThrow(/sequence 0 has 3 steps, more than length 2/);
    expect(() => padSequences([[[1, 2]], [[1, 2, 3]]])).toThrow(/sequences\[1\]\[0\] has 3 features, expected 2/);
  });
});
