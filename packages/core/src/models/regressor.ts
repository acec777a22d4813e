/**
 * Many-to-one sequence regressor: a window of `window` time steps x `features` inputs -> the next
 * `horizon` values. One recurrent layer (a registered cell) reads the window; a dense head maps
 * its last state to the outputs.
 *
 * The weights live in a standard tf.LayersModel (input `window`, layers `rnn` and `head`), so a
 * saved directory loads with stock `tf.loadLayersModel`. The head starts at zero: an untrained
 * regressor predicts 0, the neutral answer when it learns the residual of another model (the
 * forecaster trains it on target - linear prediction and adds the two).
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { SeqcastError } from '../errors.js';
import { cellField, intField, parseOptions, positiveField } from '../options.js';
import { planTrainingBatch, type TrainingShape } from '../training-memory.js';
import { loadLayersModelDir, readModelMetadata, saveModelDir, type ModelMetadata, type SaveOptions } from '../io/model-dir.js';
import { getCell, layerMismatch, setInitialBias } from '../nn/cells/registry.js';
import { cellSequence, denseSquaredError, initKernels } from '../nn/kernels.js';
import { trainLoop, type TrainProgress } from '../train/loop.js';
import { seededRandom, shuffledIndices } from '../random.js';

/** The regressor's architecture table: window and features are required, the rest default. */
export const regressorConfigSchema = z.object({
  window: intField(1).meta({ description: 'Time steps per input window' }),
  features: intField(1).meta({ description: 'Inputs per time step' }),
  horizon: intField(1).default(1).meta({ description: 'Outputs per window (values 1..horizon steps ahead)' }),
  cell: cellField().default('lstm').meta({ description: "A registered recurrent cell ('lstm', 'gru', ...)" }),
  units: intField(1).default(32).meta({ description: 'Recurrent units' }),
});

/** Shape and architecture of a regressor (see {@link regressorConfigSchema}). */
export type RegressorConfig = z.output<typeof regressorConfigSchema>;

/** Training data: row-major flat arrays. */
export interface RegressorData {
  /** Number of examples. */
  n: number;
  /** [n, window, features] */
  x: Float32Array;
  /** [n, horizon] */
  y: Float32Array;
}

/** The options table of {@link SequenceRegressor.fit}; every field has a default. */
export const regressorFitOptionsSchema = z.object({
  epochs: intField(1).default(100).meta({ description: 'Maximum epochs' }),
  batchSize: intField(1).optional().meta({ description: 'Mini-batch size. Default 32, capped to the training memory budget' }),
  learningRate: positiveField(1e6).default(0.005).meta({ description: 'Adam learning rate' }),
  seed: z.number().int().default(0).meta({ description: 'Seed for the batch order' }),
  validation: z.custom<RegressorData>().optional().meta({ description: 'Validation data for early stopping (the best-validation weights are restored)' }),
  patience: intField(1).default(10).meta({ description: 'Epochs without validation improvement before stopping' }),
});

/** Options for {@link SequenceRegressor.fit} (see {@link regressorFitOptionsSchema}). */
export type RegressorFitOptions = z.input<typeof regressorFitOptionsSchema>;

/** Progress after every epoch: the one progress shape (`step` of `steps`, `etaMs`, ...) with the epoch. */
export interface RegressorEpoch extends TrainProgress {
  epoch: number;
  epochs: number;
  /** Mean training MSE of the epoch. */
  loss: number;
  /** Validation MSE after the epoch (when validation data was given). */
  valLoss?: number;
}

export interface RegressorCallbacks {
  /** After every epoch. */
  onProgress?(p: RegressorEpoch): void;
  /** @deprecated Use `onProgress` (the same object). */
  onEpoch?(p: RegressorEpoch): void;
  /** Aborting stops training between batches; `fit` then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface RegressorFitResult {
  epochs: number;
  bestEpoch: number;
  trainLoss: number;
  valLoss: number | null;
  /** 'diverged': the loss turned NaN and the best-validation weights were restored (with validation data). */
  stopped: 'early' | 'epochs' | 'diverged';
  elapsedMs: number;
}

