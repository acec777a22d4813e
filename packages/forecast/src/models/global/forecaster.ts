/**
 * GlobalForecaster: one recurrent network trained on windows drawn from every series of a panel
 * (the M4-winning recipe: learn across many series, normalise each window on its own), with
 * direct multi-horizon quantile outputs giving the point forecast (median) and 80%/95% intervals.
 *
 * Training runs in two phases. Phase one keeps the last `horizon` points of every series out of
 * the targets; the model then forecasts those points, which measures it against Naive2 (so
 * `train` can say when it is no better) and calibrates the interval widths. Phase two trains on
 * everything for the remaining steps.
 */
import * as tf from '@tensorflow/tfjs';
import {
  getCell,
  hasCell,
  initBackend,
  initKernels,
  kernelStatus,
  layerMismatch,
  parseOptions,
  loadLayersModelDir,
  readModelMetadata,
  saveModelDir,
  type SaveOptions,
  seededRandom,
  SeqcastError,
  trainLoop,
} from '@seqcast/core';
import type { Panel } from '@seqcast/data';
import type { ForecastSpec, SeriesForecast } from '../../panel/model.js';
import type { ForecastModel } from '../../registry/contract.js';
import type { PanelLayout } from '../../panel/layout.js';
import { buildNetwork, forwardMember, MEDIAN, memberVariables, pinballLoss, QUANTILES, type NetworkConfig } from './network.js';
import { calibrateWidth, partnerForecast, type IntervalCase, type Partner } from './validation.js';
import { MetricTotals, seasonalScale } from '../../protocol/panel-metrics.js';
import { naive2Verdict, VERDICT_LEVEL, type Naive2Verdict } from '../../protocol/verdict.js';
import { linearStart, type WindowSource } from './linear-start.js';
import { phaseOneRate, phaseTwoRate, shippedDrift } from './schedule.js';
import { checkFiniteForecasts, checkPanelHistory } from '../../inputs/magnitude.js';
import { writeTargets, writeWindow, type WindowShape } from '../../inputs/panel-windows.js';
import { globalForecasterOptionsSchema, type GlobalForecasterOptions } from './options.js';
import { covariateInfo, CovariateWriter, loadedContract, type CovariateInfo } from './covariate-inputs.js';
import {
  covariateDims,
  fitCovariates,
  hasCovariates,
  NO_COVARIATES,
  type CovariateContract,
  type EncodedSeries,
  type FutureCovariates,
} from '../../inputs/covariates.js';

/** The saved directory's kind. */
export const GLOBAL_KIND = 'panel-forecast';

export type { GlobalForecasterOptions } from './options.js';

/** Progress of `fit`, over all members and phases. */
export interface GlobalProgress {
  step: number;
  steps: number;
  loss: number;
  elapsedMs: number;
  etaMs: number;
}

/** What the model measured on the held-out last horizon of its training series. */
export interface GlobalValidation {
  series: number;
  smape: number;
  mase: number;
  naive2Smape: number;
  naive2Mase: number;
  /** OWA relative to Naive2 (< 1 is better), of the forecast as combined. */
  owa: number;
  /** OWA of the network alone. */
  modelOwa: number;
  /** True when the forecast as combined is worse than Naive2 by more than noise (`verdict`). */
  worseThanNaive2: boolean;
  /** The forecast as combined against Naive2, with the bootstrap band over series. */
  verdict: Naive2Verdict;
  /** The network alone against Naive2 (what `modelOwa` says, with its band). */
  networkVerdict: Naive2Verdict;
  /**
   * How far phase two moved the network's forecasts of that stretch: mean absolute change of the
   * median over the validated network's mean absolute error there (0: the network shipped
   * forecasts what the one validated did). Absent in older models.
   */
  drift?: number;
  /** Coverage of the calibrated intervals on that stretch (in-sample for the widths). */
  coverage80: number;
  coverage95: number;
}

