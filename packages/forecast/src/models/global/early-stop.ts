/**
 * Early stopping of the global model's phase one on its held-out stretch.
 *
 * Phase one trains on windows that keep the last H points of every series out of the targets, so
 * the network's forecasts of those points measure it on data it has not fitted. On short series
 * (yearly: 13–40 points) thousands of steps overfit: the network's OWA there gets worse after a
 * point. Phase one scores member by member at checkpoints ({@link CHECKPOINTS}), keeps a copy of
 * the best weights, and restores them at its end when they beat the final ones by a clear margin
 * ({@link RESTORE_MARGIN}); phase two is then shortened in proportion ({@link phaseTwoSteps}).
 */
import * as tf from '@tensorflow/tfjs';
import type { EncodedSeries } from '../../inputs/covariates.js';
import { MetricTotals, seasonalScale } from '../../protocol/panel-metrics.js';
import type { CheckpointScore, GlobalInfo, PhaseOneCheckpoint } from './info.js';
import { heldOutSeries } from './validate.js';
import { partnerForecast } from './validation.js';

/**
 * Where phase one scores its network, as shares of its progress (steps or time, whichever is
 * further, as its learning-rate schedule runs): every eighth from the first on, then at its end.
 * The first eighth is early enough to catch the short panels' optimum (a network of 600 steps,
 * 480 in phase one, beat one of 4,000 on the yearly panel), and eight scores keep the cost small.
 */
export const CHECKPOINTS = [1, 2, 3, 4, 5, 6, 7].map((i) => i / 8);

/**
 * A checkpoint is restored only when its OWA is this share below the final network's: one
 * held-out stretch moves OWA by about 1% between networks of equal skill, and the best of several
 * noisy scores is optimistic.
 */
export const RESTORE_MARGIN = 0.02;

/** At most this many series are scored at a checkpoint (evenly spaced), so scoring stays cheap on big panels. */
export const MAX_SCORED_SERIES = 512;

/** The held-out stretch as phase one's checkpoints score it: series, cutoffs and Naive2's totals. */
export class StretchScorer {
  readonly series: EncodedSeries[];
  readonly ends: number[];
  private readonly actual: Float64Array[];
  private readonly scales: number[];
  private readonly naive2: MetricTotals;

  /** The series and cutoffs validateOnStretch uses (at most {@link MAX_SCORED_SERIES}, evenly spaced). */
  constructor(all: readonly EncodedSeries[], r: { horizon: number; season: number; window: number }) {
    const H = r.horizon;
    const usable = heldOutSeries(all, r);
    const take = Math.min(usable.length, MAX_SCORED_SERIES);
    this.series = Array.from({ length: take }, (_, i) => usable[Math.floor((i * usable.length) / take)]!);
    this.ends = this.series.map((s) => s.values.length - H);
    const cut = this.series.map((s) => s.values.subarray(0, s.values.length - H));
    this.actual = this.series.map((s) => s.values.subarray(s.values.length - H));
    this.scales = cut.map((x) => seasonalScale(x, r.season));
    this.naive2 = this.totals(cut.map((x) => partnerForecast(x, H, r.season, 'naive2')));
  }

  private totals(forecasts: number[][]): MetricTotals {
    const t = new MetricTotals();
    this.series.forEach((_, i) => t.add(this.actual[i]!, { id: String(i), values: forecasts[i]! }, this.scales[i]!));
    return t;
  }

  /** OWA against Naive2 of median forecasts [series][h] of {@link series} at {@link ends}. */
  owa(medians: number[][]): number {
    return this.totals(medians).result(this.naive2).owa;
  }
}

/**
 * One member's checkpoints through phase one: `offer` scores at each due checkpoint, `finish`
 * restores the best weights when they beat the final ones by {@link RESTORE_MARGIN}. The copy is
 * held as plain arrays, so no tensor outlives a call.
 */
export class MemberCheckpoints {
  private next = 0;
  private best: { step: number; owa: number; values: Float32Array[] } | null = null;
  readonly scores: CheckpointScore[] = [];

  constructor(
    private readonly variables: readonly tf.Variable[],
    private readonly score: () => number,
  ) {}

  /** Score and maybe keep the weights when `progress` (0–1 through phase one) has reached the next checkpoint. */
  offer(step: number, progress: number): void {
    if (this.next >= CHECKPOINTS.length || progress < CHECKPOINTS[this.next]!) return;
    while (this.next < CHECKPOINTS.length && progress >= CHECKPOINTS[this.next]!) this.next++;
    this.consider(step);
  }

  private consider(step: number): number {
    const owa = this.score();
    this.scores.push({ step, owa });
    // A NaN score (a diverged network) never wins.
    if (Number.isFinite(owa) && (this.best === null || owa < this.best.owa)) {
      this.best = { step, owa, values: this.variables.map((v) => (v.dataSync() as Float32Array).slice()) };
    }
    return owa;
  }

  /** At phase one's end (after `steps` steps): score the final weights; restore the best when clearly better. */
  finish(steps: number): PhaseOneCheckpoint {
    const finalOwa = this.scores.at(-1)?.step === steps ? this.scores.at(-1)!.owa : this.consider(steps);
    const best = this.best;
    this.best = null;
    if (!best || best.step === steps || !(best.owa < finalOwa * (1 - RESTORE_MARGIN)))
      return { steps, kept: steps, keptOwa: finalOwa, finalOwa, scores: this.scores };
    tf.tidy(() => this.variables.forEach((v, i) => v.assign(tf.tensor(best.values[i]!, v.shape, v.dtype))));
    return { steps, kept: best.step, keptOwa: best.owa, finalOwa, scores: this.scores };
  }
}

/**
 * Phase two's steps after phase one kept step `kept` of the `ran` it took: the planned `phase2`
 * scaled by the share kept, so the fine-tuning stays in proportion to the training the held-out
 * stretch found useful (all of it when the final weights were kept).
 */
export function phaseTwoSteps(phase2: number, kept: number, ran: number): number {
  if (phase2 < 1 || kept >= ran) return phase2;
  return Math.max(1, Math.round((phase2 * kept) / Math.max(1, ran)));
}

/**
 * One line naming the networks whose phase one kept an earlier checkpoint (the step of the steps
 * run, OWA on the held-out stretch kept vs final), or null when every network kept its final weights.
 */
export function earlyStopLine(networks: readonly GlobalInfo[]): string | null {
  const parts = networks.flatMap((n) =>
    (n.validation?.checkpoints ?? [])
      .filter((c) => c.kept < c.steps)
      .map(
        (c) =>
          `${networks.length > 1 ? `window ${n.window}: ` : ''}step ${c.kept} of ${c.steps} (OWA ${c.keptOwa.toFixed(3)} vs ${c.finalOwa.toFixed(3)} at the end)`,
      ),
  );
  if (parts.length === 0) return null;
  return `early stopping: phase one kept an earlier checkpoint, better on the validation stretch: ${parts.join('; ')}`;
}
