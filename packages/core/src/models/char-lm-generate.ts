/**
 * Sampling a continuation from a CharLM one character at a time (CharLM.generateSteps): the
 * prefix read once (in chunks when asked), the recurrent state carried from step to step.
 */
import * as tf from '@tensorflow/tfjs';
import { checkValue, intField, parseOptions } from '../options.js';
import { seededRandom } from '../random.js';
import type { Vocabulary } from '../vocab.js';
import { badArg, generateOptionsSchema, type GenerateOptions } from './char-lm-options.js';
import { sampleLogits } from './sampling.js';

/** What generation needs of a model (CharLM). */
export interface ChunkModel {
  readonly vocabulary: Vocabulary;
  chunkLogits(x: tf.Tensor2D, state: tf.Tensor2D[] | undefined): { logits: tf.Tensor3D; state: tf.Tensor2D[] };
}

/**
 * Sample `length` characters following `prefix`, yielding each (and an empty string after each
 * prefix chunk). Arguments are checked on the first `next()`; stopping early frees every tensor.
 * For CharLM.generateSteps. @internal
 */
export function* generateCharacters(lm: ChunkModel, prefix: string, length: number, opts: GenerateOptions = {}): Generator<string, void, undefined> {
  if (typeof prefix !== 'string' || prefix.length === 0) throw badArg('prefix', 'must be a non-empty string');
  const ids = lm.vocabulary.encode(prefix, 'prefix');
  const n = checkValue('length', intField(0, 1_000_000), length);
  const o = parseOptions(generateOptionsSchema, opts);
  const { temperature, topP, prefixChunk } = o;
  const topK = o.topK ?? lm.vocabulary.size;
  const rand = seededRandom(o.seed ?? Math.floor(Math.random() * 2 ** 31));
  let state: tf.Tensor2D[] | undefined;
  // All of the prefix but its last character is read in chunks first (when asked to); the
  // first step below then reads the rest, as it would have read the whole prefix.
  const width = Math.floor(Math.min(prefixChunk, ids.length));
  const head = n > 0 && width < ids.length ? ids.length - 1 : 0;
  let input: tf.Tensor2D | undefined;
  try {
    for (let t0 = 0; t0 < head; t0 += width) {
      const chunk = ids.subarray(t0, Math.min(head, t0 + width));
      const prev = state;
      state = tf.tidy(() => lm.chunkLogits(tf.tensor2d(chunk, [1, chunk.length], 'int32'), prev).state);
      if (prev) tf.dispose(prev);
      yield '';
    }
    input = tf.tensor2d(ids.subarray(head), [1, ids.length - head], 'int32');
    for (let step = 0; step < n; step++) {
      const prev = state;
      const x = input;
      const [logpT, ...next] = tf.tidy(() => {
        const { logits, state: s } = lm.chunkLogits(x, prev);
        const t = logits.shape[1];
        const last = logits.slice([0, t - 1, 0], [1, 1, -1]).reshape([-1]);
        return [tf.logSoftmax(last), ...s];
      });
      const logp = logpT!.dataSync();
      logpT!.dispose();
      if (prev) tf.dispose(prev);
      state = next as tf.Tensor2D[];
      const id = sampleLogits(logp, { temperature, topK, topP }, rand);
      input.dispose();
      input = tf.tensor2d([id], [1, 1], 'int32');
      yield lm.vocabulary.decode([id]);
    }
  } finally {
    input?.dispose();
    if (state) tf.dispose(state);
  }
}
