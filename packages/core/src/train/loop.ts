/**
 * The one training loop of every model (CharLM windows and corpus streams, SequenceRegressor, the
 * global forecaster): Adam from the recurrent seam (native when the fused kernels are active), a
 * step budget and a wall-clock budget (both may count a run resumed from a checkpoint), a
 * NaN/Infinity stop, an AbortSignal honoured between steps, progress callbacks with an ETA, an
 * optional learning-rate schedule, optional global-norm gradient clipping, an optional per-step
 * hook (validation, checkpoints), and optionally epochs (a fixed number of steps each, with the
 * example-weighted mean loss reported per epoch) with early stopping on a validation score that
 * restores the best weights. The model supplies only `loss(step)`, a scalar built from its own
 * variables; the loop owns the optimizer (unless given one to continue) and disposes every
 * tensor it creates.
 */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';
import { adamOptimizer, initKernels } from '../nn/kernels.js';

/**
 * Progress after a training step: the one progress shape of every training (models add their
 * own fields beside these, e.g. corpus training's characters per second).
 */
export interface TrainProgress {
  /** Steps done (1-based; counts the steps before a resume). */
  step: number;
  /** Steps the run is expected to take (an estimate when only a time budget bounds it). */
  steps: number;
  /** Smoothed (exponential moving average) training loss. */
  loss: number;
  elapsedMs: number;
  /** Estimated time left, from the step rate and the wall-clock budget. */
  etaMs: number;
}

/** What the loop reports at the end of an epoch: the progress shape, with the epoch. */
export interface EpochEnd extends TrainProgress {
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** Mean training loss of the epoch's steps, each weighted by its examples (not smoothed). */
  loss: number;
  /** The early-stopping score after this epoch, when early stopping is on. */
  score?: number;
}

/** Options for {@link trainLoop}. */
export interface TrainLoopOptions {
  /** The variables to train. */
  variables: tf.Variable[];
  /** A scalar loss for step `step` (0-based), built inside the optimizer's tape. */
  loss: (step: number) => tf.Scalar;
  /** Maximum optimizer steps (Infinity when `budgetMs` bounds the run). */
  steps: number;
  /** Wall-clock budget in milliseconds (the loop stops after the step that crosses it). */
  budgetMs?: number;
  /**
   * Continue a run: its first `step` steps and `elapsedMs` milliseconds are done, and count
   * against `steps` and `budgetMs`. Default none.
   */
  resumeFrom?: { step: number; elapsedMs: number };
  /** Adam learning rate, or a schedule `(step, steps, elapsedMs) => rate`. Default 0.001. */
  learningRate?: number | ((step: number, steps: number, elapsedMs: number) => number);
  /** An optimizer to continue with (e.g. restored from a checkpoint); the caller disposes it. Default: a fresh Adam. */
  optimizer?: tf.Optimizer;
  /** Scale the gradients down to this global norm when above it (0 or absent: off). */
  clipNorm?: number;
  /**
   * Called after every step with its raw loss, before progress is reported; awaited when it
   * returns a promise (a checkpoint). `last` is true for the step that ends the run by a budget.
   */
  afterStep?: (s: { step: number; loss: number; learningRate: number; elapsedMs: number; last: boolean }) => void | Promise<void>;
  /** Called every `progressEvery` steps and after the last one. */
  onProgress?: (p: TrainProgress) => void;
  /** Default: about 100 reports per run. */
  progressEvery?: number;
  /**
   * Aborting stops training between steps; the loop then rejects with the signal's reason (and
   * `afterStep` has run for every step taken).
   */
  signal?: AbortSignal;
  /**
   * Epochs of `steps` optimizer steps each (`steps` of the loop is then a multiple of it). The
   * epoch's loss weighs step `s` by `weight(s)` (its examples; default 1).
   */
  epoch?: { steps: number; weight?: (step: number) => number; onEnd?: (e: EpochEnd) => void };
  /**
   * Early stopping (needs `epoch`): `score()` (lower is better, e.g. validation loss) is read
   * before training and after every epoch; training stops after `patience` epochs without an
   * improvement, and the variables return to their best-scoring values. A loss that turns NaN
   * then stops training the same way instead of failing.
   */
  earlyStopping?: { score: () => number; patience: number };
}