/** What the trained model is and how it was trained. */
export interface GlobalInfo {
  kind: typeof GLOBAL_KIND;
  target: string;
  horizon: number;
  season: number;
  window: number;
  patch: number;
  cell: string;
  units: number;
  members: number;
  series: number;
  steps: number;
  trainMs: number;
  stopped: 'steps' | 'budget';
  kernels: string;
  /**
   * How the linear path started: the robust pooled ridge fit, the level (zero kernel: the ridge
   * did not beat it on later windows), or off (`linearStart: false`). Absent in older models.
   */
  linearStart?: 'ridge' | 'level' | 'off';
  /** Interval widening factors from the held-out stretch. */
  widths: { '80': number; '95': number };
  /** The combination with a statistical forecast chosen on the held-out stretch. */
  combination: Combination;
  validation: GlobalValidation | null;
  /**
   * What the user must hear even when the shipped forecast is safe, e.g. a network measurably
   * worse than Naive2 on its validation stretch (hidden behind the fallback). Absent in older models.
   */
  warnings?: string[];
  /** The covariates that reach the network (absent in older models: none). */
  covariates?: CovariateInfo;
}

/** What the forecasts of a model with this combination are, in words. */
export function shippedForecast(c: Combination): string {
  const partner = c.partner === 'naive2' ? 'Naive2' : 'Theta';
  if (c.weight === 1) return "the network's";
  if (c.weight === 0) return `${partner}'s alone`;
  return `the network's (weight ${c.weight}) combined with ${partner}'s (weight ${1 - c.weight})`;
}

/** Warnings about a validation result (see {@link GlobalInfo.warnings}). */
export function validationWarnings(v: GlobalValidation, c: Combination): string[] {
  const n = v.networkVerdict;
  if (n.verdict !== 'worse') return [];
  const band = `${Math.round(VERDICT_LEVEL * 100)}% band ${n.low.toFixed(3)}–${n.high.toFixed(3)} over series`;
  return [
    `the network alone is WORSE than Naive2 on its validation stretch (OWA ${n.owa.toFixed(3)}, ${band}); the forecasts shipped are ${shippedForecast(c)} (OWA ${v.owa.toFixed(3)})`,
  ];
}

/** The held-out stretch's forecasts of a fit, by series id (not saved). */
export interface ValidationStretch {
  ids: string[];
  forecasts: number[][];
}

/** How the network's median is combined with a statistical forecast (weight 1 = network alone). */
export interface Combination {
  partner: Partner;
  /** Weight of the network; the partner gets 1 − weight. */
  weight: number;
}

/**
 * Element-wise median over `members` equal blocks of `stacked` (the mean of the middle two for an
 * even count): one member that trained badly moves a median less than a mean.
 */
export function ensembleMedian(stacked: Float32Array, members: number): Float32Array {
  if (members === 1) return stacked;
  const n = stacked.length / members;
  const out = new Float32Array(n);
  const v = new Float64Array(members);
  const mid = Math.floor(members / 2);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < members; k++) v[k] = stacked[k * n + i]!;
    v.sort();
    out[i] = members % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  }
  return out;
}

function combine(a: number[][], b: number[][], weight: number): number[][] {
  return a.map((row, i) => row.map((v, h) => weight * v + (1 - weight) * b[i]![h]!));
}

interface SavedConfig {
  network: NetworkConfig;
  season: number;
  target: string;
  /** The covariate input contract; absent in older models (none). */
  covariates?: CovariateContract;
}

interface Resolved {
  horizon: number;
  season: number;
  window: number;
  patch: number;
  minutes: number;
  seed: number;
  cell: string;
  units: number;
  members: number;
  batchSize: number;
  learningRate: number;
  steps: number;
  epochs: number | undefined;
  linearStart: boolean;
}

/** The default window: several seasons and a few horizons, whole seasons, no longer than most series. */
export function defaultWindow(horizon: number, season: number, lengths: number[]): number {
  const patch = season > 1 ? season : 1;
  let window = Math.ceil(Math.max(3.5 * horizon, 4 * season) / patch) * patch;
  const sorted = [...lengths].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? window;
  const room = median - horizon;
  if (room < window) window = Math.max(patch, Math.floor(Math.max(room, patch) / patch) * patch);
  return window;
}

