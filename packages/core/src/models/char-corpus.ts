/**
 * CharLM on a real corpus: char-rnn's truncated-BPTT scheme.
 *
 * The text is cut into B contiguous streams; training walks them side by side in chunks of T
 * characters, carrying each stream's recurrent state from one chunk to the next (detached: the
 * gradient stops at the chunk boundary). Memory is bounded by B·T·hidden whatever the text length,
 * because only one chunk's activations exist at a time (see estimateCorpusTrainingBytes).
 * Gradients are clipped by global norm, dropout may sit between layers, the learning rate may decay
 * per epoch; a validation split from the end of the text is scored every N steps in the same
 * streaming way and the best-validation weights are the ones kept.
 *
 * Training stops at the first budget reached (steps, wall-clock minutes, epochs). With a
 * checkpoint directory, the best model plus everything needed to continue (current weights, Adam's
 * moments, the streams' position and state, the counters) is written there atomically every N
 * steps, on interruption and at the end; resumeCharCorpus continues the same run from it.
 *
 * The lecture's sliding-window trainer (CharLM.train) is untouched; this is the path for texts
 * too long to hold every window.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';
import { parseOptions } from '../options.js';
import { CHECKPOINT_FILES, checkSaveTarget } from '../io/model-dir.js';
import { pathExists } from '../io/fs.js';
import { MAX_MODEL_JSON_BYTES, MAX_WEIGHTS_BYTES, MissingModelFile, readModelFile } from '../io/model-files.js';
import { adamOptimizer, initKernels, kernelStatus } from '../nn/kernels.js';
import { trainLoop, type TrainProgress } from '../train/loop.js';
import { backendInfo, initBackend } from '../runtime/backend.js';
import { showChar, Vocabulary } from '../vocab.js';
import { getCell } from '../nn/cells/registry.js';
import { planTrainingBatch } from '../training-memory.js';
import { CharLM, charLMTrainingShape, type CellType, type CharLMConfig } from './char-lm.js';
import { corpusTrainOptionsSchema, evaluateCorpusOptionsSchema, MIN_DEFAULT_VAL_CHARS } from './char-corpus-options.js';
import type { CorpusProgress, CorpusResumeOptions, CorpusTrainingRecord, CorpusTrainOptions, StopReason } from './char-corpus-types.js';

export type * from './char-corpus-types.js';

export { corpusTrainOptionsSchema, evaluateCorpusOptionsSchema, MIN_DEFAULT_VAL_CHARS } from './char-corpus-options.js';
/** Files a checkpoint adds to a model directory. */
export const [CHECKPOINT_JSON, CHECKPOINT_BIN] = CHECKPOINT_FILES as [string, string];
const CHECKPOINT_FORMAT = 'seqcast-corpus-checkpoint';
const CHECKPOINT_VERSION = 1;

/** A text as vocabulary ids, one per character (the narrowest array that holds the vocabulary). */
export type CorpusIds = Uint8Array | Uint16Array | Int32Array;

/** Callbacks for {@link trainCharCorpus} / {@link resumeCharCorpus}. */
export interface CorpusCallbacks {
  onStep?(p: CorpusProgress): void;
  /** After every validation (nats/char). */
  onValidation?(v: { step: number; loss: number; bitsPerChar: number; accuracy: number; best: boolean }): void;
  /** After every checkpoint written. */
  onCheckpoint?(c: { step: number; dir: string }): void;
  /**
   * Aborting stops training after the current step; with a checkpoint directory a checkpoint is
   * written first. `train` then rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

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

const LN2 = Math.log(2);

function badArg(field: string, msg: string): SeqcastError {
  return new SeqcastError('BAD_ARGUMENT', `${field} ${msg}`, { where: field });
}

/**
 * The vocabulary of a (possibly very long) text without materialising one string per character:
 * its distinct code points sorted, as Vocabulary.fromText gives.
 *
 * @example
 * corpusVocabulary('hihello').chars;   // ['e', 'h', 'i', 'l', 'o']
 */
export function corpusVocabulary(text: string): Vocabulary {
  if (typeof text !== 'string' || text.length === 0) throw new SeqcastError('BAD_INPUT', 'cannot build a vocabulary from empty text');
  const seen = new Uint8Array(65536);
  const astral = new Set<number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        astral.add(text.codePointAt(i)!);
        i++;
        continue;
      }
    }
    seen[c] = 1;
  }
  const cps: number[] = [];
  for (let c = 0; c < 65536; c++) if (seen[c]) cps.push(c);
  // One push per code point: spreading a large set as arguments overflows the call stack.
  for (const cp of [...astral].sort((a, b) => a - b)) cps.push(cp);
  return new Vocabulary(cps.map((cp) => String.fromCodePoint(cp)));
}