/** What {@link trainLoop} did. */
export interface TrainLoopResult {
  steps: number;
  /** Smoothed loss at the end. */
  loss: number;
  stopped: 'steps' | 'budget' | 'early' | 'diverged';
  elapsedMs: number;
  /** Completed epochs (with `epoch`). */
  epochs?: number;
  /** Mean loss of the last completed epoch (with `epoch`). */
  epochLoss?: number;
  /** The epoch whose weights were kept (0 = the starting weights) and its score (with `earlyStopping`). */
  best?: { epoch: number; score: number };
}

/**
 * Run Adam on `loss(step)` for up to `steps` steps or `budgetMs` milliseconds. A loss that turns
 * NaN or infinite stops training with a BAD_ARGUMENT error naming the step and the learning rate
 * (or, with early stopping, restores the best weights and reports `stopped: 'diverged'`).
 *
 * @example
 * const r = await trainLoop({ variables, steps: 1000, budgetMs: 60_000, loss: (s) => batchLoss(s) });
 * const f = await trainLoop({ variables, steps: 50 * batches, loss, epoch: { steps: batches },
 *   earlyStopping: { score: () => validationLoss(), patience: 10 } });
 */
export async function trainLoop(opts: TrainLoopOptions): Promise<TrainLoopResult> {
  const { variables, steps } = opts;
  const budget = opts.budgetMs ?? Infinity;
  if (!(Number.isInteger(steps) && steps >= 1) && !(steps === Infinity && Number.isFinite(budget))) {
    throw new SeqcastError('BAD_ARGUMENT', `training steps must be a positive integer (received ${steps})`, { where: 'steps' });
  }
  const perEpoch = opts.epoch?.steps;
  if (perEpoch !== undefined && (!Number.isInteger(perEpoch) || perEpoch < 1)) {
    throw new SeqcastError('BAD_ARGUMENT', `steps per epoch must be a positive integer (received ${perEpoch})`, { where: 'epoch.steps' });
  }
  const stopping = perEpoch !== undefined ? opts.earlyStopping : undefined;
  await initKernels();
  const schedule = typeof opts.learningRate === 'function' ? opts.learningRate : () => (opts.learningRate as number | undefined) ?? 0.001;
  const every = opts.progressEvery ?? Math.max(1, Math.round((Number.isFinite(steps) ? steps : 100) / 100));
  const epochs = perEpoch !== undefined ? Math.ceil(steps / perEpoch) : undefined;
  const first = opts.resumeFrom?.step ?? 0;
  const before = opts.resumeFrom?.elapsedMs ?? 0;
  const start = Date.now();
  const elapsed = () => before + Date.now() - start;
  let rate = schedule(first, steps, before);
  const optimizer = opts.optimizer ?? adamOptimizer(rate);
  let ema = NaN;
  let step = first;
  let stopped: TrainLoopResult['stopped'] = 'steps';
  let epochSum = 0;
  let epochWeight = 0;
  let epochsDone = 0;
  let epochLoss: number | undefined;
  let best: { epoch: number; score: number; values: Float32Array[] } | undefined;
  let lastYield = Date.now();
  const snapshot = () => variables.map((v) => (v.dataSync() as Float32Array).slice());
  try {
    // Epoch 0 counts: if training never helps the score, the starting weights are kept.
    if (stopping) best = { epoch: 0, score: stopping.score(), values: snapshot() };
    if (first >= steps || before >= budget) stopped = first >= steps ? 'steps' : 'budget';
    for (step = first; step < steps && before < budget; step++) {
      opts.signal?.throwIfAborted();
      const next = schedule(step, steps, elapsed());
      if (next !== rate || opts.optimizer) {
        // Both Adam implementations read their learning rate at every update, so a schedule
        // can change it in place and keep the moments.
        (optimizer as unknown as { learningRate: number }).learningRate = next;
        rate = next;
      }
      const value = opts.clipNorm
        ? clippedStep(optimizer, () => opts.loss(step), variables, opts.clipNorm)
        : plainStep(optimizer, () => opts.loss(step), variables);
      if (!Number.isFinite(value)) {
        if (stopping) {
          stopped = 'diverged';
          step++;
          break;
        }
        const at = perEpoch !== undefined ? ` (epoch ${Math.floor(step / perEpoch) + 1})` : '';
        throw new SeqcastError('BAD_ARGUMENT', `training diverged: the loss became ${value} at step ${step + 1}${at}; try a smaller learning rate`, {
          where: 'learningRate',
        });
      }
      ema = Number.isNaN(ema) ? value : 0.98 * ema + 0.02 * value;
      const done = step + 1;
      let endOfEpoch = false;
      if (perEpoch !== undefined) {
        const w = opts.epoch!.weight?.(step) ?? 1;
        epochSum += value * w;
        epochWeight += w;
        endOfEpoch = done % perEpoch === 0 || done === steps;
      }
      let elapsedMs = elapsed();
      const last = done === steps || elapsedMs >= budget;
      if (opts.afterStep) {
        await opts.afterStep({ step: done, loss: value, learningRate: rate, elapsedMs, last });
        elapsedMs = elapsed();
      }
      // The pace of this session: time before a resume ran on another machine, perhaps.
      const perStep = Math.max(0.01, Date.now() - start) / (done - first);
      const etaMs = Math.max(0, Math.min(Number.isFinite(steps) ? (steps - done) * perStep : Infinity, budget - elapsedMs));
      if (opts.onProgress && (done % every === 0 || last)) {
        // With only a time budget, the steps the run will take at this pace.
        const expected = Number.isFinite(steps) ? steps : done + Math.round(etaMs / perStep);
        opts.onProgress({ step: done, steps: expected, loss: ema, elapsedMs, etaMs });
      }
      if (endOfEpoch) {
        epochsDone++;
        epochLoss = epochSum / epochWeight;
        epochSum = 0;
        epochWeight = 0;
        const score = stopping?.score();
        if (best && score !== undefined && score < best.score - 1e-12) best = { epoch: epochsDone, score, values: snapshot() };
        opts.epoch!.onEnd?.({
          step: done,
          steps,
          loss: epochLoss,
          elapsedMs,
          etaMs,
          epoch: epochsDone,
          epochs: epochs!,
          ...(score !== undefined ? { score } : {}),
        });
        if (best && stopping && epochsDone - best.epoch >= stopping.patience) {
          stopped = 'early';
          step++;
          break;
        }
      }
      // Let timers, I/O and abort handlers (Ctrl-C) run: at every epoch's end, and at least every
      // 20 steps or 50 ms.
      if (endOfEpoch || done % 20 === 0 || Date.now() - lastYield >= 50) {
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
      if (elapsedMs >= budget && done < steps) {
        stopped = 'budget';
        step++;
        break;
      }
    }
    opts.signal?.throwIfAborted();
    if (best) {
      const values = best.values;
      tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(values[i]!, v.shape, v.dtype))));
    }
  } finally {
    if (!opts.optimizer) optimizer.dispose();
  }
  return {
    steps: Math.min(step, steps),
    loss: ema,
    stopped,
    elapsedMs: elapsed(),
    ...(epochs !== undefined ? { epochs: epochsDone, ...(epochLoss !== undefined ? { epochLoss } : {}) } : {}),
    ...(best ? { best: { epoch: best.epoch, score: best.score } } : {}),
  };
}

/** One Adam step on `loss`; returns its value. */
function plainStep(optimizer: tf.Optimizer, loss: () => tf.Scalar, variables: tf.Variable[]): number {
  const cost = optimizer.minimize(loss, true, variables)!;
  const value = cost.dataSync()[0]!;
  cost.dispose();
  return value;
}

/** One Adam step with the gradients scaled down to global norm `clip` when above it; returns the loss. */
function clippedStep(optimizer: tf.Optimizer, loss: () => tf.Scalar, variables: tf.Variable[], clip: number): number {
  const { value, grads } = tf.variableGrads(loss, variables);
  let apply: tf.NamedTensorMap = grads;
  try {
    const normSq = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
    const norm = Math.sqrt(normSq.dataSync()[0]!);
    normSq.dispose();
    if (norm > clip) apply = tf.tidy(() => Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, clip / norm)])));
    optimizer.applyGradients(apply);
    return value.dataSync()[0]!;
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
    if (apply !== grads) tf.dispose(Object.values(apply));
  }
}