function resolve(options: GlobalForecasterOptions, spec: ForecastSpec | null, lengths: number[] | null, explicit: Partial<GlobalForecasterOptions>): Resolved {
  const o = parseOptions(globalForecasterOptionsSchema, options);
  // The spec (what fit is asked for) wins over the options, checked as they are.
  const { horizon, season } = spec ? parseOptions(globalForecasterOptionsSchema.pick({ horizon: true, season: true }), spec) : o;
  if (spec && explicit.horizon !== undefined && explicit.horizon !== spec.horizon) {
    throw new SeqcastError('BAD_ARGUMENT', `horizon ${spec.horizon} asked of fit differs from the model's horizon ${explicit.horizon}`, { where: 'horizon' });
  }
  const patch = season > 1 ? season : 1;
  // Whole patches only: round a user's window up to whole seasons.
  const window = Math.ceil((o.window ?? defaultWindow(horizon, season, lengths ?? [])) / patch) * patch;
  return { ...o, horizon, season, window, patch, epochs: o.epochs };
}

/** A series usable for training windows: cutoffs `end` in [lo, hi], with its covariates. */
type Source = WindowSource & { enc: EncodedSeries };

function sources(series: readonly EncodedSeries[], horizon: number, window: number, holdout: number): Source[] {
  // At least a quarter window (and two points) of history before a cutoff.
  const minHistory = Math.max(2, Math.ceil(window / 4));
  const out: Source[] = [];
  for (const s of series) {
    const hi = s.values.length - holdout - horizon;
    if (hi >= minHistory) out.push({ values: s.values, lo: minHistory, hi, enc: s });
  }
  return out;
}

/**
 * A global recurrent forecaster over a panel: one network for all series.
 *
 * @example
 * const model = new GlobalForecaster({ horizon: 48, season: 24 });
 * await model.fit(panel, { horizon: 48, season: 24 });
 * const forecasts = await model.forecast(panel, 48);   // [{ id, values, intervals: { '80', '95' } }]
 * await model.save('models/hourly');
 * const again = await GlobalForecaster.load('models/hourly');
 */
export class GlobalForecaster implements ForecastModel {
  readonly name = 'model';
  /** The registry kind (its directories record GLOBAL_KIND, as before). */
  readonly kind = 'global';
  private net: tf.LayersModel | null = null;
  private config: SavedConfig | null = null;
  private trained: GlobalInfo | null = null;
  private stretch: (ValidationStretch & { usable: EncodedSeries[]; ends: number[]; actual: Float64Array[]; network: number[][] }) | null = null;
  readonly takesCovariates = true;

  constructor(private readonly options: GlobalForecasterOptions) {
    // Validate early so a bad option fails before any data is read.
    resolve(options, null, null, options);
  }

  /**
   * The steps `fit(train, spec)` plans in all (its progress reports' `steps`): what a queue shows
   * before training starts. The time budget (`minutes`) may stop the fit earlier.
   */
  plannedSteps(train: Panel, spec: ForecastSpec): number {
    const r = resolve(
      this.options,
      spec,
      train.series.map((s) => s.values.length),
      this.options,
    );
    const windows = sources(
      train.series.map((s) => ({ id: s.id, values: s.values, channels: [], statics: new Float32Array(0) })),
      r.horizon,
      r.window,
      0,
    ).reduce((n, s) => n + s.hi - s.lo + 1, 0);
    const perMember = r.epochs !== undefined ? Math.max(1, Math.ceil((r.epochs * windows) / r.batchSize)) : r.steps;
    return perMember * r.members;
  }