/**
 * Ids of every character of `text` in a compact array (1 byte per character for vocabularies up to
 * 256). Characters outside the vocabulary are one UNKNOWN_CHAR error naming each of them (up to 10)
 * with its first position; `where` names the source, e.g. "--text".
 *
 * @example
 * encodeCorpus(Vocabulary.fromText('hihello'), 'hell');   // Uint8Array [1, 0, 3, 3]
 */
export function encodeCorpus(vocabulary: Vocabulary, text: string, where = 'text'): CorpusIds {
  const V = vocabulary.size;
  const table = new Int32Array(65536).fill(-1);
  const astral = new Map<number, number>();
  vocabulary.chars.forEach((c, id) => {
    const cp = c.codePointAt(0)!;
    if (c.length === 1) table[c.charCodeAt(0)] = id;
    else astral.set(cp, id);
  });
  const out = V <= 256 ? new Uint8Array(text.length) : V <= 65536 ? new Uint16Array(text.length) : new Int32Array(text.length);
  const unknown = new Map<string, number>();
  let n = 0;
  for (let i = 0; i < text.length; i++, n++) {
    const c = text.charCodeAt(i);
    let id = table[c]!;
    let ch: string | undefined;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = text.codePointAt(i)!;
        id = astral.get(cp) ?? -1;
        ch = String.fromCodePoint(cp);
        i++;
      }
    }
    if (id < 0) {
      ch ??= text[i]!;
      if (!unknown.has(ch)) unknown.set(ch, n);
      continue;
    }
    out[n] = id;
  }
  if (unknown.size > 0) {
    const list = [...unknown];
    const [firstChar, firstPos] = list[0]!;
    const shown = list.slice(0, 10).map(([c, p]) => `${showChar(c)} at position ${p}`);
    const more = list.length > 10 ? ` and ${list.length - 10} more` : '';
    const message =
      list.length === 1
        ? `character ${shown[0]} of ${where} is not in the model's vocabulary (${V} characters)`
        : `${list.length} characters of ${where} are not in the model's vocabulary (${V} characters): ${shown.join(', ')}${more}`;
    throw new SeqcastError('UNKNOWN_CHAR', message, { where: `${where}[${firstPos}]`, char: firstChar, position: firstPos, chars: list.map(([c]) => c) });
  }
  return out.subarray(0, n);
}

/** A cheap fingerprint of a corpus (length + FNV-1a over up to ~1M sampled ids): tells a resume it has the same text. */
function fingerprint(ids: CorpusIds): string {
  const stride = Math.max(1, Math.floor(ids.length / 1_000_000));
  let h = 0x811c9dc5;
  for (let i = 0; i < ids.length; i += stride) h = Math.imul(h ^ ids[i]!, 0x01000193) >>> 0;
  return `${ids.length}:${h.toString(16)}`;
}

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

/** Options after defaults, as the checkpoint records them. */
interface ResolvedOptions {
  seqLength: number;
  batchSize: number;
  cell: CellType;
  layers: number;
  hidden: number;
  learningRate: number;
  lrDecay: number;
  anneal: number;
  clip: number;
  dropout: number;
  val: number;
  valEvery: number;
  steps: number | null;
  minutes: number | null;
  epochs: number | null;
  seed: number;
  checkpointEvery: number;
}

function resolveOptions(options: CorpusTrainOptions, textChars: number): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw badArg('options', 'must be an object');
  const { checkpointDir: _dir, overwrite: _overwrite, val, steps, minutes, epochs, ...o } = parseOptions(corpusTrainOptionsSchema, options);
  const budgets = { steps: steps ?? null, minutes: minutes ?? null, epochs: epochs ?? null };
  if (budgets.steps === null && budgets.minutes === null && budgets.epochs === null) budgets.epochs = 10;
  return { ...o, val: val ?? (textChars * 0.05 >= MIN_DEFAULT_VAL_CHARS ? 0.05 : 0), ...budgets };
}

