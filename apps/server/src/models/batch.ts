/**
 * Dynamic batching for `next` (what TensorFlow Serving calls request batching).
 *
 * Under load, many `next` requests for one model are waiting at the same moment. Running them as
 * one padded batch costs about as much as running one of them (small recurrent models are bound
 * by per-op overhead, not arithmetic), so throughput rises and queueing latency falls with the
 * number of clients. Requests parsed in the same event-loop turn are collected and run together
 * on the next `setImmediate`.
 *
 * The batched forward uses only core's public pieces — the CharLM's standard layer weights and
 * the recurrent seam (`lstmSequence` / `gruSequence`, the functions CharLM itself runs) with a
 * padding mask — and returns exactly what `CharLM.next` returns for each text (tested): masked
 * steps do not update the state, so each row's final state is the state after its own last
 * character. All tensors live inside one tf.tidy.
 */
import { gruSequence, lstmSequence, SeqcastError, tf, type CharLM } from '@seqcast/core';
import type { NextChar } from './adapter.js';

interface LayerWeights {
  kernel: tf.Tensor2D;
  recurrentKernel: tf.Tensor2D;
  bias: tf.Tensor1D;
}

/** Rows per forward pass at most. */
const MAX_BATCH = 64;

/** `top` most likely indices of `p` (ties: lower index first, as CharLM.next orders them). */
function topIndices(p: Float32Array, k: number): number[] {
  const idx = Array.from({ length: p.length }, (_, i) => i);
  idx.sort((a, b) => p[b]! - p[a]! || a - b);
  return idx.slice(0, k);
}

/**
 * A function computing next-character distributions for many encoded texts in one pass.
 *
 * @example
 * const forward = batchedNextForward(lm);
 * const [p1, p2] = forward([lm.vocabulary.encode('hihel'), lm.vocabulary.encode('hi')]);   // Float32Array per text
 */
export function batchedNextForward(lm: CharLM): (rows: Int32Array[]) => Float32Array[] {
  const { cell, layers, vocabSize } = lm.config;
  const className = cell === 'lstm' ? 'LSTM' : 'GRU';
  const rnn = lm.model.layers.filter((l) => l.getClassName() === className);
  if (rnn.length !== layers) throw new SeqcastError('BAD_MODEL', `expected ${layers} ${className} layer(s), found ${rnn.length}`);
  const weights: LayerWeights[] = rnn.map((layer) => {
    const [kernel, recurrentKernel, bias] = layer.weights.map((v) => v.read());
    return { kernel: kernel as tf.Tensor2D, recurrentKernel: recurrentKernel as tf.Tensor2D, bias: bias as tf.Tensor1D };
  });
  let dense: { kernel: tf.Tensor2D; bias: tf.Tensor1D } | undefined;
  if (lm.config.dense) {
    const layer = lm.model.layers.find((l) => l.getClassName() === 'Dense');
    if (!layer) throw new SeqcastError('BAD_MODEL', 'the dense softmax layer is missing');
    const [kernel, bias] = layer.weights.map((v) => v.read());
    dense = { kernel: kernel as tf.Tensor2D, bias: bias as tf.Tensor1D };
  }
  const sequence = cell === 'lstm' ? lstmSequence : gruSequence;

  return (rows) => {
    const B = rows.length;
    const T = Math.max(...rows.map((r) => r.length));
    const ids = new Int32Array(B * T); // padding id 0 is never read: masked steps change nothing
    const mask = new Float32Array(B * T);
    rows.forEach((r, b) => {
      ids.set(r, b * T);
      mask.fill(1, b * T, b * T + r.length);
    });
    const probs = tf.tidy(() => {
      const m = tf.tensor2d(mask, [B, T]);
      let x: tf.Tensor = tf.tensor2d(ids, [B, T], 'int32');
      let h: tf.Tensor2D | undefined;
      for (const w of weights) {
        const r = sequence(x, w.kernel, w.recurrentKernel, w.bias, { mask: m });
        x = r.outputs;
        h = r.h;
      }
      const logits = dense ? tf.add(tf.matMul(h!, dense.kernel), dense.bias) : h!;
      return tf.softmax(logits);
    });
    const flat = probs.dataSync() as Float32Array;
    probs.dispose();
    return rows.map((_, b) => flat.slice(b * vocabSize, (b + 1) * vocabSize));
  };
}

interface Pending {
  ids: Int32Array;
  top: number;
  resolve(v: NextChar[]): void;
  reject(e: unknown): void;
}

/**
 * Collects `next` calls made in the same event-loop turn and answers them with batched forwards.
 * Texts are grouped by length class (powers of two) so one long text does not make every row of
 * a batch pay for its padding.
 *
 * @example
 * const batcher = new NextBatcher(lm);
 * const [a, b] = await Promise.all([batcher.next('hihel', 2), batcher.next('hi', 3)]);
 */
export class NextBatcher {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Forward passes run and rows answered so far. */
  readonly stats = { batches: 0, rows: 0 };
  private readonly forward: (rows: Int32Array[]) => Float32Array[];

  /** `onBatch(rows)` is told the size of every forward pass (for metrics). */
  constructor(
    private readonly lm: CharLM,
    private readonly onBatch?: (rows: number) => void,
  ) {
    this.forward = batchedNextForward(lm);
  }

  /** Same result as `lm.next(text, top)`. Bad input (empty text, unknown character) rejects at once. */
  next(text: string, top: number): Promise<NextChar[]> {
    let ids: Int32Array;
    try {
      if (text.length === 0) throw new SeqcastError('BAD_ARGUMENT', 'text must be a non-empty string', { where: 'text' });
      ids = this.lm.vocabulary.encode(text, 'text');
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ ids, top, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = [];
    const groups = new Map<number, Pending[]>();
    for (const p of all) {
      const key = Math.ceil(Math.log2(p.ids.length));
      const g = groups.get(key);
      if (g) g.push(p);
      else groups.set(key, [p]);
    }
    for (const group of groups.values()) {
      for (let i = 0; i < group.length; i += MAX_BATCH) {
        const batch = group.slice(i, i + MAX_BATCH);
        try {
          const probs = this.forward(batch.map((p) => p.ids));
          this.stats.batches++;
          this.stats.rows += batch.length;
          this.onBatch?.(batch.length);
          batch.forEach((p, b) => {
            const dist = probs[b]!;
            p.resolve(topIndices(dist, p.top).map((j) => ({ char: this.lm.vocabulary.chars[j]!, p: dist[j]! })));
          });
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    }
  }
}