  /**
   * Train on every series of `train`. Replaces any earlier fit. Aborting `signal` stops it between
   * steps: fit rejects with the signal's reason and the model is left untrained (nothing to save).
   */
  async fit(train: Panel, spec: ForecastSpec, callbacks: { signal?: AbortSignal; onProgress?(p: GlobalProgress): void } = {}): Promise<void> {
    const signal = callbacks.signal;
    signal?.throwIfAborted();
    this.trained = null;
    await initBackend();
    await initKernels();
    const start = Date.now();
    this.stretch = null;
    const lengths = train.series.map((s) => s.values.length);
    const r = resolve(this.options, spec, lengths, this.options);
    const { horizon: H, window: L } = r;
    const shape: WindowShape = { window: L, patch: r.patch, horizon: H, season: r.season };
    const covariates = fitCovariates(train, spec.covariates ?? {}, r.season);
    const cov = new CovariateWriter(covariates, shape, r.batchSize);
    const encoded = cov.encode(train);
    let all = sources(encoded, H, L, 0);
    if (all.length === 0) {
      throw new SeqcastError(
        'BAD_INPUT',
        `no series of ${train.source} is long enough to train on: each needs at least ${Math.max(2, Math.ceil(L / 4)) + H} values (horizon ${H})`,
        { where: train.source },
      );
    }
    let early = sources(encoded, H, L, H);
    // With too few series long enough to hold out a horizon, skip validation rather than fail.
    const validate = early.length >= Math.max(1, Math.ceil(all.length / 2));
    if (!validate) early = all;

    const network: NetworkConfig = {
      window: L,
      patch: r.patch,
      horizon: H,
      cell: r.cell,
      units: r.units,
      members: r.members,
      ...(cov.active ? { covariates: cov.dims } : {}),
    };
    this.dispose();
    this.net = buildNetwork(network, r.seed);
    let startKind: GlobalInfo['linearStart'] = 'off';
    if (r.linearStart) {
      const fitted = linearStart(early, shape, seededRandom(r.seed + 17));
      startKind = fitted.kind;
      for (let k = 0; k < r.members; k++) {
        // The covariates' rows of the linear path start at zero (after the target's L rows).
        const rows = this.net.getLayer(`linear_${k}`).getWeights()[0]!.shape[0]!;
        const full = new Float32Array(rows * H * QUANTILES.length);
        full.set(fitted.kernel.subarray(0, L * H * QUANTILES.length));
        const kernel = tf.tensor2d(full, [rows, H * QUANTILES.length]);
        const bias = tf.tensor1d(fitted.bias);
        this.net.getLayer(`linear_${k}`).setWeights([kernel, bias]);
        tf.dispose([kernel, bias]);
      }
    }
    this.config = { network, season: r.season, target: train.target, ...(cov.active ? { covariates } : {}) };

    const windows = all.reduce((n, s) => n + s.hi - s.lo + 1, 0);
    const perMember = r.epochs !== undefined ? Math.max(1, Math.ceil((r.epochs * windows) / r.batchSize)) : r.steps;
    const phase1 = validate ? Math.max(1, Math.round(perMember * 0.8)) : perMember;
    const phase2 = perMember - phase1;
    const total = perMember * r.members;
    const budgetMs = r.minutes * 60_000;
    let done = 0;
    let stopped: GlobalInfo['stopped'] = 'steps';
    const x = new Float32Array(r.batchSize * L);
    const mask = new Float32Array((r.batchSize * L) / r.patch);
    const y = new Float32Array(r.batchSize * H);

    const runPhase = async (k: number, from: Source[], steps: number, offset: number, share: number): Promise<void> => {
      if (steps < 1) return;
      const rand = seededRandom(r.seed * 7919 + k * 104_729 + offset + 1);
      const phaseStart = Date.now();
      const vars = memberVariables(this.net!, k);
      const res = await trainLoop({
        variables: vars,
        steps,
        ...(signal ? { signal } : {}),
        budgetMs: Math.max(1000, share * budgetMs),
        // Phase one runs the whole schedule (by steps or by its share of the member's budget,
        // whichever is further); phase two fine-tunes at its final rate (schedule.ts).
        learningRate: (s) =>
          offset > 0 ? phaseTwoRate(r.learningRate) : phaseOneRate(r.learningRate, Math.max(s / steps, (Date.now() - phaseStart) / (share * budgetMs))),
        loss: () => {
          for (let b = 0; b < r.batchSize; b++) {
            const src = from[Math.floor(rand() * from.length)]!;
            const end = src.lo + Math.floor(rand() * (src.hi - src.lo + 1));
            const norm = writeWindow(src.values, end, shape, b, x, mask);
            writeTargets(src.values, end, norm, H, b, y);
            cov.write(src.enc, end, norm, b);
          }
          const xt = tf.tensor2d(x, [r.batchSize, L]);
          const mt = tf.tensor2d(mask, [r.batchSize, L / r.patch]);
          const yt = tf.tensor2d(y, [r.batchSize, H]);
          return pinballLoss(forwardMember(this.net!, network, k, xt, mt, cov.tensors(r.batchSize)), yt);
        },
        onProgress: (p) => {
          const step = done + p.step;
          const elapsedMs = Date.now() - start;
          const etaMs = Math.max(0, Math.min(((total - step) * elapsedMs) / Math.max(1, step), budgetMs - elapsedMs));
          callbacks.onProgress?.({ step, steps: total, loss: p.loss, elapsedMs, etaMs });
        },
      });
      done += res.steps;
      if (res.stopped === 'budget') stopped = 'budget';
    };

    // Each phase of each member gets its share of the budget (validation and saving are cheap).
    for (let k = 0; k < r.members; k++) await runPhase(k, early, phase1, 0, (phase1 / total) * 0.95);
    let validation: GlobalValidation | null = null;
    let widths = { '80': 1, '95': 1 };
    let combination: Combination = { partner: 'naive2', weight: 1 };
    signal?.throwIfAborted();
    if (validate) {
      const v = this.validate(encoded, r);
      validation = v.validation;
      widths = v.widths;
      combination = v.combination;
    }
    for (let k = 0; k < r.members; k++) await runPhase(k, all, phase2, phase1, (phase2 / total) * 0.95);
    if (validation && this.stretch && phase2 > 0) {
      const { usable, ends, network, actual } = this.stretch;
      validation.drift = shippedDrift(
        network,
        this.quantiles(usable, ends).map((rows) => rows.map((row) => row[MEDIAN]!)),
        actual,
      );
    }
    all = [];
    signal?.throwIfAborted();
    this.trained = {
      kind: GLOBAL_KIND,
      target: train.target,
      horizon: H,
      season: r.season,
      window: L,
      patch: r.patch,
      cell: r.cell,
      units: r.units,
      members: r.members,
      series: train.series.length,
      steps: done,
      trainMs: Date.now() - start,
      stopped,
      kernels: kernelStatus().path,
      linearStart: startKind,
      widths,
      combination,
      validation,
      warnings: validation ? validationWarnings(validation, combination) : [],
      covariates: covariateInfo(covariates),
    };
  }