/** The training and validation parts of a corpus, with the streams' geometry. */
interface Split {
  train: CorpusIds;
  val: CorpusIds | null;
  /** Characters per stream. */
  perStream: number;
  chunksPerEpoch: number;
  valStreams: number;
}

function splitCorpus(ids: CorpusIds, o: ResolvedOptions): Split {
  const valChars = Math.floor(ids.length * o.val);
  const trainChars = ids.length - valChars;
  const B = o.batchSize;
  const T = o.seqLength;
  const perStream = Math.floor((trainChars - 1) / B);
  if (perStream < T) {
    throw new SeqcastError(
      'BAD_INPUT',
      `the training text (${trainChars} characters${valChars ? ` after holding out ${valChars} for validation` : ''}) is too short for ` +
        `batchSize ${B} streams of at least seqLength ${T} characters; it needs ${B * T + 1} (use a smaller batchSize or seqLength)`,
      { where: 'batchSize' },
    );
  }
  let val: CorpusIds | null = null;
  let valStreams = 0;
  if (valChars > 0) {
    if (valChars < 2) throw badArg('val', `holds out ${valChars} character(s); validation needs at least 2`);
    val = ids.subarray(trainChars);
    valStreams = Math.max(1, Math.min(B, Math.floor((valChars - 1) / T)));
  }
  return { train: ids.subarray(0, trainChars), val, perStream, chunksPerEpoch: Math.floor(perStream / T), valStreams };
}

/** Where a run stands; saved in checkpoints. */
interface Progress {
  step: number;
  /** Chunk index within the current epoch. */
  chunk: number;
  epochsDone: number;
  chars: number;
  elapsedMs: number;
  trainLoss: number;
  lastVal: { loss: number; accuracy: number; step: number } | null;
  best: { loss: number; accuracy: number; step: number } | null;
}

interface CheckpointTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
}

interface CheckpointJSON {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  options: ResolvedOptions;
  corpus: { chars: number; fingerprint: string };
  progress: Progress;
  /** Current weights "w<i>", Adam's slots "opt:<entry>" and the streams' state "state<i>". */
  tensors: CheckpointTensor[];
}

type NamedTensor = { name: string; tensor: tf.Tensor };

function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  // Both tf.train.adam and the fused Adam read this field at every update.
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** One corpus training run (fresh or resumed). */
class CorpusRun {
  private readonly vars: tf.Variable[];
  private readonly optimizer: tf.Optimizer;
  private state: tf.Tensor2D[] | undefined;
  private bestWeights: Float32Array[] | null = null;
  private recent: number[] = [];

  constructor(
    private readonly lm: CharLM,
    private readonly ids: CorpusIds,
    private readonly split: Split,
    private readonly o: ResolvedOptions,
    private readonly p: Progress,
    private readonly checkpointDir: string | undefined,
  ) {
    this.vars = lm.trainableVariables();
    this.optimizer = adamOptimizer(o.learningRate);
  }

  /** Base rate, decayed per epoch, and annealed over the last part of the budget. */
  private learningRateAt(elapsedMs: number): number {
    const { o, p } = this;
    let lr = o.learningRate * Math.pow(o.lrDecay, p.epochsDone);
    const start = 1 - o.anneal;
    const f = this.fraction(elapsedMs);
    if (o.anneal > 0 && f > start) lr *= 1 - 0.9 * Math.min(1, (f - start) / o.anneal);
    return lr;
  }

  private get learningRate(): number {
    return this.learningRateAt(this.p.elapsedMs);
  }

