/**
 * CharLM: the lecture's character-level language model (labs 12-1, 12-3, 12-4) as a library class.
 *
 * One-hot characters -> 1..N stacked LSTM or GRU layers -> a dense softmax over the vocabulary at
 * every step, trained with Adam on sequence cross-entropy over the sliding windows
 * x = text[i:i+L], y = text[i+1:i+L+1].
 *
 * The weights live in a standard tf.LayersModel (Input -> LSTM/GRU... -> Dense softmax), so a saved
 * model loads with stock `tf.loadLayersModel`; training and inference run the recurrent layers
 * through the seam in ../nn (native kernels when available, tfjs ops otherwise) over those weights.
 */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';
import { checkValue, intField } from '../options.js';
import { loadLayersModelDir, METADATA_JSON, readModelMetadata, saveModelDir, type SaveOptions } from '../io/model-dir.js';
import type { RecurrentCell } from '../nn/cells/cell.js';
import type { SequenceResult } from '../nn/types.js';
import { getCell } from '../nn/cells/registry.js';
import { cellSequence, denseSoftmaxCrossEntropy, initKernels } from '../nn/kernels.js';
import { padSequences, sequenceCrossEntropy } from '../nn/sequence.js';
import { initBackend } from '../runtime/backend.js';
import { trainOnWindows } from './char-lm-train.js';
import { generateCharacters } from './char-lm-generate.js';
import { Vocabulary, type VocabularyJSON } from '../vocab.js';
import {
  type CharEvaluation,
  type CharLMConfig,
  type CharLMOptions,
  type CharLMTrainingInfo,
  type GenerateOptions,
  type NextBatchResult,
  type NextChar,
  type TrainCallbacks,
  badArg,
  chunkField,
  validateConfig,
} from './char-lm-options.js';
import { type LayerState, type RecurrentWeights, argTop, buildContainer, extractWeights, flattenStates, unflattenStates } from './char-lm-weights.js';
export type { CellType } from '../nn/cells/cell.js';
export {
  charLMOptionsSchema,
  generateOptionsSchema,
  charLMTrainingShape,
  type CharLMConfig,
  type CharLMOptions,
  type CharLMTrainingInfo,
  type EpochProgress,
  type TrainCallbacks,
  type GenerateOptions,
  type CharEvaluation,
  type NextChar,
  type NextBatchResult,
} from './char-lm-options.js';

/** seqcast.json "extra" of a chars model. */
interface CharLMExtra {
  vocabulary: VocabularyJSON;
  training: CharLMTrainingInfo | null;
}
const INFERENCE_CHUNK = 256;

/**
 * A character-level language model.
 *
 * @example
 * import { CharLM } from '@seqcast/core';
 * const lm = await CharLM.train('hihello', { seqLength: 6, epochs: 100, learningRate: 0.1, seed: 777 });
 * lm.predictString('hihell');        // "ihello"
 * lm.next('hel', 2);                  // [{ char: 'l', p: 0.9… }, …]
 * await lm.save('models/hihello');
 * const again = await CharLM.load('models/hihello');
 * lm.dispose(); again.dispose();
 */
export class CharLM {
  /** The tfjs model holding the weights (standard layers; what save() writes). */
  readonly model: tf.LayersModel;
  readonly vocabulary: Vocabulary;
  readonly config: CharLMConfig;
  private trainingInfo: CharLMTrainingInfo | null;
  private readonly cell: RecurrentCell;
  private readonly recurrent: RecurrentWeights[];
  private readonly dense: { kernel: tf.Tensor2D; bias: tf.Tensor1D } | undefined;
  private disposed = false;

  private constructor(model: tf.LayersModel, vocabulary: Vocabulary, config: CharLMConfig, info: CharLMTrainingInfo | null, where: string) {
    this.model = model;
    this.vocabulary = vocabulary;
    this.config = config;
    this.trainingInfo = info;
    this.cell = getCell(config.cell);
    const w = extractWeights(model, config, this.cell, where);
    this.recurrent = w.recurrent;
    this.dense = w.dense;
  }

  /** Training record (null for a model built by fromConfig and never trained). */
  get info(): CharLMTrainingInfo | null {
    return this.trainingInfo;
  }

  /** The architecture, for `fromConfig`. */
  getConfig(): CharLMConfig {
    return { ...this.config };
  }