  /**
   * Forecast the held-out last horizon of each long-enough series and score it against Naive2;
   * choose the combination with a statistical forecast (none, or Naive2 / Theta at a weight) that
   * scores best there, and calibrate the interval widths around the combined forecast.
   */
  private validate(
    series: readonly EncodedSeries[],
    r: Resolved,
  ): { validation: GlobalValidation; widths: { '80': number; '95': number }; combination: Combination } {
    const H = r.horizon;
    const m = r.season;
    const minHistory = Math.max(2, Math.ceil(r.window / 4));
    const usable = series.filter((s) => s.values.length - H >= minHistory);
    const cut = usable.map((s) => s.values.subarray(0, s.values.length - H));
    const actual = usable.map((s) => s.values.subarray(s.values.length - H));
    const scales = cut.map((x) => seasonalScale(x, m));
    const q = this.quantiles(
      usable,
      usable.map((s) => s.values.length - H),
    );
    const med = q.map((rows) => rows.map((row) => row[MEDIAN]!));
    const score = (values: number[][]): MetricTotals => {
      const t = new MetricTotals();
      usable.forEach((_, i) => t.add(actual[i]!, { id: String(i), values: values[i]! }, scales[i]!));
      return t;
    };
    const partners: Record<Partner, number[][]> = {
      naive2: cut.map((x) => partnerForecast(x, H, m, 'naive2')),
      theta: cut.map((x) => partnerForecast(x, H, m, 'theta')),
    };
    const naive2Totals = score(partners.naive2);
    const modelOwa = score(med).result(naive2Totals).owa;
    let combination: Combination = { partner: 'naive2', weight: 1 };
    let best = modelOwa;
    for (const partner of ['naive2', 'theta'] as const) {
      // Weight 0 is the partner alone: where the network learned nothing the statistical method
      // did not (near-random walks), say so and forecast with the partner rather than lose to it.
      for (const weight of [0.75, 0.5, 0.25, 0]) {
        const owa = score(combine(med, partners[partner], weight)).result(naive2Totals).owa;
        // A combination must earn its place by a clear margin, not by noise.
        if (owa < best - 0.005) {
          best = owa;
          combination = { partner, weight };
        }
      }
    }
    const center = combination.weight === 1 ? med : combine(med, partners[combination.partner], combination.weight);
    const final = score(center).result(naive2Totals);
    const cases80: IntervalCase[] = [];
    const cases95: typeof cases80 = [];
    usable.forEach((_, i) => {
      for (let h = 0; h < H; h++) {
        const row = q[i]![h]!;
        const c = center[i]![h]!;
        const shift = c - row[MEDIAN]!;
        cases80.push({ actual: actual[i]![h]!, median: c, lower: row[1]! + shift, upper: row[3]! + shift });
        cases95.push({ actual: actual[i]![h]!, median: c, lower: row[0]! + shift, upper: row[4]! + shift });
      }
    });
    const widths = { '80': calibrateWidth(cases80, 0.8), '95': calibrateWidth(cases95, 0.95) };
    const covered = (cases: typeof cases80, k: number) =>
      cases.filter((c) => c.actual >= c.median - k * (c.median - c.lower) && c.actual <= c.median + k * (c.upper - c.median)).length /
      Math.max(1, cases.length);
    const n2 = naive2Totals.result(naive2Totals);
    const verdict = naive2Verdict(score(center).units, naive2Totals.units);
    this.stretch = { ids: usable.map((s) => s.id), forecasts: center, usable, ends: usable.map((s) => s.values.length - H), actual, network: med };
    return {
      widths,
      combination,
      validation: {
        series: usable.length,
        smape: final.smape,
        mase: final.mase,
        naive2Smape: n2.smape,
        naive2Mase: n2.mase,
        owa: final.owa,
        modelOwa,
        worseThanNaive2: verdict.verdict === 'worse',
        verdict,
        networkVerdict: naive2Verdict(score(med).units, naive2Totals.units),
        coverage80: covered(cases80, widths['80']),
        coverage95: covered(cases95, widths['95']),
      },
    };
  }