  /** Restore weights, Adam's state and the streams' state from a checkpoint. */
  async restore(ck: CheckpointJSON, bin: Float32Array, file: string): Promise<void> {
    const get = (t: CheckpointTensor) => {
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (!Number.isInteger(t.offset) || t.offset < 0 || t.offset + size > bin.length) {
        throw new SeqcastError('BAD_MODEL', `${file}: tensor ${t.name} lies outside ${CHECKPOINT_BIN} (corrupt checkpoint?)`, { where: file });
      }
      return bin.subarray(t.offset, t.offset + size);
    };
    // The model directory holds the best weights: remember them before loading the current ones.
    this.bestWeights = this.p.best ? this.vars.map((v) => Float32Array.from(v.dataSync() as Float32Array)) : null;
    const slots: NamedTensor[] = [];
    const state: tf.Tensor2D[] = [];
    try {
      for (const t of ck.tensors) {
        const data = get(t);
        const w = /^w(\d+)$/.exec(t.name);
        if (w) {
          const v = this.vars[Number(w[1])];
          if (!v || v.shape.join() !== t.shape.join())
            throw new SeqcastError('BAD_MODEL', `${file}: weight ${t.name} does not match the model`, { where: file });
          tf.tidy(() => v.assign(tf.tensor(data, t.shape)));
        } else if (t.name.startsWith('opt:')) {
          const name = t.name.slice(4).replace(/^w(\d+)(?=\/)/, (_, i: string) => this.vars[Number(i)]?.name ?? `w${i}`);
          slots.push({ name, tensor: tf.tensor(t.dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data), t.shape, t.dtype) });
        } else if (t.name.startsWith('state')) {
          state.push(tf.tensor2d(Float32Array.from(data), t.shape as [number, number]));
        }
      }
      if (slots.length > 0) await this.optimizer.setWeights(slots);
    } finally {
      tf.dispose(slots.map((s) => s.tensor));
    }
    this.state = state.length > 0 ? state : undefined;
    if (this.p.chunk >= this.split.chunksPerEpoch) {
      // Checkpoints before the one loop ended an epoch lazily, at the next step; start the new pass now.
      this.p.chunk = 0;
      this.p.epochsDone += 1;
      this.dropState();
    }
    setLearningRate(this.optimizer, this.learningRate);
  }

  /**
   * Train until the first budget, through the one training loop: it owns the steps, the budgets
   * (counting the run before a resume), the learning-rate schedule, clipping, the NaN stop, the
   * ETA and the abort signal; this run supplies each chunk's loss and, after each step, carries
   * the streams' state, validates and checkpoints.
   */
  async run(cb: CorpusCallbacks): Promise<StopReason> {
    const { o, p, split } = this;
    const B = o.batchSize;
    const T = o.seqLength;
    const elapsedBefore = p.elapsedMs;
    const charsBefore = p.chars;
    const started = Date.now();
    const x = new Int32Array(B * T);
    const y = new Int32Array(B * T);
    let pending: tf.Tensor2D[] = [];
    let lastRate = this.learningRate;
    let stop: StopReason | null = this.budgetReached(elapsedBefore);
    try {
      if (stop === null) {
        const stepLimit = Math.min(o.steps ?? Infinity, o.epochs !== null ? o.epochs * split.chunksPerEpoch : Infinity);
        try {
          await trainLoop({
            variables: this.vars,
            optimizer: this.optimizer,
            steps: stepLimit,
            ...(o.minutes !== null ? { budgetMs: o.minutes * 60_000 } : {}),
            resumeFrom: { step: p.step, elapsedMs: elapsedBefore },
            learningRate: (_step, _steps, elapsedMs) => (lastRate = this.learningRateAt(elapsedMs)),
            clipNorm: o.clip,
            loss: () => {
              this.fillChunk(x, y, p.chunk * T);
              const r = this.lm.chunkLoss(tf.tensor2d(x, [B, T], 'int32'), tf.tensor2d(y, [B, T], 'int32'), this.state, o.dropout);
              // The state goes on to the next chunk as a plain value: the gradient stops here.
              pending = r.state.map((s) => tf.keep(s));
              return r.loss;
            },
            afterStep: async (s) => {
              if (this.state) tf.dispose(this.state);
              this.state = pending;
              pending = [];
              p.step = s.step;
              p.chunk += 1;
              p.chars += B * T;
              this.recent.push(s.loss);
              if (this.recent.length > 20) this.recent.shift();
              p.trainLoss = this.recent.reduce((a, b) => a + b, 0) / this.recent.length;
              if (split.val && p.step % o.valEvery === 0) this.validate(cb);
              p.elapsedMs = elapsedBefore + Date.now() - started;
              if (p.chunk >= split.chunksPerEpoch) {
                // A new pass: streams restart from their beginnings with a zero state (as char-rnn).
                p.chunk = 0;
                p.epochsDone += 1;
                this.dropState();
              }
              if (this.checkpointDir && !s.last && this.budgetReached(p.elapsedMs) === null && p.step % o.checkpointEvery === 0) await this.checkpoint(cb);
            },
            ...(cb.onStep
              ? {
                  progressEvery: 1,
                  onProgress: (t: TrainProgress) => {
                    const sessionMs = Math.max(1, Date.now() - started);
                    const progress: CorpusProgress = {
                      ...t,
                      epoch: p.epochsDone + p.chunk / split.chunksPerEpoch,
                      chars: p.chars,
                      charsPerSec: ((p.chars - charsBefore) * 1000) / sessionMs,
                      trainLoss: p.trainLoss,
                      learningRate: lastRate,
                      fraction: Math.min(1, this.fraction(t.elapsedMs)),
                    };
                    if (p.lastVal) Object.assign(progress, { valLoss: p.lastVal.loss, valBitsPerChar: p.lastVal.loss / LN2 });
                    cb.onStep!(progress);
                  },
                }
              : { progressEvery: Number.MAX_SAFE_INTEGER }),
            ...(cb.signal ? { signal: cb.signal } : {}),
          });
          stop = this.budgetReached(p.elapsedMs) ?? (o.minutes !== null ? 'minutes' : o.steps !== null ? 'steps' : 'epochs');
        } catch (e) {
          if (!cb.signal?.aborted) throw e;
          stop = 'interrupted';
        }
      }
      p.elapsedMs = elapsedBefore + Date.now() - started;
      if (split.val && p.lastVal?.step !== p.step && p.step > 0 && stop !== 'interrupted') {
        this.validate(cb);
        p.elapsedMs = elapsedBefore + Date.now() - started;
      }
      if (this.checkpointDir) await this.checkpoint(cb, stop);
      return stop;
    } finally {
      tf.dispose(pending);
      this.dropState();
    }
  }

  /** Fraction of the tightest budget used. */
  private fraction(elapsedMs: number): number {
    const { o, p, split } = this;
    const f: number[] = [];
    if (o.steps !== null) f.push(p.step / o.steps);
    if (o.minutes !== null) f.push(elapsedMs / (o.minutes * 60_000));
    if (o.epochs !== null) f.push((p.epochsDone + p.chunk / split.chunksPerEpoch) / o.epochs);
    return Math.max(0, ...f);
  }

  private budgetReached(elapsedMs: number): StopReason | null {
    return budgetReached(this.o, this.p, this.split, elapsedMs);
  }

  /** Chunk starting at `offset` of every stream: x = text[s+offset ...], y = the next characters. */
  private fillChunk(x: Int32Array, y: Int32Array, offset: number): void {
    const { batchSize: B, seqLength: T } = this.o;
    const { train } = this.split;
    const n = this.split.perStream;
    for (let b = 0; b < B; b++) {
      const from = b * n + offset;
      for (let t = 0; t < T; t++) {
        x[b * T + t] = train[from + t]!;
        y[b * T + t] = train[from + t + 1]!;
      }
    }
  }

  private dropState(): void {
    if (this.state) tf.dispose(this.state);
    this.state = undefined;
  }

  private validate(cb: CorpusCallbacks): void {
    const { p } = this;
    const r = evaluateCorpus(this.lm, this.split.val!, { streams: this.split.valStreams, chunk: this.o.seqLength });
    p.lastVal = { loss: r.loss, accuracy: r.accuracy, step: p.step };
    const best = !p.best || r.loss < p.best.loss;
    if (best) {
      p.best = { ...p.lastVal };
      this.bestWeights = this.vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    }
    cb.onValidation?.({ step: p.step, loss: r.loss, bitsPerChar: r.loss / LN2, accuracy: r.accuracy, best });
  }

  /** Swap the best weights in (for saving / returning), returning the current ones. */
  private swapInBest(): Float32Array[] | null {
    if (!this.bestWeights || this.p.best?.step === this.p.step) return null;
    const current = this.vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    this.assignAll(this.bestWeights);
    return current;
  }

  private assignAll(values: Float32Array[]): void {
    this.vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(values[i]!, v.shape))));
  }

  /** Put the kept weights into the model (the best-validation ones when there was validation). */
  finishWeights(): void {
    this.swapInBest();
  }

  record(stop: StopReason): CorpusTrainingRecord {
    const { o, p, split } = this;
    const chosen = p.best ?? null;
    return {
      scheme: 'streams',
      steps: p.step,
      chars: p.chars,
      charsPerSec: (p.chars * 1000) / Math.max(1, p.elapsedMs),
      trainLoss: p.trainLoss,
      valLoss: chosen ? chosen.loss : null,
      valBitsPerChar: chosen ? chosen.loss / LN2 : null,
      valAccuracy: chosen ? chosen.accuracy : null,
      bestStep: chosen ? chosen.step : p.step,
      trainChars: split.train.length,
      valChars: split.val?.length ?? 0,
      streams: o.batchSize,
      seqLength: o.seqLength,
      learningRate: o.learningRate,
      lrDecay: o.lrDecay,
      anneal: o.anneal,
      clip: o.clip,
      dropout: o.dropout,
      stoppedBy: stop,
      elapsedMs: p.elapsedMs,
    };
  }

  /** Write the best model plus the resume state into the checkpoint directory, atomically. */
  private async checkpoint(cb: CorpusCallbacks, stop: StopReason | null = null): Promise<void> {
    const dir = this.checkpointDir!;
    const parts: { name: string; data: Float32Array; shape: number[]; dtype: 'float32' | 'int32' }[] = [];
    this.vars.forEach((v, i) => parts.push({ name: `w${i}`, data: v.dataSync() as Float32Array, shape: v.shape, dtype: 'float32' }));
    const slots = await this.optimizer.getWeights();
    try {
      for (const s of slots) {
        const name = s.name.replace(/^(.*)(?=\/[^/]+$)/, (varName) => {
          const i = this.vars.findIndex((v) => v.name === varName);
          return i >= 0 ? `w${i}` : varName;
        });
        parts.push({
          name: `opt:${name}`,
          data: Float32Array.from(s.tensor.dataSync()),
          shape: s.tensor.shape,
          dtype: s.tensor.dtype === 'int32' ? 'int32' : 'float32',
        });
      }
    } finally {
      // tf.train.adam hands out its own variables; only the tensors made for this call are ours.
      for (const s of slots) if (!(s.tensor instanceof tf.Variable)) s.tensor.dispose();
    }
    this.state?.forEach((s, i) => parts.push({ name: `state${i}`, data: s.dataSync() as Float32Array, shape: s.shape, dtype: 'float32' }));
    let offset = 0;
    const tensors = parts.map((t) => {
      const entry = { name: t.name, shape: t.shape, dtype: t.dtype, offset };
      offset += t.data.length;
      return entry;
    });
    const bin = new Float32Array(offset);
    parts.forEach((t, i) => bin.set(t.data, tensors[i]!.offset));
    const json: CheckpointJSON = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      options: this.o,
      corpus: { chars: this.ids.length, fingerprint: fingerprint(this.ids) },
      progress: this.p,
      tensors,
    };
    this.lm.recordTraining(trainingInfo(this.o, this.record(stop ?? 'interrupted'), this.p, this.split));
    const current = this.swapInBest();
    try {
      // The target was checked when the run started (checkSaveTarget); later checkpoints replace this run's own.
      await this.lm.save(dir, { overwrite: true, files: { [CHECKPOINT_JSON]: JSON.stringify(json) + '\n', [CHECKPOINT_BIN]: new Uint8Array(bin.buffer) } });
    } finally {
      if (current) this.assignAll(current);
    }
    cb.onCheckpoint?.({ step: this.p.step, dir });
  }

  dispose(): void {
    this.dropState();
    this.optimizer.dispose();
  }
}