  /**
   * An untrained model with freshly initialised (seeded) weights.
   *
   * @example
   * const lm = CharLM.fromConfig({ cell: 'gru', layers: 2, hidden: 16, seqLength: 8, dense: true, vocabSize: 5 },
   *                              Vocabulary.fromText('hihello'));
   */
  static fromConfig(config: CharLMConfig, vocabulary: Vocabulary, seed = 777): CharLM {
    const c = validateConfig(config, 'config.', 'BAD_ARGUMENT');
    if (c.vocabSize !== vocabulary.size) throw badArg('config.vocabSize', `is ${c.vocabSize} but the vocabulary has ${vocabulary.size} characters`);
    return new CharLM(buildContainer(c, seed), vocabulary, c, null, 'config');
  }

  /**
   * An untrained model whose recurrent kernels are orthogonal matrices made in plain JS (fast for
   * corpus-sized layers, where tfjs's orthogonal initialiser takes minutes). For trainers.
   * @internal
   */
  static forTraining(config: CharLMConfig, vocabulary: Vocabulary, seed: number): CharLM {
    const c = validateConfig(config, 'config.', 'BAD_ARGUMENT');
    if (c.vocabSize !== vocabulary.size) throw badArg('config.vocabSize', `is ${c.vocabSize} but the vocabulary has ${vocabulary.size} characters`);
    return new CharLM(buildContainer(c, seed, 'fast'), vocabulary, c, null, 'config');
  }

  /**
   * Build a vocabulary from `text` and train on its sliding windows.
   *
   * @example
   * const lm = await CharLM.train(sentence, { seqLength: 10, layers: 2, epochs: 500 },
   *   { onEpoch: (p) => console.log(p.epoch, p.loss) });
   */
  static async train(text: string, options: CharLMOptions, callbacks: TrainCallbacks = {}): Promise<CharLM> {
    return trainOnWindows(text, options, callbacks, (config, vocabulary, seed) => new CharLM(buildContainer(config, seed), vocabulary, config, null, 'model'));
  }

  /**
   * Mean sequence cross-entropy of a batch of windows; the dense head's loss goes through the seam
   * (fused when active). Call inside a gradient scope. For trainers. @internal
   */
  windowLoss(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    if (!this.dense) return sequenceCrossEntropy(this.forward(x).logits, y) as tf.Scalar;
    const { outputs } = this.recur(x, {});
    return denseSoftmaxCrossEntropy(outputs, this.dense.kernel, this.dense.bias, y);
  }

  /** ids [B,T] -> logits [B,T,V] and each layer's final state. Call inside tf.tidy. */
  private forward(ids: tf.Tensor2D, state?: LayerState[]): { logits: tf.Tensor3D; states: LayerState[] } {
    const { outputs, states } = this.recur(ids, { state });
    if (!this.dense) return { logits: outputs, states };
    const [b, t, h] = outputs.shape;
    const logits = this.head(outputs.reshape([b * t, h]) as tf.Tensor2D);
    return { logits: logits.reshape([b, t, this.config.vocabSize]) as tf.Tensor3D, states };
  }

  /**
   * The recurrent layers: ids [B,T] -> last layer's outputs [B,T,H] and each layer's final state.
   * With a [B,T] `mask`, padded steps keep the state and output 0. Call inside tf.tidy.
   */
  private recur(ids: tf.Tensor2D, o: { state?: LayerState[]; mask?: tf.Tensor2D; dropout?: number }): { outputs: tf.Tensor3D; states: LayerState[] } {
    this.assertUsable();
    let x: tf.Tensor = ids;
    const results: SequenceResult[] = [];
    this.recurrent.forEach((w, l) => {
      if (l > 0 && o.dropout) x = tf.dropout(x, o.dropout);
      const s = o.state?.[l];
      const opts = { ...(s ? (s.c ? { h0: s.h, c0: s.c } : { h0: s.h }) : {}), ...(o.mask ? { mask: o.mask } : {}) };
      const r = cellSequence(this.cell, x, w.kernel, w.recurrentKernel, w.bias, opts);
      x = r.outputs;
      results.push(r);
    });
    // Read only by callers that carry the state: the fused kernels make the final states (and
    // their tape entries) only when they are read.
    return {
      outputs: x as tf.Tensor3D,
      get states(): LayerState[] {
        return results.map((r) => (r.c ? { h: r.h, c: r.c } : { h: r.h }));
      },
    };
  }

  /** Recurrent outputs [N,H] -> logits [N,V] (the dense head, or the outputs themselves without one). */
  private head(h: tf.Tensor2D): tf.Tensor2D {
    return this.dense ? (tf.add(tf.matMul(h, this.dense.kernel), this.dense.bias) as tf.Tensor2D) : h;
  }