  /** Sorted quantiles [series][h][q] in original units for windows ending at `ends` (default: each series' end). */
  private quantiles(series: readonly EncodedSeries[], ends?: readonly number[]): number[][][] {
    const histories = series.map((s, i) => (ends ? s.values.subarray(0, ends[i]) : s.values));
    const net = this.net!;
    const c = this.config!.network;
    const shape: WindowShape = { window: c.window, patch: c.patch, horizon: c.horizon, season: this.config!.season };
    const Q = QUANTILES.length;
    const out: number[][][] = [];
    const chunk = 512;
    for (let from = 0; from < histories.length; from += chunk) {
      const rows = Math.min(chunk, histories.length - from);
      const x = new Float32Array(rows * c.window);
      const mask = new Float32Array((rows * c.window) / c.patch);
      const norms = [];
      const cov = new CovariateWriter(this.config!.covariates ?? NO_COVARIATES, shape, rows);
      for (let b = 0; b < rows; b++) {
        const v = histories[from + b]!;
        const norm = writeWindow(v, v.length, shape, b, x, mask);
        cov.write(series[from + b]!, v.length, norm, b);
        norms.push(norm);
      }
      const perMember = tf.tidy(() => {
        const xt = tf.tensor2d(x, [rows, c.window]);
        const mt = tf.tensor2d(mask, [rows, c.window / c.patch]);
        const ct = cov.tensors(rows);
        return tf.stack(Array.from({ length: c.members }, (_, k) => forwardMember(net, c, k, xt, mt, ct)));
      });
      const data = ensembleMedian(perMember.dataSync() as Float32Array, c.members);
      perMember.dispose();
      for (let b = 0; b < rows; b++) {
        const { level, scale } = norms[b]!;
        const v = histories[from + b]!;
        let nonNegative = true;
        for (let t = 0; t < v.length; t++) if (v[t]! < 0) nonNegative = false;
        const series: number[][] = [];
        for (let h = 0; h < c.horizon; h++) {
          const row: number[] = [];
          for (let k = 0; k < Q; k++) {
            const val = level + scale * data[(b * c.horizon + h) * Q + k]!;
            row.push(nonNegative && val < 0 ? 0 : val);
          }
          // Quantile heads are trained separately and may cross; sorting restores their order.
          row.sort((a, z) => a - z);
          series.push(row);
        }
        out.push(series);
      }
    }
    return out;
  }

