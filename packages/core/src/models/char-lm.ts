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
import { z } from 'zod';
import { SeqcastError } from '../errors.js';
import { cellField, checkValue, intField, parseOptions, positiveField } from '../options.js';
import { planTrainingBatch, type TrainingShape } from '../training-memory.js';
import { loadLayersModelDir, METADATA_JSON, readModelMetadata, saveModelDir, type SaveOptions } from '../io/model-dir.js';
import type { RecurrentCell } from '../nn/cells/cell.js';
import type { SequenceResult } from '../nn/types.js';
import { getCell, layerMismatch, setInitialBias } from '../nn/cells/registry.js';
import { cellSequence, denseSoftmaxCrossEntropy, initKernels, kernelStatus } from '../nn/kernels.js';
import { trainLoop, type EpochEnd } from '../train/loop.js';
import { padSequences, sequenceCrossEntropy } from '../nn/sequence.js';
import { seededRandom, shuffledIndices } from '../random.js';
import { backendInfo, initBackend } from '../runtime/backend.js';
import { Vocabulary, type VocabularyJSON } from '../vocab.js';
import type { CorpusTrainingRecord } from './char-corpus-types.js';
import { sampleLogits } from './sampling.js';

import type { CellType } from '../nn/cells/cell.js';
export type { CellType };

/** The architecture of a CharLM (what `fromConfig` needs besides the vocabulary). */
export interface CharLMConfig {
  cell: CellType;
  /** Stacked recurrent layers (>= 1). */
  layers: number;
  /** Units per recurrent layer. */
  hidden: number;
  /** Window length L used in training. */
  seqLength: number;
  /**
   * Dense softmax head after the recurrent layers (lab 12-4). `false` uses the last layer's
   * outputs directly as logits (lab 12-3), which requires hidden === vocabSize.
   */
  dense: boolean;
  vocabSize: number;
}

/**
 * The options table of {@link CharLM.train}: type, range, default and meaning of every option in
 * one place (only `seqLength` is required); `train` parses with it.
 */
export const charLMOptionsSchema = z.object({
  seqLength: intField(1, 1_000_000).meta({ description: 'Window length L (required)' }),
  cell: cellField().default('lstm').meta({ description: "A registered cell: 'lstm' or 'gru' built in" }),
  layers: intField(1, 64).default(1).meta({ description: 'Stacked recurrent layers' }),
  hidden: intField(1, 65536).optional().meta({ description: 'Units per layer. Default: the vocabulary size (as in the lecture)' }),
  dense: z.boolean().default(true).meta({ description: 'Dense softmax head (lab 12-4); false uses the last layer as logits (lab 12-3)' }),
  epochs: intField(1).default(100).meta({ description: 'Passes over every training window' }),
  learningRate: positiveField(1e6).default(0.1).meta({ description: "Adam learning rate (the lecture's 0.1)" }),
  batchSize: intField(1).optional().meta({
    description: 'Windows per batch. Default: all windows (as in the lecture), capped to the training memory budget; a larger explicit batch is refused',
  }),
  seed: intField(0, 2 ** 31 - 1)
    .default(777)
    .meta({ description: "Seeds weight initialisers and the batch shuffle (the lecture's 777)" }),
});

/** Options for {@link CharLM.train} (see {@link charLMOptionsSchema} for defaults and ranges). */
export type CharLMOptions = z.input<typeof charLMOptionsSchema>;

/**
 * The memory shape of a CharLM's training window (for {@link planTrainingBatch}).
 *
 * @example
 * planTrainingBatch(charLMTrainingShape({ cell: 'lstm', layers: 2, hidden: 256, seqLength: 50, dense: true, vocabSize: 60 }), { windows: 60_000 });
 */
export function charLMTrainingShape(c: Pick<CharLMConfig, 'cell' | 'layers' | 'hidden' | 'seqLength' | 'vocabSize'>): TrainingShape {
  return { cell: c.cell, layers: c.layers, units: c.hidden, steps: c.seqLength, inputs: c.vocabSize, outputs: c.vocabSize };
}

/** What training recorded (saved with the model). */
export interface CharLMTrainingInfo {
  epochs: number;
  learningRate: number;
  batchSize: number;
  seed: number;
  /** Number of training windows. */
  windows: number;
  /** Mean training loss of the last epoch. */
  loss: number;
  /** {@link CharLM.evaluate} accuracy on the training text after training. */
  accuracy: number;
  elapsedMs: number;
  backend: string;
  kernels: string;
  trainedAt: string;
  /** Present when the model was trained on a corpus in streams (see char-corpus.ts). */
  corpus?: CorpusTrainingRecord;
}

