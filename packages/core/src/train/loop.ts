/**
 * One training loop for step-based models (the start of the foundations issue's "one training
 * loop"): Adam from the recurrent seam (native when the fused kernels are active), a step budget
 * and a wall-clock budget, a NaN/Infinity stop, progress callbacks with an ETA, and an
 * optional learning-rate schedule. The model supplies only `loss(step)`, a scalar built from
 * its own variables; the loop owns the optimizer and disposes every tensor it creates.
 */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';
import { adamOptimizer, initKernels } from '../nn/kernels.js';

/** Progress after a training step. */
export interface TrainProgress {
  step: number;
  steps: number;
  /** Smoothed (exponential moving average) training loss. */
  loss: number;
  elapsedMs: number;
  /** Estimated time left, from the step rate and the wall-clock budget. */
  etaMs: number;
}

/** Options for {@link trainLoop}. */
export interface TrainLoopOptions {
  /** The variables to train. */
  variables: tf.Variable[];
  /** A scalar loss for step `step` (0-based), built inside the optimizer's tape. */
  loss: (step: number) => tf.Scalar;
  /** Maximum optimizer steps. */
  steps: number;
  /** Wall-clock budget in milliseconds (the loop stops after the step that crosses it). */
  budgetMs?: number;
  /** Adam learning rate, or a schedule `(step, steps) => rate`. Default 0.001. */
  learningRate?: number | ((step: number, steps: number) => number);
  /** Called every `progressEvery` steps and after the last one. */
  onProgress?: (p: TrainProgress) => void;
  /** Default: about 100 reports per run. */
  progressEvery?: number;
  /** Aborting stops training between steps; the loop then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What {@link trainLoop} did. */
export interface TrainLoopResult {
  steps: number;
  /** Smoothed loss at the end. */
  loss: number;
  stopped: 'steps' | 'budget';
  elapsedMs: number;
}

/**
 * Run Adam on `loss(step)` for up to `steps` steps or `budgetMs` milliseconds. A loss that turns
 * NaN or infinite stops training with an INTERNAL error naming the step (the weights before that
 * step are left in place).
 *
 * @example
 * const r = await trainLoop({ variables, steps: 1000, budgetMs: 60_000, loss: (s) => batchLoss(s) });
 */
export async function trainLoop(opts: TrainLoopOptions): Promise<TrainLoopResult> {
  const { variables, steps } = opts;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new SeqcastError('BAD_ARGUMENT', `training steps must be a positive integer (received ${steps})`, { where: 'steps' });
  }
  await initKernels();
  const schedule = typeof opts.learningRate === 'function' ? opts.learningRate : () => (opts.learningRate as number | undefined) ?? 0.001;
  const every = opts.progressEvery ?? Math.max(1, Math.round(steps / 100));
  const budget = opts.budgetMs ?? Infinity;
  let rate = schedule(0, steps);
  const optimizer = adamOptimizer(rate);
  const start = Date.now();
  let ema = NaN;
  let step = 0;
  let stopped: TrainLoopResult['stopped'] = 'steps';
  try {
    for (step = 0; step < steps; step++) {
      opts.signal?.throwIfAborted();
      const next = schedule(step, steps);
      if (next !== rate) {
        // Both Adam implementations read their learning rate at every update, so a schedule
        // can change it in place and keep the moments.
        (optimizer as unknown as { learningRate: number }).learningRate = next;
        rate = next;
      }
      const cost = optimizer.minimize(() => opts.loss(step), true, variables);
      const value = cost!.dataSync()[0]!;
      cost!.dispose();
      if (!Number.isFinite(value)) {
        throw new SeqcastError('INTERNAL', `training diverged: the loss became ${value} at step ${step + 1}`, { where: 'training' });
      }
      ema = Number.isNaN(ema) ? value : 0.98 * ema + 0.02 * value;
      const elapsedMs = Date.now() - start;
      const done = step + 1;
      const perStep = elapsedMs / done;
      const etaMs = Math.max(0, Math.min((steps - done) * perStep, budget - elapsedMs));
      const last = done === steps || elapsedMs >= budget;
      if (opts.onProgress && (done % every === 0 || last)) opts.onProgress({ step: done, steps, loss: ema, elapsedMs, etaMs });
      if (done % 20 === 0) await new Promise((r) => setImmediate(r));
      if (elapsedMs >= budget && done < steps) {
        stopped = 'budget';
        step++;
        break;
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { steps: Math.min(step, steps), loss: ema, stopped, elapsedMs: Date.now() - start };
}