  /** `horizon` values after the end of each series of `history`, with 80% and 95% intervals. */
  async forecast(history: Panel, horizon: number, future?: FutureCovariates): Promise<SeriesForecast[]> {
    const info = this.requireTrained();
    if (!Number.isInteger(horizon) || horizon < 1 || horizon > info.horizon) {
      throw new SeqcastError('BAD_ARGUMENT', `steps must be an integer in 1..${info.horizon}, the horizon this model was trained for (received ${horizon})`, {
        where: 'steps',
      });
    }
    history.series.forEach((s, i) => {
      if (s.values.length === 0) {
        throw new SeqcastError('BAD_INPUT', `series "${s.id}" (number ${i + 1} of ${history.source}) has no values to forecast from`, { where: s.id });
      }
    });
    checkPanelHistory(history);
    const contract = this.config!.covariates ?? NO_COVARIATES;
    const { network } = this.config!;
    const shape: WindowShape = { window: network.window, patch: network.patch, horizon: network.horizon, season: this.config!.season };
    const q = this.quantiles(new CovariateWriter(contract, shape, 1).encode(history, { values: future, horizon }));
    const w = info.widths;
    const { partner, weight } = info.combination ?? { partner: 'naive2', weight: 1 };
    const season = this.config!.season;
    const forecasts = history.series.map((s, i) => {
      const rows = q[i]!.slice(0, horizon);
      const med = rows.map((row) => row[MEDIAN]!);
      const other = weight < 1 ? partnerForecast(s.values, horizon, season, partner) : null;
      const values = other ? med.map((v, h) => weight * v + (1 - weight) * other[h]!) : med;
      // The intervals keep the network's widths around the combined forecast.
      const band = (lo: number, hi: number, k: number) => ({
        lower: rows.map((row, h) => values[h]! - k * (row[MEDIAN]! - row[lo]!)),
        upper: rows.map((row, h) => values[h]! + k * (row[hi]! - row[MEDIAN]!)),
      });
      return { id: s.id, values, intervals: { '80': band(1, 3, w['80']), '95': band(0, 4, w['95']) } };
    });
    checkFiniteForecasts(forecasts);
    return forecasts;
  }

  private requireTrained(): GlobalInfo {
    if (!this.net || !this.config || !this.trained) {
      throw new SeqcastError('NOT_TRAINED', 'the global forecaster has not been trained or loaded yet');
    }
    return this.trained;
  }

