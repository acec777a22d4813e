/** Streaming evaluation of a CharLM on a corpus, and the memory corpus training needs. */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';
import { parseOptions } from '../options.js';
import { getCell } from '../nn/cells/registry.js';
import { CharLM, type CellType } from './char-lm.js';
import { evaluateCorpusOptionsSchema } from './char-corpus-options.js';
import { type CorpusIds, encodeCorpus } from './char-corpus-text.js';

/** What {@link evaluateCorpus} reports. */
export interface CorpusEvaluation {
  /** Mean cross-entropy, nats per character. */
  loss: number;
  /** The same in bits per character (loss / ln 2). */
  bitsPerChar: number;
  /** Fraction of characters that were the model's most likely next character. */
  accuracy: number;
  /** Characters scored. */
  predictions: number;
  /** Streams the text was scored in (1 = every character with all the text before it). */
  streams: number;
}

export const LN2 = Math.log(2);
/** Sizes of what {@link estimateCorpusTrainingBytes} counts. */
export interface CorpusMemoryShape {
  batchSize: number;
  seqLength: number;
  hidden: number;
  layers: number;
  vocabSize: number;
  cell?: CellType;
  /** Characters of the text (its ids are held once, 1 or 2 bytes each). */
  textChars?: number;
}

/**
 * Bytes corpus training holds at its peak besides the runtime itself: one chunk's activations
 * (recurrent workspaces, outputs and their gradients: ~10·B·T·H floats per layer, and the softmax
 * head's B·T·V logits three times over), the parameters six times (weights, gradients, Adam's two
 * moments, the best and checkpoint snapshots) and the text's ids. It grows with B·T·hidden and the
 * text length, never with the number of windows.
 *
 * @example
 * estimateCorpusTrainingBytes({ batchSize: 64, seqLength: 100, hidden: 256, layers: 2, vocabSize: 80 }).total;   // ≈ 0.2 GB
 */
export function estimateCorpusTrainingBytes(s: CorpusMemoryShape): { total: number; activations: number; parameters: number; text: number } {
  const { batchSize: B, seqLength: T, hidden: H, layers: L, vocabSize: V } = s;
  const gates = getCell(s.cell ?? 'lstm').gates;
  const activations = 4 * (L * (10 * B * T * H + 2 * B * (T + 1) * H) + 3 * B * T * V + B * T * 2);
  let params = H * V + V;
  for (let l = 0; l < L; l++) params += ((l === 0 ? V : H) + H + 1) * gates * H;
  const parameters = 4 * 6 * params;
  const text = (s.textChars ?? 0) * (V <= 256 ? 1 : 2);
  return { total: activations + parameters + text, activations, parameters, text };
}

/**
 * Score `ids` (or a text) with the state carried from the text before each character: the text is
 * cut into `streams` contiguous pieces (default 1: every character after the first is predicted
 * from all of the text before it) walked in chunks, so memory stays bounded for any length. With
 * S streams, the (length − 1) mod S last characters are not scored.
 *
 * @example
 * const r = evaluateCorpus(lm, held_out_text);   // { loss: 1.62, bitsPerChar: 2.34, accuracy: 0.52, predictions: 59780, streams: 1 }
 */
export function evaluateCorpus(lm: CharLM, text: string | CorpusIds, opts: { streams?: number; chunk?: number; where?: string } = {}): CorpusEvaluation {
  const ids = typeof text === 'string' ? encodeCorpus(lm.vocabulary, text, opts.where ?? 'text') : text;
  if (ids.length < 2) throw new SeqcastError('BAD_INPUT', `${opts.where ?? 'text'}: evaluation needs at least 2 characters`, { where: opts.where ?? 'text' });
  const o = parseOptions(evaluateCorpusOptionsSchema, { streams: opts.streams, chunk: opts.chunk });
  const S = Math.min(o.streams, ids.length - 1);
  const chunk = o.chunk ?? (S === 1 ? 1000 : 100);
  const n = Math.floor((ids.length - 1) / S);
  const V = lm.vocabulary.size;
  let state: tf.Tensor2D[] | undefined;
  let nll = 0;
  let correct = 0;
  try {
    for (let pos = 0; pos < n; pos += chunk) {
      const t = Math.min(chunk, n - pos);
      const x = new Int32Array(S * t);
      const y = new Int32Array(S * t);
      for (let b = 0; b < S; b++) {
        const from = b * n + pos;
        for (let j = 0; j < t; j++) {
          x[b * t + j] = ids[from + j]!;
          y[b * t + j] = ids[from + j + 1]!;
        }
      }
      const prev = state;
      const [lossT, hitT, ...next] = tf.tidy(() => {
        const r = lm.chunkLogits(tf.tensor2d(x, [S, t], 'int32'), prev);
        const logp = tf.logSoftmax(r.logits.reshape([S * t, V]));
        const target = tf.tensor1d(y, 'int32');
        const picked = tf.sum(tf.mul(logp, tf.oneHot(target, V)));
        const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logp, 1), target), 'float32'));
        return [tf.neg(picked), hits, ...r.state];
      });
      nll += lossT!.dataSync()[0]!;
      correct += hitT!.dataSync()[0]!;
      tf.dispose([lossT!, hitT!]);
      if (prev) tf.dispose(prev);
      state = next as tf.Tensor2D[];
    }
  } finally {
    if (state) tf.dispose(state);
  }
  const predictions = S * n;
  const loss = nll / predictions;
  return { loss, bitsPerChar: loss / LN2, accuracy: correct / predictions, predictions, streams: S };
}