function buildModel(c: RegressorConfig, seed: number): tf.LayersModel {
  const win = tf.input({ shape: [c.window, c.features], name: 'window' });
  const cell = getCell(c.cell);
  const rnnLayer = cell.layer({
    units: c.units,
    name: 'rnn',
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 1, gain: 1 }),
  });
  const rnn = rnnLayer.apply(win) as tf.SymbolicTensor;
  setInitialBias(cell, rnnLayer, c.units);
  // Zero head: the untrained recurrent path contributes nothing (see the file comment).
  const head = tf.layers.dense({ units: c.horizon, name: 'head', kernelInitializer: 'zeros' }).apply(rnn) as tf.SymbolicTensor;
  return tf.model({ inputs: win, outputs: head, name: 'regressor' });
}

function checkData(d: RegressorData, c: RegressorConfig, what: string): void {
  const expect = (arr: Float32Array | undefined, per: number, name: string) => {
    if (!arr || arr.length !== d.n * per) {
      throw new SeqcastError('BAD_INPUT', `${what}.${name} must hold ${d.n * per} values (received ${arr?.length ?? 0})`, {
        where: `${what}.${name}`,
      });
    }
  };
  if (!Number.isInteger(d.n) || d.n < 1) throw new SeqcastError('BAD_INPUT', `${what}.n must be a positive integer`, { where: `${what}.n` });
  expect(d.x, c.window * c.features, 'x');
  expect(d.y, c.horizon, 'y');
}

/**
 * A many-to-one recurrent regressor.
 *
 * @example
 * const reg = SequenceRegressor.create({ window: 8, features: 1, horizon: 1 }, 42);
 * await reg.fit({ n, x, y }, { epochs: 50, validation: { n: nv, x: xv, y: yv } });
 * const next = reg.predict({ n: 1, x: lastWindow });   // Float32Array [1 * horizon]
 * await reg.save('models/reg');
 * const again = await SequenceRegressor.load('models/reg');
 */
export class SequenceRegressor {
  private constructor(
    readonly config: RegressorConfig,
    /** The weight container (standard tfjs layers model). */
    readonly model: tf.LayersModel,
  ) {}

