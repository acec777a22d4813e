/**
 * Dynamic-length sequences (the lecture's "dynamic RNN"): pad a batch of different-length
 * sequences, carry their lengths as a [B,T] mask through the recurrent layers, take the
 * many-to-one output at each sequence's last valid step, and compute a loss that ignores padding.
 *
 * With the mask, padded steps leave the state untouched and output 0, and the loss weights them 0,
 * so they contribute nothing to the loss or to any gradient: a padded batch behaves exactly like
 * its sequences run one by one.
 */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';

/** Options for {@link padSequences}. */
export interface PadOptions {
  /** Padded length T (default: the longest sequence). Longer sequences are an error. */
  length?: number;
  /** Where the padding goes (default 'post': sequences start at step 0). */
  side?: 'post' | 'pre';
  /** Value written into padded slots (default 0). */
  value?: number;
}

/** A padded batch: row-major data plus the mask and the true lengths. */
export interface PaddedBatch {
  /** [B,T] (ids) or [B,T,F] (features) values, row-major. */
  data: Float32Array;
  /** [B,T] 1 = valid, 0 = padding. */
  mask: Float32Array;
  /** True length of each sequence. */
  lengths: Int32Array;
  /** Batch size, padded length, features per step (1 for scalar/id steps). */
  batch: number;
  steps: number;
  features: number;
  side: 'post' | 'pre';
}

/**
 * Pad sequences of scalars/ids (`number[]`) or of feature vectors (`number[][]`) to one length.
 *
 * @example
 * const p = padSequences([[1, 2, 3], [4]]);           // steps 3, lengths [3, 1]
 * const ids = tf.tensor2d(p.data, [p.batch, p.steps], 'int32');
 * const mask = tf.tensor2d(p.mask, [p.batch, p.steps]);
 */
export function padSequences(seqs: ArrayLike<number>[] | ArrayLike<ArrayLike<number>>[], opts: PadOptions = {}): PaddedBatch {
  const side = opts.side ?? 'post';
  const value = opts.value ?? 0;
  if (seqs.length === 0) throw new SeqcastError('BAD_INPUT', 'padSequences: no sequences given');
  const lengths = Int32Array.from(seqs as ArrayLike<unknown>[], (s) => s.length);
  let longest = 0;
  for (const l of lengths) longest = Math.max(longest, l); // no spread: a long list overflows the call stack
  const steps = opts.length ?? longest;
  if (longest > steps) {
    const i = lengths.findIndex((l) => l > steps);
    throw new SeqcastError('BAD_INPUT', `padSequences: sequence ${i} has ${lengths[i]} steps, more than length ${steps}`, {
      where: `sequences[${i}]`,
    });
  }
  const first = seqs.find((s) => s.length > 0)?.[0];
  const features = first !== undefined && typeof first === 'object' ? (first as ArrayLike<number>).length : 1;
  const data = new Float32Array(seqs.length * steps * features).fill(value);
  const mask = new Float32Array(seqs.length * steps);
  seqs.forEach((s, b) => {
    const offset = side === 'post' ? 0 : steps - s.length;
    for (let t = 0; t < s.length; t++) {
      const at = b * steps + offset + t;
      mask[at] = 1;
      const v = s[t] as number | ArrayLike<number>;
      if (typeof v === 'number') {
        if (features !== 1) throw new SeqcastError('BAD_INPUT', `padSequences: sequences[${b}][${t}] is a number, expected ${features} features`);
        data[at] = v;
      } else {
        if (v.length !== features) {
          throw new SeqcastError('BAD_INPUT', `padSequences: sequences[${b}][${t}] has ${v.length} features, expected ${features}`, {
            where: `sequences[${b}][${t}]`,
          });
        }
        for (let f = 0; f < features; f++) data[at * features + f] = v[f]!;
      }
    }
  });
  return { data, mask, lengths, batch: seqs.length, steps, features, side };
}

/**
 * [B,T] mask from lengths: 1 for the first `lengths[b]` steps ('post') or the last ones ('pre').
 *
 * @example
 * maskFromLengths([3, 1], 3).arraySync();   // [[1,1,1],[1,0,0]]
 */
export function maskFromLengths(lengths: ArrayLike<number>, steps: number, side: 'post' | 'pre' = 'post'): tf.Tensor2D {
  const m = new Float32Array(lengths.length * steps);
  for (let b = 0; b < lengths.length; b++) {
    const len = lengths[b]!;
    for (let t = 0; t < len; t++) m[b * steps + (side === 'post' ? t : steps - len + t)] = 1;
  }
  return tf.tensor2d(m, [lengths.length, steps]);
}

/**
 * The many-to-one output: each sequence's output at its last valid step. [B,T,H] -> [B,H].
 * Differentiable (a one-hot weighted sum over time, so gradients reach only that step).
 *
 * @example
 * const last = lastValidOutputs(outputs, p.lengths);   // post-padded batch
 */
export function lastValidOutputs(outputs: tf.Tensor3D, lengths: ArrayLike<number>, side: 'post' | 'pre' = 'post'): tf.Tensor2D {
  const [batch, steps] = outputs.shape;
  return tf.tidy(() => {
    const pick = new Float32Array(batch * steps);
    for (let b = 0; b < batch; b++) {
      const len = lengths[b]!;
      if (len < 1 || len > steps) throw new SeqcastError('BAD_INPUT', `lastValidOutputs: length ${len} of sequence ${b} is not in 1..${steps}`);
      pick[b * steps + (side === 'post' ? len - 1 : steps - 1)] = 1;
    }
    const w = tf.tensor3d(pick, [batch, steps, 1]);
    return tf.sum(tf.mul(outputs, w), 1) as tf.Tensor2D;
  });
}

/** How {@link sequenceCrossEntropy} reduces the per-step losses. */
export type LossReduction =
  /** Mean over all valid steps of the batch (the lecture's sequence_loss with weights = mask). */
  | 'mean'
  /** Sum over all valid steps. */
  | 'sum'
  /** [B]: each sequence's mean over its own valid steps. */
  | 'perSequence';

/**
 * Cross-entropy of `logits` [B,T,V] against int32 `targets` [B,T]; masked steps weigh 0.
 *
 * @example
 * const loss = sequenceCrossEntropy(logits, targets, { mask });   // scalar
 */
export function sequenceCrossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D, opts: { mask?: tf.Tensor2D; reduction?: LossReduction } = {}): tf.Tensor {
  return tf.tidy(() => {
    const v = logits.shape[2];
    const logp = tf.logSoftmax(logits);
    const ce = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(targets.toInt(), v)), 2)) as tf.Tensor2D; // [B,T]
    const w = opts.mask ? opts.mask.toFloat() : tf.onesLike(ce);
    const weighted = tf.mul(ce, w);
    switch (opts.reduction ?? 'mean') {
      case 'sum':
        return tf.sum(weighted);
      case 'perSequence':
        return tf.div(tf.sum(weighted, 1), tf.maximum(tf.sum(w, 1), 1));
      default:
        return tf.div(tf.sum(weighted), tf.maximum(tf.sum(w), 1));
    }
  });
}