/** The first budget (steps, wall-clock minutes, epochs) the run has used up, or null. */
function budgetReached(o: ResolvedOptions, p: Progress, split: Split, elapsedMs: number): Exclude<StopReason, 'interrupted'> | null {
  if (o.steps !== null && p.step >= o.steps) return 'steps';
  if (o.minutes !== null && elapsedMs >= o.minutes * 60_000) return 'minutes';
  if (o.epochs !== null && p.epochsDone + p.chunk / split.chunksPerEpoch >= o.epochs) return 'epochs';
  return null;
}

function trainingInfo(o: ResolvedOptions, record: CorpusTrainingRecord, p: Progress, split: Split) {
  return {
    epochs: p.epochsDone,
    learningRate: o.learningRate,
    batchSize: o.batchSize,
    seed: o.seed,
    windows: split.chunksPerEpoch * o.batchSize,
    loss: p.trainLoss,
    accuracy: record.valAccuracy ?? NaN,
    elapsedMs: p.elapsedMs,
    backend: backendInfo()?.name ?? tf.getBackend(),
    kernels: kernelStatus().path,
    trainedAt: new Date(Date.now() - p.elapsedMs).toISOString(),
    corpus: record,
  };
}

/**
 * Refuse, before any tensor exists, a run whose streams (the batch) do not fit the training memory
 * budget, as every training is (see planTrainingBatch); the text's ids stay resident.
 */