/**
 * Progress reported after every epoch: the one progress shape ({@link TrainProgress}: `step` of
 * `steps` optimizer steps, `elapsedMs`, `etaMs`) with the epoch, `loss` being its mean.
 */
export type EpochProgress = EpochEnd;

export interface TrainCallbacks {
  /** After every epoch. */
  onProgress?(p: EpochProgress): void;
  /** @deprecated Use `onProgress` (the same object). */
  onEpoch?(p: EpochProgress): void;
  /** Aborting stops training between batches; `train` then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options for {@link CharLM.generate}. */
export interface GenerateOptions {
  /** Softmax temperature (default 1); 0 picks the most likely character every step. */
  temperature?: number;
  /** Sample only among the K most likely characters (default: all). */
  topK?: number;
  /** Nucleus sampling: only the most likely characters whose probabilities sum to at least P (0 < P <= 1; default 1 = all). */
  topP?: number;
  /** Sampling seed (default: random). The same seed always gives the same text. */
  seed?: number;
  /**
   * {@link CharLM.generateSteps} only: read the prefix this many characters at a time, yielding
   * an empty string after each chunk, so a server can interleave a long prefix with other work
   * (default: the whole prefix in one step). The characters generated are the same.
   */
  prefixChunk?: number;
}

/** Result of {@link CharLM.evaluate}. */
export interface CharEvaluation {
  /** Fraction of characters text[1..] predicted right (each predicted once, see evaluate). */
  accuracy: number;
  /** Mean cross-entropy (nats) of those predictions. */
  loss: number;
  /** Windows the text was cut into. */
  windows: number;
  /** Characters predicted (text length - 1). */
  predictions: number;
}

/** One candidate next character and its probability (what {@link CharLM.next} returns a list of). */
export interface NextChar {
  char: string;
  p: number;
}

/**
 * One text's answer from {@link CharLM.nextBatch}: the same list `next` returns, or the
 * SeqcastError `next` would have thrown for that text alone.
 */
export type NextBatchResult = { ok: true; next: NextChar[] } | { ok: false; error: SeqcastError };

/** seqcast.json "extra" of a chars model. */
interface CharLMExtra {
  vocabulary: VocabularyJSON;
  training: CharLMTrainingInfo | null;
}

interface LayerState {
  h: tf.Tensor2D;
  c?: tf.Tensor2D;
}

interface RecurrentWeights {
  kernel: tf.Tensor2D;
  recurrentKernel: tf.Tensor2D;
  bias: tf.Tensor1D;
}

const INFERENCE_CHUNK = 256;

function badArg(field: string, msg: string): SeqcastError {
  return new SeqcastError('BAD_ARGUMENT', `${field} ${msg}`, { where: field });
}

/** A number >= 1, Infinity included (a chunk size: Infinity = all at once). */
const chunkField = z.custom<number>((v) => typeof v === 'number' && v >= 1, { error: 'must be a number >= 1' });

/** The options table of {@link CharLM.generate} (see {@link GenerateOptions}). */
export const generateOptionsSchema = z.object({
  temperature: z
    .number({ error: 'must be a number >= 0' })
    .min(0, { error: 'must be a number >= 0' })
    .default(1)
    .meta({ description: 'Softmax temperature; 0 picks the most likely character every step' }),
  topK: intField(1).optional().meta({ description: 'Sample only among the K most likely characters (default: all)' }),
  topP: z
    .number({ error: 'must be a number in (0, 1]' })
    .gt(0, { error: 'must be a number in (0, 1]' })
    .max(1, { error: 'must be a number in (0, 1]' })
    .default(1)
    .meta({ description: 'Nucleus sampling: the most likely characters whose probabilities sum to at least P' }),
  seed: z.number().int().optional().meta({ description: 'Sampling seed (default: random)' }),
  prefixChunk: chunkField.default(Infinity).meta({ description: 'generateSteps: read the prefix this many characters at a time' }),
});

/** The architecture table (what `seqcast.json` stores as `config`; see {@link CharLMConfig}). */
const charLMConfigSchema = z.object({
  cell: cellField(),
  layers: intField(1, 64),
  hidden: intField(1, 65536),
  seqLength: intField(1, 1_000_000),
  dense: z.boolean(),
  vocabSize: intField(1),
});

/** Check a config read from a file or given by a caller; `where` prefixes field names. */
function validateConfig(c: Partial<CharLMConfig>, where: string, code: 'BAD_ARGUMENT' | 'BAD_MODEL'): CharLMConfig {
  try {
    const config: CharLMConfig = parseOptions(charLMConfigSchema, c, where);
    if (!config.dense && config.hidden !== config.vocabSize) {
      throw badArg(`${where}hidden`, `must equal the vocabulary size (${config.vocabSize}) when there is no dense head (received ${config.hidden})`);
    }
    return config;
  } catch (e) {
    if (e instanceof SeqcastError && code === 'BAD_MODEL') throw new SeqcastError('BAD_MODEL', e.message, e.details, { cause: e });
    throw e;
  }
}

/** The standard tfjs model holding a CharLM's weights (also what stock loadLayersModel sees). */
function buildContainer(config: CharLMConfig, seed: number, orthogonal: 'tfjs' | 'fast' = 'tfjs'): tf.LayersModel {
  return quietOrthogonal(() => buildLayers(config, seed, orthogonal));
}

/**
 * A [rows, cols] matrix with orthonormal rows (rows <= cols) or columns, by Gram–Schmidt on seeded
 * Gaussian vectors in float64. The same distribution as tfjs's orthogonal initialiser, whose QR on
 * the wasm backend takes minutes for a 256x1024 recurrent kernel; this takes milliseconds.
 */
function orthogonalMatrix(rows: number, cols: number, seed: number): Float32Array {
  const n = Math.min(rows, cols);
  const len = Math.max(rows, cols);
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const vs: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = Float64Array.from({ length: len }, gauss);
    // Twice, for orthogonality to working precision.
    for (let pass = 0; pass < 2; pass++) {
      for (const u of vs) {
        let dot = 0;
        for (let k = 0; k < len; k++) dot += u[k]! * v[k]!;
        for (let k = 0; k < len; k++) v[k]! -= dot * u[k]!;
      }
    }
    let norm = 0;
    for (let k = 0; k < len; k++) norm += v[k]! * v[k]!;
    norm = Math.sqrt(norm);
    for (let k = 0; k < len; k++) v[k]! /= norm;
    vs.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < len; k++) {
      if (rows <= cols) out[i * cols + k] = vs[i]![k]!;
      else out[k * cols + i] = vs[i]![k]!;
    }
  }
  return out;
}