  /** The `k` most likely characters of a distribution over the vocabulary, most likely first. */
  private topChars(p: ArrayLike<number>, k: number): NextChar[] {
    return argTop(p, k).map((i) => ({ char: this.vocabulary.chars[i]!, p: p[i]! }));
  }

  private assertUsable(): void {
    if (this.disposed) throw new SeqcastError('NOT_TRAINED', 'this CharLM has been disposed');
  }

  private encodeNonEmpty(text: string, where: string): Int32Array {
    if (typeof text !== 'string' || text.length === 0) throw badArg(where, 'must be a non-empty string');
    return this.vocabulary.encode(text, where);
  }

  /**
   * The trainable variables, in the container's fixed order (each recurrent layer's kernel,
   * recurrent kernel and bias, then the dense kernel and bias). For trainers in this package.
   * @internal
   */
  trainableVariables(): tf.Variable[] {
    this.assertUsable();
    return this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /**
   * Mean cross-entropy of one chunk ids `x` -> targets `y` ([B,T] int32) starting from `state`
   * (flat: h,c per LSTM layer, h per GRU layer; zeros when absent), with dropout between layers,
   * and the final state in the same flat layout. Call inside a gradient scope. For trainers.
   * @internal
   */
  chunkLoss(x: tf.Tensor2D, y: tf.Tensor2D, state: tf.Tensor2D[] | undefined, dropout = 0): { loss: tf.Scalar; state: tf.Tensor2D[] } {
    if (!this.dense) throw new SeqcastError('BAD_ARGUMENT', 'corpus training needs a model with a dense head', { where: 'dense' });
    const prev = state ? unflattenStates(state, this.cell.states === 2) : undefined;
    const { outputs, states } = this.recur(x, { ...(prev ? { state: prev } : {}), dropout });
    return { loss: denseSoftmaxCrossEntropy(outputs, this.dense.kernel, this.dense.bias, y), state: flattenStates(states) };
  }

  /**
   * Logits [B,T,V] of one chunk ids [B,T] from a flat `state` (see chunkLoss), and the final
   * state. Call inside tf.tidy. For streaming evaluation.
   * @internal
   */
  chunkLogits(x: tf.Tensor2D, state: tf.Tensor2D[] | undefined): { logits: tf.Tensor3D; state: tf.Tensor2D[] } {
    const prev = state ? unflattenStates(state, this.cell.states === 2) : undefined;
    const { logits, states } = this.forward(x, prev);
    return { logits, state: flattenStates(states) };
  }

  /** Replace the training record (what save() writes). For trainers. @internal */
  recordTraining(info: CharLMTrainingInfo): void {
    this.trainingInfo = info;
  }

  /**
   * Teacher-forced prediction (the lecture's "prediction str"): for every position of `text`, the
   * most likely next character given text up to there. Same length as `text`.
   *
   * @example
   * lm.predictString('hihell');   // "ihello"
   */
  predictString(text: string): string {
    const ids = this.encodeNonEmpty(text, 'text');
    const best = tf.tidy(() => {
      const { logits } = this.forward(tf.tensor2d(ids, [1, ids.length], 'int32'));
      return tf.argMax(logits, 2);
    });
    const out = best.dataSync();
    best.dispose();
    return this.vocabulary.decode(out);
  }

  /**
   * The `top` most likely next characters after `text`, with probabilities, most likely first.
   *
   * @example
   * lm.next('hihel', 2);   // [{ char: 'l', p: 0.97 }, { char: 'o', p: 0.01 }]
   */
  next(text: string, top = 5): NextChar[] {
    const k = checkValue('top', intField(1), top);
    const ids = this.encodeNonEmpty(text, 'text');
    const probs = tf.tidy(() => {
      const { logits } = this.forward(tf.tensor2d(ids, [1, ids.length], 'int32'));
      return tf.softmax(logits.slice([0, ids.length - 1, 0], [1, 1, -1]).reshape([-1]));
    });
    const p = probs.dataSync();
    probs.dispose();
    return this.topChars(p, k);
  }

  /**
   * {@link CharLM.next} for many texts in one forward pass (e.g. a server answering concurrent
   * requests): the texts are post-padded to the longest, the recurrent layers run with the padding
   * mask (padded steps leave the state untouched), and each text's distribution is read at its own
   * last character — so every answer equals `next(text, top)`. A text `next` would reject (empty,
   * not a string, unknown character) gets `{ ok: false, error }` with that same error (its `where`
   * names `text`, as `next`'s does) and the others are still answered. A bad `top` or a disposed
   * model throws for the whole call. One pass costs about as much as one `next` on small models,
   * but every row pays for the longest text's steps, so group texts of similar length.
   *
   * @example
   * const [a, b, c] = lm.nextBatch(['hihel', 'hi', 'hex'], 2);
   * a;   // { ok: true, next: [{ char: 'l', p: 0.97 }, { char: 'o', p: 0.01 }] }   (= lm.next('hihel', 2))
   * c;   // { ok: false, error: SeqcastError UNKNOWN_CHAR 'character "x" (U+0078) at position 2 of text …' }
   */
  nextBatch(texts: readonly string[], top = 5): NextBatchResult[] {
    const steps = this.nextBatchSteps(texts, top);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /**
   * {@link CharLM.nextBatch} reading the texts `chunk` characters at a time, the recurrent state
   * carried from chunk to chunk: it yields after every chunk but the last, so a caller (a server)
   * can spread a long pass over several turns of its event loop, and returns what `nextBatch`
   * returns. Arguments are checked on the first `next()`; stopping early (`return()`) frees
   * every tensor.
   *
   * @example
   * const it = lm.nextBatchSteps([longText], 3, 50);
   * let r = it.next();
   * while (!r.done) r = it.next();   // r.value equals lm.nextBatch([longText], 3)
   */
  *nextBatchSteps(texts: readonly string[], top = 5, chunk = Infinity): Generator<void, NextBatchResult[], undefined> {
    const k = checkValue('top', intField(1), top);
    if (!Array.isArray(texts)) throw badArg('texts', `must be an array of strings (received ${typeof texts})`);
    checkValue('chunk', chunkField, chunk);
    this.assertUsable();
    const results = new Array<NextBatchResult>(texts.length);
    const rows: Int32Array[] = [];
    const rowOf: number[] = []; // texts index of each encoded row
    texts.forEach((text, i) => {
      try {
        rows.push(this.encodeNonEmpty(text, 'text'));
        rowOf.push(i);
      } catch (e) {
        if (!(e instanceof SeqcastError)) throw e;
        results[i] = { ok: false, error: e };
      }
    });
    if (rows.length === 0) return results;
    const padded = padSequences(rows);
    const { batch, steps } = padded;
    const width = Math.min(steps, Math.floor(chunk));
    const withCell = this.cell.states === 2;
    let state: tf.Tensor2D[] | undefined;
    let probs: tf.Tensor | undefined;
    try {
      for (let t0 = 0; t0 < steps; t0 += width) {
        const t1 = Math.min(steps, t0 + width);
        const ids = new Int32Array(batch * (t1 - t0));
        const mask = new Float32Array(batch * (t1 - t0));
        for (let b = 0; b < batch; b++) {
          ids.set(padded.data.subarray(b * steps + t0, b * steps + t1), b * (t1 - t0));
          mask.set(padded.mask.subarray(b * steps + t0, b * steps + t1), b * (t1 - t0));
        }
        const prev = state;
        // Padded steps keep the state, so each row's final state is its state after its last character.
        state = tf.tidy(() => {
          const prevStates = prev ? unflattenStates(prev, withCell) : undefined;
          const { states } = this.recur(tf.tensor2d(ids, [batch, t1 - t0], 'int32'), {
            ...(prevStates ? { state: prevStates } : {}),
            mask: tf.tensor2d(mask, [batch, t1 - t0]),
          });
          return flattenStates(states);
        });
        if (prev) tf.dispose(prev);
        if (t1 < steps) yield;
      }
      const last = state!;
      // The head runs on each row's last state only ([B,H]), not on every step.
      probs = tf.tidy(() => tf.softmax(this.head(unflattenStates(last, withCell).at(-1)!.h)));
      const flat = probs.dataSync();
      const V = this.config.vocabSize;
      rowOf.forEach((i, r) => {
        results[i] = { ok: true, next: this.topChars(flat.subarray(r * V, (r + 1) * V), k) };
      });
      return results;
    } finally {
      if (state) tf.dispose(state);
      probs?.dispose();
    }
  }

  /**
   * Sample `length` characters following `prefix` (the continuation only). The recurrent state is
   * carried from step to step, so the prefix is read once.
   *
   * @example
   * lm.generate('if you', 20, { temperature: 0.5, topK: 3, seed: 1 });
   */
  generate(prefix: string, length: number, opts: GenerateOptions = {}): string {
    let out = '';
    for (const c of this.generateSteps(prefix, length, opts)) out += c;
    return out;
  }

  /**
   * {@link generate} one character at a time, so a caller can spread a long generation over
   * several turns of an event loop (same seed, same characters). Arguments are checked on the
   * first `next()`; stopping early (`return()`, or `break` in a for-of) frees every tensor.
   *
   * @example
   * const it = lm.generateSteps('if you', 500, { seed: 1 });
   * for (let r = it.next(); !r.done; r = it.next()) process.stdout.write(r.value);
   */
  generateSteps(prefix: string, length: number, opts: GenerateOptions = {}): Generator<string, void, undefined> {
    return generateCharacters(this, prefix, length, opts);
  }

  /**
   * Next-character accuracy and mean cross-entropy on `text`, cut into the training windows
   * (length seqLength). Each character after the first is predicted exactly once, from the longest
   * context one window gives: all steps of the first window, then the last step of every later one
   * (how the lecture reads back the sentence).
   *
   * @example
   * lm.evaluate(sentence);   // { accuracy: 0.994…, loss: 0.010…, windows: 170, predictions: 179 }
   */
  evaluate(text: string): CharEvaluation {
    const ids = this.encodeNonEmpty(text, 'text');
    if (ids.length < 2) throw new SeqcastError('BAD_INPUT', 'evaluation text needs at least 2 characters');
    const L = Math.min(this.config.seqLength, ids.length - 1);
    const windows = ids.length - L;
    let correct = 0;
    let nll = 0;
    for (let start = 0; start < windows; start += INFERENCE_CHUNK) {
      const n = Math.min(INFERENCE_CHUNK, windows - start);
      const x = new Int32Array(n * L);
      for (let r = 0; r < n; r++) x.set(ids.subarray(start + r, start + r + L), r * L);
      const logpT = tf.tidy(() => tf.logSoftmax(this.forward(tf.tensor2d(x, [n, L], 'int32')).logits));
      const logp = logpT.dataSync();
      logpT.dispose();
      const V = this.config.vocabSize;
      for (let r = 0; r < n; r++) {
        const w = start + r;
        for (let t = w === 0 ? 0 : L - 1; t < L; t++) {
          const target = ids[w + t + 1]!;
          const off = (r * L + t) * V;
          let best = 0;
          for (let v = 1; v < V; v++) if (logp[off + v]! > logp[off + best]!) best = v;
          if (best === target) correct++;
          nll -= logp[off + target]!;
        }
      }
    }
    const predictions = ids.length - 1;
    return { accuracy: correct / predictions, loss: nll / predictions, windows, predictions };
  }

  /**
   * Write the model directory: standard model.json + weights.bin and seqcast.json (kind "chars",
   * config, vocabulary, training info), plus any `files` (a training checkpoint) in the same
   * atomic rename. An existing model is replaced only with `overwrite`, and anything else at
   * `dir` is refused (see checkSaveTarget).
   */
  async save(dir: string, options: SaveOptions & { files?: Record<string, Uint8Array | string> } = {}): Promise<void> {
    this.assertUsable();
    await saveModelDir<CharLMConfig, CharLMExtra>(
      dir,
      this.model,
      { kind: 'chars', config: this.config, extra: { vocabulary: this.vocabulary.toJSON(), training: this.trainingInfo } },
      options,
    );
  }

  /**
   * Load a directory written by `save`. A missing, corrupt or foreign directory is a SeqcastError
   * (NOT_FOUND / BAD_MODEL) naming the file and field.
   */
  static async load(dir: string): Promise<CharLM> {
    await initBackend();
    await initKernels();
    const meta = await readModelMetadata<Partial<CharLMConfig>, Partial<CharLMExtra>>(dir, 'chars');
    const file = `${dir}/${METADATA_JSON}`;
    const config = validateConfig(meta.config, `${file}#config.`, 'BAD_MODEL');
    const extra = (typeof meta.extra === 'object' && meta.extra) || {};
    const vocabulary = Vocabulary.fromJSON(extra.vocabulary, `${file}#extra.vocabulary`);
    if (vocabulary.size !== config.vocabSize) {
      throw new SeqcastError('BAD_MODEL', `${file}: vocabulary has ${vocabulary.size} characters but config.vocabSize is ${config.vocabSize}`, {
        where: `${file}#extra.vocabulary`,
      });
    }
    const model = await loadLayersModelDir(dir);
    try {
      return new CharLM(model, vocabulary, config, (extra.training as CharLMTrainingInfo | undefined) ?? null, dir);
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  /** Free the weights. The instance is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }
}