function planCorpusMemory(config: CharLMConfig, o: ResolvedOptions, textChars: number): void {
  planTrainingBatch(charLMTrainingShape(config), {
    windows: o.batchSize,
    batchSize: o.batchSize,
    residentBytes: textChars * (config.vocabSize <= 256 ? 1 : 2),
    vocabulary: { where: 'text', unitsFollow: false },
  });
}

/** A trained corpus model and how its training went. */
export interface CorpusTrainResult {
  /** Holds the best-validation weights (the last ones without validation). */
  lm: CharLM;
  record: CorpusTrainingRecord;
}

async function runToEnd(run: CorpusRun, lm: CharLM, o: ResolvedOptions, p: Progress, split: Split, cb: CorpusCallbacks): Promise<CorpusTrainResult> {
  let stop: StopReason;
  try {
    stop = await run.run(cb);
  } finally {
    run.dispose();
  }
  if (stop === 'interrupted') throw cb.signal?.reason ?? new SeqcastError('INTERNAL', 'training interrupted');
  run.finishWeights();
  const record = run.record(stop);
  lm.recordTraining(trainingInfo(o, record, p, split));
  return { lm, record };
}

/**
 * Train a CharLM on a corpus with char-rnn's streaming truncated BPTT (see the top of this file).
 *
 * @example
 * const { lm, record } = await trainCharCorpus(text, { seqLength: 100, batchSize: 64, hidden: 256, minutes: 4, checkpointDir: 'models/republic' },
 *   { onStep: (p) => console.log(p.step, p.trainLoss, p.valLoss) });
 * record.valLoss;   // nats/char of the kept weights on the held-out 5 %
 */