function buildLayers(config: CharLMConfig, seed: number, orthogonal: 'tfjs' | 'fast'): tf.LayersModel {
  const { vocabSize: V, hidden: H } = config;
  const cell = getCell(config.cell);
  // Each initialiser gets its own seed: equal seeds would give equal random streams.
  let k = 0;
  const nextSeed = () => seed * 1009 + ++k;
  const input = tf.input({ shape: [null, V], name: 'chars' });
  let x = input as tf.SymbolicTensor;
  for (let l = 0; l < config.layers; l++) {
    const args = {
      units: H,
      returnSequences: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
      recurrentInitializer: orthogonal === 'tfjs' ? tf.initializers.orthogonal({ seed: nextSeed() }) : tf.initializers.zeros(),
      name: `${config.cell}_${l + 1}`,
    };
    const rkSeed = orthogonal === 'fast' ? nextSeed() : 0;
    const layer = cell.layer(args);
    x = layer.apply(x) as tf.SymbolicTensor;
    if (orthogonal === 'fast') {
      const [k, , b] = layer.getWeights();
      const G = cell.gates * H;
      const rk = tf.tensor2d(orthogonalMatrix(H, G, rkSeed), [H, G]);
      layer.setWeights([k!, rk, b!]);
      rk.dispose();
    }
    setInitialBias(cell, layer, H);
  }
  const head = config.dense
    ? tf.layers.dense({ units: V, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }), name: 'softmax' })
    : tf.layers.activation({ activation: 'softmax', name: 'softmax' });
  return tf.model({ inputs: input, outputs: head.apply(x) as tf.SymbolicTensor, name: 'charlm' });
}

/**
 * tfjs warns ("Orthogonal initializer is being called on a matrix with more than 2000 elements")
 * for any recurrent kernel above 2000 weights, e.g. hidden 25. The cost is a one-off QR at build
 * time, so that one warning is filtered out while layers are built; every other warning passes.
 */
function quietOrthogonal<T>(build: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Orthogonal initializer')) return;
    warn(...args);
  };
  try {
    return build();
  } finally {
    console.warn = warn;
  }
}