  /** A fresh regressor with seeded initial weights. Missing config fields take their defaults. */
  static create(config: z.input<typeof regressorConfigSchema>, seed = 0): SequenceRegressor {
    const c = parseOptions(regressorConfigSchema, config);
    // tfjs warns (console.warn) that its orthogonal initialiser is "slow" above 2000 elements;
    // at these sizes it takes milliseconds, so the warning would only clutter CLI output.
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!String(args[0]).startsWith('Orthogonal initializer')) warn(...args);
    };
    try {
      return new SequenceRegressor(c, buildModel(c, seed));
    } finally {
      console.warn = warn;
    }
  }

  /** Wrap an existing layers model (e.g. loaded from disk) built by this class. */
  static fromModel(config: RegressorConfig, model: tf.LayersModel): SequenceRegressor {
    parseOptions(regressorConfigSchema, config);
    const names = new Set(model.layers.map((l) => l.name));
    for (const n of ['rnn', 'head']) {
      if (!names.has(n)) throw new SeqcastError('BAD_MODEL', `the stored model has no layer "${n}"`, { where: 'model.json' });
    }
    const problem = layerMismatch(getCell(config.cell), model.getLayer('rnn'), config.features, config.units);
    if (problem) throw new SeqcastError('BAD_MODEL', problem, { where: 'model.json' });
    return new SequenceRegressor(config, model);
  }

  private tensor(d: Pick<RegressorData, 'n' | 'x'>): tf.Tensor3D {
    return tf.tensor3d(d.x, [d.n, this.config.window, this.config.features]);
  }

  private weightsOf(name: string): tf.Tensor[] {
    return this.model.getLayer(name).weights.map((v) => v.read());
  }

  /** The recurrent layer's last hidden state through core's recurrent seam, and the head's weights. */
  private recur(x: tf.Tensor3D): { h: tf.Tensor2D; kernel: tf.Tensor2D; bias: tf.Tensor1D } {
    const [k, rk, b] = this.weightsOf('rnn') as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const [kernel, bias] = this.weightsOf('head') as [tf.Tensor2D, tf.Tensor1D];
    return { h: cellSequence(this.config.cell, x, k, rk, b).h, kernel, bias };
  }

  /**
   * Forward pass over the container's weights: [n, window, features] -> [n, horizon]. The
   * recurrent layer runs through core's recurrent seam (nn/kernels.ts), so the fused kernels speed
   * this up when available; the result equals the layers model's own `predict`. Call inside
   * tf.tidy (or dispose the result).
   */
  forward(x: tf.Tensor3D): tf.Tensor2D {
    const r = this.recur(x);
    return tf.add(tf.matMul(r.h, r.kernel), r.bias) as tf.Tensor2D;
  }

  /**
   * Mean squared error of `forward(x)` against `y`, with the head and the error as one op through
   * the seam (fused when active). Call in a gradient scope.
   */
  private trainingLoss(x: tf.Tensor3D, y: tf.Tensor2D): tf.Scalar {
    const r = this.recur(x);
    return denseSquaredError(r.h, r.kernel, r.bias, y);
  }

  /** Predictions for `d.n` windows, row-major [n, horizon]. */
  predict(d: Pick<RegressorData, 'n' | 'x'>): Float32Array {
    const c = this.config;
    checkData({ ...d, y: new Float32Array(d.n * c.horizon) }, c, 'predict');
    const out = tf.tidy(() => this.forward(this.tensor(d)));
    try {
      return (out.dataSync() as Float32Array).slice();
    } finally {
      out.dispose();
    }
  }

  private trainableVariables(): tf.Variable[] {
    return this.model.layers.flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
  }

  private mse(x: tf.Tensor3D, y: tf.Tensor2D): number {
    return tf.tidy(() => tf.losses.meanSquaredError(y, this.forward(x)).dataSync()[0]!);
  }

  /**
   * Train with Adam (the recurrent seam's) on mean squared error, mini-batches in a seeded order,
   * through the one training loop (train/loop.ts). With `validation`, stops after `patience`
   * epochs without improvement and restores the best weights; without it, a NaN loss is an error.
   */
  async fit(train: RegressorData, options: RegressorFitOptions = {}, callbacks: RegressorCallbacks = {}): Promise<RegressorFitResult> {
    // Pick the fused kernels before the first step (a no-op once chosen).
    await initKernels();
    const c = this.config;
    const o = parseOptions(regressorFitOptionsSchema, options);
    const { epochs, batchSize: asked, learningRate: lr, patience } = o;
    checkData(train, c, 'train');
    if (o.validation) checkData(o.validation, c, 'validation');
    // Sized before any tensor exists: the data stays resident, a step must fit beside it.
    const shape: TrainingShape = { cell: c.cell, layers: 1, units: c.units, steps: c.window, inputs: c.features, outputs: c.horizon, outputSteps: 1 };
    const rows = train.n + (o.validation?.n ?? 0);
    const plan = planTrainingBatch(shape, {
      windows: train.n,
      ...(asked !== undefined ? { batchSize: asked } : {}),
      residentBytes: 4 * rows * (c.window * c.features + c.horizon),
      names: { units: 'units', steps: 'window' },
    });
    const batchSize = asked ?? Math.min(32, plan.batchSize);

    const rand = seededRandom(o.seed);
    const tr = this.tensor(train);
    const ty = tf.tensor2d(train.y, [train.n, c.horizon]);
    const va = o.validation ? this.tensor(o.validation) : undefined;
    const vy = o.validation ? tf.tensor2d(o.validation.y, [o.validation.n, c.horizon]) : undefined;
    const batches = Math.ceil(train.n / batchSize);
    const batchRows = (step: number) => Math.min(batchSize, train.n - (step % batches) * batchSize);
    let order: Int32Array | undefined;
    try {
      const r = await trainLoop({
        variables: this.trainableVariables(),
        steps: epochs * batches,
        learningRate: lr,
        loss: (step) => {
          if (step % batches === 0) order = shuffledIndices(train.n, rand);
          const from = (step % batches) * batchSize;
          const idx = tf.tensor1d(order!.subarray(from, from + batchRows(step)), 'int32');
          return this.trainingLoss(tf.gather(tr, idx) as tf.Tensor3D, tf.gather(ty, idx) as tf.Tensor2D);
        },
        epoch: {
          steps: batches,
          weight: batchRows,
          onEnd: (e) => {
            const { score, ...progress } = e;
            const p = { ...progress, ...(score !== undefined ? { valLoss: score } : {}) };
            callbacks.onProgress?.(p);
            callbacks.onEpoch?.(p);
          },
        },
        ...(va && vy ? { earlyStopping: { score: () => this.mse(va, vy), patience } } : {}),
        ...(callbacks.signal ? { signal: callbacks.signal } : {}),
        progressEvery: Number.MAX_SAFE_INTEGER,
      });
      const done = r.epochs ?? 0;
      return {
        epochs: done,
        bestEpoch: r.best ? r.best.epoch : done,
        trainLoss: r.epochLoss ?? NaN,
        valLoss: r.best ? r.best.score : null,
        stopped: r.stopped === 'early' || r.stopped === 'diverged' ? r.stopped : 'epochs',
        elapsedMs: r.elapsedMs,
      };
    } finally {
      tf.dispose([tr, ty, ...(va ? [va] : []), ...(vy ? [vy] : [])]);
    }
  }

  /**
   * Save into a model directory. The regressor's config goes under `config.regressor`; callers
   * (e.g. the forecaster) add their own kind, config fields and extras.
   */
  async save<C extends object, E>(dir: string, meta: { kind?: string; config?: C; extra?: E } = {}, options: SaveOptions = {}): Promise<void> {
    await saveModelDir(
      dir,
      this.model,
      { kind: meta.kind ?? 'regressor', config: { ...(meta.config ?? {}), regressor: this.config }, extra: meta.extra ?? {} },
      options,
    );
  }

  /**
   * Load a directory written by {@link save}; `kind` must match what was saved.
   *
   * Directories saved before the regressor became plain (main up to f230b82) may hold a linear
   * skip layer (`config.regressor.skipInputs` > 0) that added a map of extra inputs to the output.
   * The regressor no longer runs it, so such a directory is BAD_MODEL (predicting without it would
   * be silently wrong) unless the caller keeps that linear map itself and says so with
   * `ignoreSkipLayer` (the forecaster does: its config holds the same map in float64).
   */
  static async load<C = object, E = unknown>(
    dir: string,
    kind = 'regressor',
    options: { ignoreSkipLayer?: boolean } = {},
  ): Promise<{ regressor: SequenceRegressor; metadata: ModelMetadata<C & { regressor: RegressorConfig }, E> }> {
    // A loaded model predicts on the fused kernels when they are built, whatever ran before.
    await initKernels();
    const metadata = await readModelMetadata<C & { regressor: RegressorConfig }, E>(dir, kind);
    const rc = metadata.config.regressor as RegressorConfig & { skipInputs?: unknown };
    if (typeof rc !== 'object' || rc === null) {
      throw new SeqcastError('BAD_MODEL', `${dir}: field "config.regressor" is missing`, { where: `${dir}/seqcast.json#config.regressor` });
    }
    if (typeof rc.skipInputs === 'number' && rc.skipInputs > 0 && !options.ignoreSkipLayer) {
      throw new SeqcastError(
        'BAD_MODEL',
        `${dir}: saved with a linear skip path (config.regressor.skipInputs ${rc.skipInputs}), which SequenceRegressor no longer has; retrain it, fitting the linear part separately`,
        { where: `${dir}/seqcast.json#config.regressor.skipInputs` },
      );
    }
    const model = await loadLayersModelDir(dir);
    try {
      return { regressor: SequenceRegressor.fromModel(parseOptions(regressorConfigSchema, rc, 'config.regressor.'), model), metadata };
    } catch (e) {
      model.dispose();
      // A stored config that fails the table is a broken model, not a caller's mistake.
      if (e instanceof SeqcastError && e.code === 'BAD_ARGUMENT') {
        throw new SeqcastError(
          'BAD_MODEL',
          `${dir}/seqcast.json: ${e.message}`,
          { where: `${dir}/seqcast.json#${e.details.where ?? 'config.regressor'}` },
          { cause: e },
        );
      }
      throw e;
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