export async function trainCharCorpus(text: string, options: CorpusTrainOptions, callbacks: CorpusCallbacks = {}): Promise<CorpusTrainResult> {
  await initBackend();
  await initKernels();
  if (typeof text !== 'string' || text.length === 0) throw new SeqcastError('BAD_INPUT', 'training text is empty');
  const o = resolveOptions(options, text.length);
  const vocabulary = corpusVocabulary(text);
  const ids = encodeCorpus(vocabulary, text);
  const split = splitCorpus(ids, o);
  const config: CharLMConfig = { cell: o.cell, layers: o.layers, hidden: o.hidden, seqLength: o.seqLength, dense: true, vocabSize: vocabulary.size };
  // Refused before any training: checkpoints never replace what is not this kind of model.
  if (options.checkpointDir) await checkSaveTarget(options.checkpointDir, { overwrite: options.overwrite === true });
  planCorpusMemory(config, o, ids.length);
  const lm = CharLM.forTraining(config, vocabulary, o.seed);
  const p: Progress = { step: 0, chunk: 0, epochsDone: 0, chars: 0, elapsedMs: 0, trainLoss: NaN, lastVal: null, best: null };
  try {
    const run = new CorpusRun(lm, ids, split, o, p, options.checkpointDir);
    return await runToEnd(run, lm, o, p, split, callbacks);
  } catch (e) {
    lm.dispose();
    throw e;
  }
}