/** Pick the recurrent and dense weights out of a container; anything unexpected is BAD_MODEL. */
function extractWeights(model: tf.LayersModel, config: CharLMConfig, cell: RecurrentCell, where: string) {
  const bad = (msg: string) => new SeqcastError('BAD_MODEL', `${where}: ${msg}`, { where });
  const rnn = model.layers.filter((l) => l.getClassName() === cell.className);
  if (rnn.length !== config.layers) throw bad(`expected ${config.layers} ${cell.className} layer(s), found ${rnn.length}`);
  const recurrent: RecurrentWeights[] = rnn.map((layer, i) => {
    const problem = layerMismatch(cell, layer, i === 0 ? config.vocabSize : config.hidden, config.hidden);
    if (problem) throw bad(problem);
    const [kernel, recurrentKernel, bias] = layer.weights.map((v) => v.read());
    return { kernel: kernel as tf.Tensor2D, recurrentKernel: recurrentKernel as tf.Tensor2D, bias: bias as tf.Tensor1D };
  });
  let dense: { kernel: tf.Tensor2D; bias: tf.Tensor1D } | undefined;
  if (config.dense) {
    const layer = model.layers.find((l) => l.getClassName() === 'Dense');
    const [kernel, bias] = layer ? layer.weights.map((v) => v.read()) : [];
    if (!kernel || kernel.shape.join() !== `${config.hidden},${config.vocabSize}` || !bias || bias.shape.join() !== `${config.vocabSize}`) {
      throw bad(`the dense softmax layer is missing or does not match the config`);
    }
    dense = { kernel: kernel as tf.Tensor2D, bias: bias as tf.Tensor1D };
  }
  return { recurrent, dense };
}

function flattenStates(states: LayerState[]): tf.Tensor2D[] {
  return states.flatMap((s) => (s.c ? [s.h, s.c] : [s.h]));
}

function unflattenStates(flat: tf.Tensor2D[], withCell: boolean): LayerState[] {
  const out: LayerState[] = [];
  for (let i = 0; i < flat.length; i += withCell ? 2 : 1) out.push(withCell ? { h: flat[i]!, c: flat[i + 1]! } : { h: flat[i]! });
  return out;
}