  /**
   * The forecasts (as combined) the model made of its held-out stretch after phase one, for an
   * ensemble to validate its combination on; null when there was none or the model was loaded.
   */
  validationStretch(): ValidationStretch | null {
    return this.stretch ? { ids: this.stretch.ids, forecasts: this.stretch.forecasts } : null;
  }

  /** What the model is and what it measured on its held-out stretch. */
  info(): GlobalInfo {
    return this.requireTrained();
  }

  /** The covariate input contract (which columns, their levels and normalisation); none for older models. */
  covariateContract(): CovariateContract {
    this.requireTrained();
    return this.config!.covariates ?? NO_COVARIATES;
  }

  /**
   * Save into a model directory (atomic; standard tfjs layers format plus seqcast.json). `layout`
   * (how the training CSV was read) goes into seqcast.json, so the directory stays one unit that
   * `--force` may replace; `overwrite` as in core's saveModelDir.
   */
  async save(dir: string, options: SaveOptions & { layout?: PanelLayout } = {}): Promise<void> {
    const info = this.requireTrained();
    const { layout, ...save } = options;
    await saveModelDir<SavedConfig, { info: GlobalInfo; options: GlobalForecasterOptions; layout?: PanelLayout }>(
      dir,
      this.net!,
      { kind: GLOBAL_KIND, config: this.config!, extra: { info, options: this.options, ...(layout ? { layout } : {}) } },
      save,
    );
  }

  /** Load a directory written by {@link save}; initialises the backend and the fused kernels. */
  static async load(dir: string): Promise<GlobalForecaster> {
    await initBackend();
    await initKernels();
    const meta = await readModelMetadata<SavedConfig, { info: GlobalInfo; options: GlobalForecasterOptions }>(dir, GLOBAL_KIND);
    const where = `${dir}/seqcast.json`;
    const c = meta.config.network;
    const bad = (field: string) => new SeqcastError('BAD_MODEL', `${where}: field "${field}" is missing or invalid`, { where: `${where}#${field}` });
    if (typeof c !== 'object' || c === null) throw bad('config.network');
    for (const k of ['window', 'patch', 'horizon', 'units', 'members'] as const) if (!Number.isInteger(c[k]) || c[k] < 1) throw bad(`config.network.${k}`);
    if (c.window % c.patch !== 0) throw bad('config.network.window');
    if (!hasCell(c.cell)) throw bad('config.network.cell');
    if (!Number.isInteger(meta.config.season) || meta.config.season < 1) throw bad('config.season');
    const covariates = loadedContract(meta.config.covariates, bad);
    const d = hasCovariates(covariates) ? covariateDims(covariates) : null;
    if (d && (c.covariates?.window !== d.window || c.covariates?.horizon !== d.horizon || c.covariates?.statics !== d.statics))
      throw bad('config.network.covariates');
    const info = meta.extra?.info;
    if (typeof info !== 'object' || info === null || typeof info.widths !== 'object') throw bad('extra.info');
    const model = await loadLayersModelDir(dir);
    const cell = getCell(c.cell);
    try {
      for (let k = 0; k < c.members; k++) {
        const problem = layerMismatch(cell, model.getLayer(`rnn_${k}`), c.patch * (1 + (c.covariates?.window ?? 0)), c.units);
        if (problem) throw new Error(problem);
        for (const name of [`hidden_${k}`, `head_${k}`, `linear_${k}`]) model.getLayer(name);
      }
    } catch (e) {
      model.dispose();
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new SeqcastError('BAD_MODEL', `${dir}: ${msg}`, { where: `${dir}/model.json` }, { cause: e });
    }
    const out = new GlobalForecaster({ ...meta.extra.options, horizon: c.horizon });
    out.net = model;
    out.config = meta.config;
    out.trained = info;
    return out;
  }

  /** Free the weights. */
  dispose(): void {
    this.net?.dispose();
    this.net = null;
  }
}
