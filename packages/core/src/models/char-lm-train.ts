/**
 * CharLM.train: a vocabulary from the text, the memory planner's batch, and the text's sliding
 * windows x = text[i:i+L], y = text[i+1:i+L+1] in seeded batches, run by the one training loop.
 */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';
import { parseOptions } from '../options.js';
import { planTrainingBatch } from '../training-memory.js';
import { initKernels, kernelStatus } from '../nn/kernels.js';
import { trainLoop } from '../train/loop.js';
import { seededRandom, shuffledIndices } from '../random.js';
import { backendInfo, initBackend } from '../runtime/backend.js';
import { Vocabulary } from '../vocab.js';
import { charLMOptionsSchema, charLMTrainingShape, validateConfig, type CharLMConfig, type CharLMOptions, type TrainCallbacks } from './char-lm-options.js';
import type { CharLMTrainingInfo } from './char-lm-options.js';

/** What window training needs of a model (CharLM). */
export interface WindowModel {
  readonly config: CharLMConfig;
  trainableVariables(): tf.Variable[];
  windowLoss(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar;
  evaluate(text: string): { accuracy: number };
  recordTraining(info: CharLMTrainingInfo): void;
  dispose(): void;
}

/**
 * Train a model made by `create` on the windows of `text` (what CharLM.train does). For CharLM.
 * @internal
 */
export async function trainOnWindows<M extends WindowModel>(
  text: string,
  options: CharLMOptions,
  callbacks: TrainCallbacks,
  create: (config: CharLMConfig, vocabulary: Vocabulary, seed: number) => M,
): Promise<M> {
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
  const lm = create(config, vocabulary, seed);
  try {
    const fitted = await fitWindows(lm, ids, { epochs, lr, batchSize, seed }, callbacks);
    const started = Date.now() - fitted.elapsedMs;
    const evaluation = lm.evaluate(text);
    lm.recordTraining({
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
    });
    return lm;
  } catch (e) {
    lm.dispose();
    throw e;
  }
}

/** Training over windows of `ids`: batches in a seeded order, run by the one training loop. */
async function fitWindows(
  lm: WindowModel,
  ids: Int32Array,
  o: { epochs: number; lr: number; batchSize: number; seed: number },
  cb: TrainCallbacks,
): Promise<{ loss: number; elapsedMs: number }> {
  const L = lm.config.seqLength;
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
      variables: lm.trainableVariables(),
      steps: o.epochs * batches,
      learningRate: o.lr,
      loss: (step) => {
        if (full) return lm.windowLoss(full.x, full.y);
        if (step % batches === 0) order = shuffledIndices(windows, rand);
        const from = (step % batches) * o.batchSize;
        // Built inside the optimizer's tape, which frees it with every other intermediate.
        const batch = makeBatch(order!.subarray(from, from + rows(step)));
        return lm.windowLoss(batch.x, batch.y);
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