function argTop(p: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: p.length }, (_, i) => i);
  idx.sort((a, b) => p[b]! - p[a]! || a - b);
  return idx.slice(0, k);
}

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
    await initBackend();
    await initKernels();
    if (typeof text !== 'string' || text.length === 0) throw new SeqcastError('BAD_INPUT', 'training text is empty');
    const vocabulary = Vocabulary.fromText(text);
    const ids = vocabulary.encode(text);
    const o = parseOptions(charLMOptionsSchema, options);
    const L = o.seqLength;
    const windows = ids.length - L;
    if (windows < 1) {
      throw new SeqcastError('BAD_INPUT', `training text has ${ids.length} characters; seqLength ${L} needs at least ${L + 1}`, {
        where: 'seqLength',
      });
    }
    const { epochs, learningRate: lr, batchSize: asked, seed } = o;
    const config = validateConfig(
      {
        cell: o.cell,
        layers: o.layers,
        hidden: o.hidden ?? vocabulary.size,
        seqLength: L,
        dense: o.dense,
        vocabSize: vocabulary.size,
      },
      '',
      'BAD_ARGUMENT',
    );
    // Before any tensor exists: the default batch (every window) is capped to the memory budget,
    // and a batch or model that cannot fit is refused naming the option.
    const { batchSize } = planTrainingBatch(charLMTrainingShape(config), {
      windows,
      vocabulary: { where: 'text', unitsFollow: o.hidden === undefined },
      ...(asked !== undefined ? { batchSize: asked } : {}),
    });
    const lm = new CharLM(buildContainer(config, seed), vocabulary, config, null, 'model');
    try {
      const fitted = await lm.fit(ids, { epochs, lr, batchSize, seed }, callbacks);
      const started = Date.now() - fitted.elapsedMs;
      const evaluation = lm.evaluate(text);
      lm.trainingInfo = {
        epochs,
        learningRate: lr,
        batchSize,
        seed,
        windows,
        loss: fitted.loss,
        accuracy: evaluation.accuracy,
        elapsedMs: fitted.elapsedMs,
        backend: backendInfo()?.name ?? tf.getBackend(),
        kernels: kernelStatus().path,
        trainedAt: new Date(started).toISOString(),
      };
      return lm;
    } catch (e) {
      lm.dispose();
      throw e;
    }
  }

  /** Training over windows of `ids`: batches in a seeded order, run by the one training loop. */
  private async fit(
    ids: Int32Array,
    o: { epochs: number; lr: number; batchSize: number; seed: number },
    cb: TrainCallbacks,
  ): Promise<{ loss: number; elapsedMs: number }> {
    const L = this.config.seqLength;
    const windows = ids.length - L;
    const rand = seededRandom(o.seed);
    const makeBatch = (rows: ArrayLike<number>) => {
      const x = new Int32Array(rows.length * L);
      const y = new Int32Array(rows.length * L);
      for (let r = 0; r < rows.length; r++) {
        const start = rows[r]!;
        x.set(ids.subarray(start, start + L), r * L);
        y.set(ids.subarray(start + 1, start + L + 1), r * L);
      }
      return { x: tf.tensor2d(x, [rows.length, L], 'int32'), y: tf.tensor2d(y, [rows.length, L], 'int32') };
    };
    const fullBatch = o.batchSize >= windows;
    // One batch of all windows: build it once, not every epoch.
    const full = fullBatch ? makeBatch(Array.from({ length: windows }, (_, i) => i)) : undefined;
    const batches = Math.ceil(windows / o.batchSize);
    const rows = (step: number) => Math.min(o.batchSize, windows - (step % batches) * o.batchSize);
    let order: Int32Array | undefined;
    try {
      const r = await trainLoop({
        variables: this.model.trainableWeights.map((w) => w.read() as tf.Variable),
        steps: o.epochs * batches,
        learningRate: o.lr,
        loss: (step) => {
          if (full) return this.trainingLoss(full.x, full.y);
          if (step % batches === 0) order = shuffledIndices(windows, rand);
          const from = (step % batches) * o.batchSize;
          // Built inside the optimizer's tape, which frees it with every other intermediate.
          const batch = makeBatch(order!.subarray(from, from + rows(step)));
          return this.trainingLoss(batch.x, batch.y);
        },
        epoch: {
          steps: batches,
          weight: rows,
          onEnd: (e) => {
            const { score: _, ...progress } = e;
            cb.onProgress?.(progress);
            cb.onEpoch?.(progress);
          },
        },
        ...(cb.signal ? { signal: cb.signal } : {}),
        progressEvery: Number.MAX_SAFE_INTEGER,
      });
      return { loss: r.epochLoss!, elapsedMs: r.elapsedMs };
    } finally {
      if (full) tf.dispose([full.x, full.y]);
    }
  }

  /** Mean sequence cross-entropy of a batch; the dense head's loss goes through the seam (fused when active). */
  private trainingLoss(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
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
  *generateSteps(prefix: string, length: number, opts: GenerateOptions = {}): Generator<string, void, undefined> {
    const ids = this.encodeNonEmpty(prefix, 'prefix');
    const n = checkValue('length', intField(0, 1_000_000), length);
    const o = parseOptions(generateOptionsSchema, opts);
    const { temperature, topP, prefixChunk } = o;
    const topK = o.topK ?? this.vocabulary.size;
    const rand = seededRandom(o.seed ?? Math.floor(Math.random() * 2 ** 31));
    let state: LayerState[] | undefined;
    // All of the prefix but its last character is read in chunks first (when asked to); the
    // first step below then reads the rest, as it would have read the whole prefix.
    const width = Math.floor(Math.min(prefixChunk, ids.length));
    const head = n > 0 && width < ids.length ? ids.length - 1 : 0;
    let input: tf.Tensor2D | undefined;
    try {
      for (let t0 = 0; t0 < head; t0 += width) {
        const chunk = ids.subarray(t0, Math.min(head, t0 + width));
        const prev = state;
        const flat = tf.tidy(() => flattenStates(this.recur(tf.tensor2d(chunk, [1, chunk.length], 'int32'), prev ? { state: prev } : {}).states));
        if (prev) tf.dispose(flattenStates(prev));
        state = unflattenStates(flat, this.cell.states === 2);
        yield '';
      }
      input = tf.tensor2d(ids.subarray(head), [1, ids.length - head], 'int32');
      for (let step = 0; step < n; step++) {
        const prev = state;
        const x = input;
        const [logpT, ...flatState] = tf.tidy(() => {
          const { logits, states } = this.forward(x, prev);
          const t = logits.shape[1];
          const last = logits.slice([0, t - 1, 0], [1, 1, -1]).reshape([-1]);
          return [tf.logSoftmax(last), ...flattenStates(states)];
        });
        const logp = logpT!.dataSync();
        logpT!.dispose();
        if (prev) tf.dispose(flattenStates(prev));
        state = unflattenStates(flatState as tf.Tensor2D[], this.cell.states === 2);
        const next = sampleLogits(logp, { temperature, topK, topP }, rand);
        input.dispose();
        input = tf.tensor2d([next], [1, 1], 'int32');
        yield this.vocabulary.decode([next]);
      }
    } finally {
      input?.dispose();
      if (state) tf.dispose(flattenStates(state));
    }
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