async function readCheckpoint(dir: string): Promise<{ json: CheckpointJSON; bin: Float32Array; file: string }> {
  const file = path.join(dir, CHECKPOINT_JSON);
  let json: CheckpointJSON;
  try {
    json = JSON.parse((await readModelFile(dir, CHECKPOINT_JSON, MAX_MODEL_JSON_BYTES)).toString('utf8')) as CheckpointJSON;
  } catch (e) {
    if (e instanceof SeqcastError && !(e instanceof MissingModelFile)) throw e; // a link, a directory, over the limit
    const code = e instanceof MissingModelFile ? 'ENOENT' : (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `has no ${CHECKPOINT_JSON} (not a corpus training checkpoint)` : `${CHECKPOINT_JSON} is not valid JSON`;
    const missing = code === 'ENOENT' && !(await pathExists(dir));
    throw new SeqcastError(missing ? 'NOT_FOUND' : 'BAD_MODEL', `${dir} ${missing ? 'does not exist' : why}`, { where: file }, { cause: e });
  }
  if (json?.format !== CHECKPOINT_FORMAT || json.version !== CHECKPOINT_VERSION || !Array.isArray(json.tensors) || !json.progress || !json.options) {
    throw new SeqcastError('BAD_MODEL', `${file}: not a version ${CHECKPOINT_VERSION} seqcast corpus checkpoint`, { where: file });
  }
  const buf = await readModelFile(dir, CHECKPOINT_BIN, MAX_WEIGHTS_BYTES).catch((e: unknown) => {
    if (!(e instanceof MissingModelFile)) throw e;
    throw new SeqcastError('BAD_MODEL', `${dir}: ${CHECKPOINT_BIN} is missing`, { where: path.join(dir, CHECKPOINT_BIN) });
  });
  if (buf.byteLength % 4 !== 0) throw new SeqcastError('BAD_MODEL', `${dir}: ${CHECKPOINT_BIN} is truncated`, { where: path.join(dir, CHECKPOINT_BIN) });
  const bin = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { json, bin, file };
}

/**
 * Continue a run from the checkpoint in `dir` (written by trainCharCorpus with `checkpointDir`) on
 * the same text: weights, Adam's moments, the streams' position and state and the counters are
 * restored, so the run goes on as if never stopped. Budgets count the whole run (time before the
 * resume included); `options` may change them and the checkpoint settings. By default the run
 * keeps checkpointing into `dir`.
 *
 * @example
 * const { lm } = await resumeCharCorpus('models/republic', text, { minutes: 8 });
 */
export async function resumeCharCorpus(
  dir: string,
  text: string,
  options: CorpusResumeOptions = {},
  callbacks: CorpusCallbacks = {},
): Promise<CorpusTrainResult> {
  await initBackend();
  await initKernels();
  const { json, bin, file } = await readCheckpoint(dir);
  const lm = await CharLM.load(dir);
  try {
    const ids = encodeCorpus(lm.vocabulary, text, 'text');
    if (json.corpus.chars !== ids.length || json.corpus.fingerprint !== fingerprint(ids)) {
      throw new SeqcastError(
        'BAD_INPUT',
        `the text is not the one the checkpoint in ${dir} was trained on (${ids.length} characters, checkpoint: ${json.corpus.chars})`,
        {
          where: 'text',
        },
      );
    }
    const saved = json.options;
    const merged: CorpusTrainOptions = {
      ...saved,
      steps: options.steps ?? saved.steps ?? undefined,
      minutes: options.minutes ?? saved.minutes ?? undefined,
      epochs: options.epochs ?? saved.epochs ?? undefined,
      valEvery: options.valEvery ?? saved.valEvery,
      checkpointEvery: options.checkpointEvery ?? saved.checkpointEvery,
    } as CorpusTrainOptions;
    if (options.steps !== undefined || options.minutes !== undefined || options.epochs !== undefined) {
      // New budgets replace the old ones rather than adding to them.
      if (options.steps === undefined) delete merged.steps;
      if (options.minutes === undefined) delete merged.minutes;
      if (options.epochs === undefined) delete merged.epochs;
    }
    const o = resolveOptions(merged, ids.length);
    const split = splitCorpus(ids, o);
    const p: Progress = { ...json.progress };
    const spent = budgetReached(o, p, split, p.elapsedMs);
    if (spent !== null) {
      // Budgets count the whole run: without this a smaller one would train nothing and say nothing.
      const used = {
        steps: `${p.step} of ${o.steps} steps`,
        minutes: `${(p.elapsedMs / 60_000).toFixed(2)} of ${o.minutes} minutes`,
        epochs: `${(p.epochsDone + p.chunk / split.chunksPerEpoch).toFixed(2)} of ${o.epochs} epochs`,
      }[spent];
      throw new SeqcastError(
        'BAD_ARGUMENT',
        `${spent} budget used up: the run in ${dir} has used ${used}; budgets count the whole run, so give a larger one to continue it`,
        { where: spent },
      );
    }
    if (options.checkpointDir !== undefined && path.resolve(options.checkpointDir) !== path.resolve(dir)) {
      await checkSaveTarget(options.checkpointDir, { overwrite: options.overwrite === true });
    }
    planCorpusMemory(lm.config, o, ids.length);
    const run = new CorpusRun(lm, ids, split, o, p, options.checkpointDir ?? dir);
    try {
      await run.restore(json, bin, file);
    } catch (e) {
      run.dispose();
      throw e;
    }
    return await runToEnd(run, lm, o, p, split, callbacks);
  } catch (e) {
    lm.dispose();
    throw e;
  }
}
