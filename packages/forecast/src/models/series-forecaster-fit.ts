/**
 * How the SeriesForecaster is fitted: the linear path (ridge penalty and base chosen by
 * cross-validation on the training rows, see selectLinear), the recurrent path on its residual,
 * and the validation table. forecaster.ts holds the model class that runs these steps.
 */
import { SeqcastError, SequenceRegressor } from '@seqcast/core';
import { fitLinearAR, oneStepBaselines } from '../baselines/one-step.js';
import {
  baseIndex,
  buildInputs,
  buildTargets,
  contextFor,
  fitStats,
  skipSize,
  stepSize,
  targetLagsFor,
  type Base,
  type InputStats,
  type DesignSpec,
} from '../inputs/lag-design.js';
import { gram, linearPredict, ridgeLooPredict, ridgeSolve } from '../linear.js';
import { metricTable, safeScale, type MetricTable } from '../protocol/metrics.js';
import { column, type SeriesLike } from '../series.js';
import { resolveForecastOptions, type ForecastOptions, type ResolvedForecastOptions } from './series-forecaster-options.js';

import type { FitCallbacks, ForecastConfig } from './series-forecaster-types.js';
export const LAMBDAS = [0, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3, 10, Infinity];

export function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}

/** Design with an intercept column appended (for ridge). */
export function withIntercept(skip: Float64Array, n: number, K: number): Float64Array {
  const x = new Float64Array(n * (K + 1));
  for (let r = 0; r < n; r++) {
    x.set(skip.subarray(r * K, (r + 1) * K), r * (K + 1));
    x[r * (K + 1) + K] = 1;
  }
  return x;
}

/**
 * One linear-path candidate: a base and a ridge penalty (null = the base alone). `ar` restricts
 * the regressors to the target's own window (lags 0..window-1), which with penalty 0 is exactly
 * the linear AR baseline.
 */
export interface Candidate {
  base: Base;
  lambda: number | null;
  ar?: boolean;
}

export const key = (c: Candidate) => `${c.base}:${String(c.lambda)}${c.ar ? ':ar' : ''}`;
/**
 * Relative CV gain a non-baseline candidate needs over the best baseline (besides exceeding one
 * standard error). Chosen on a spread of synthetic series (random walks, AR, ARMA, seasonal,
 * nonlinear; 90..1000 rows): smaller margins won more often on average but lost to a baseline
 * more often, and losing is what the protocol forbids.
 */
export const MARGIN = 0.2;
/** Fewest validation rows that may decide to keep the recurrent path (fewer cannot tell). */
export const MIN_GATE_ROWS = 20;

/**
 * Choose the linear path for one horizon column by cross-validation on the training origins.
 * Score = mean absolute error (the protocol's metrics are MAE-based). Candidates: each base
 * alone, each base + ridge over every penalty, and the linear AR.
 *
 * One step ahead (h = 0), every training origin is scored by exact leave-one-out (closed form,
 * {@link ridgeLooPredict}): for autoregressions with uncorrelated errors, K-fold and leave-one-out
 * CV are valid (Bergmeir, Hyndman & Koo 2018) and use twice the validation rows of a rolling
 * origin over the last half, with fits on nearly as many rows as the final one. On held-out
 * synthetic families this chose the better of naive and linear AR more often than the rolling
 * origin (see docs/forecast.md). Further steps (h > 0) have overlapping, correlated targets, so
 * they keep the rolling origin: five consecutive blocks over the last half of the training
 * origins, each scored by a fit on the origins before it.
 */
export function selectLinear(
  x: Float64Array,
  K1: number,
  targets: Record<Base, Float64Array>,
  H: number,
  h: number,
  nO: number,
  bases: Base[],
  arExcluded: number[],
): Candidate {
  const blocks = 5;
  const valStart = Math.max(Math.floor(nO * 0.5), 1);
  const blockLen = Math.max(1, Math.floor((nO - valStart) / blocks));
  // Per candidate: its out-of-fold predictions, in one fixed order of validation origins.
  const preds = new Map<string, { c: Candidate; p: number[] }>();
  const actual: number[] = [];
  const add = (c: Candidate, p: ArrayLike<number>) => {
    const s = preds.get(key(c)) ?? { c, p: [] };
    for (let i = 0; i < p.length; i++) s.p.push(p[i]!);
    preds.set(key(c), s);
  };
  if (h === 0) {
    const all = range(0, nO);
    const yn = Float64Array.from(all, (r) => targets.naive[r * H]!);
    // One push per value: spreading a 300k-row array as arguments overflows the call stack.
    for (let i = 0; i < yn.length; i++) actual.push(yn[i]!);
    for (const base of bases) {
      const yh = Float64Array.from(all, (r) => targets[base][r * H]!);
      // offset converts a prediction relative to this base into one relative to the naive base
      const off = Float64Array.from(all, (r) => yn[r]! - yh[r]!);
      add({ base, lambda: null }, off);
      for (const lambda of LAMBDAS)
        add(
          { base, lambda },
          ridgeLooPredict(x, yh, K1, all, lambda, [K1 - 1], nO).map((v, i) => v + off[i]!),
        );
      if (base === 'naive') add({ base, lambda: 0, ar: true }, ridgeLooPredict(x, yh, K1, all, 0, [K1 - 1], nO, arExcluded));
    }
  }
  for (let b = 0; h > 0 && b < blocks; b++) {
    const vs = valStart + b * blockLen;
    const ve = b === blocks - 1 ? nO : Math.min(nO, vs + blockLen);
    if (vs >= ve) continue;
    // Training origins whose targets are all observed before the first validation origin.
    const trainRows = range(0, Math.max(0, vs - H + 1));
    const valRows = range(vs, ve);
    if (trainRows.length < 2) continue;
    // Everything is scored in naive-base units: target = y[t+h] - y[t] (over the scale).
    const yn = Float64Array.from(range(0, nO), (r) => targets.naive[r * H + h]!);
    for (const r of valRows) actual.push(yn[r]!);
    for (const base of bases) {
      const y = targets[base];
      const yh = Float64Array.from(range(0, nO), (r) => y[r * H + h]!);
      // offset converts a prediction relative to this base into one relative to the naive base
      const off = valRows.map((r) => yn[r]! - yh[r]!);
      add({ base, lambda: null }, off);
      const g = gram(x, yh, K1, 1, trainRows);
      for (const lambda of LAMBDAS) {
        // The same total penalty in every fold and in the final fit (a fixed prior), so the
        // penalty chosen here is the one the final model uses.
        const beta = ridgeSolve(g, lambda, [K1 - 1], nO);
        const p = linearPredict(x, K1, beta, 1, valRows);
        add(
          { base, lambda },
          p.map((v, i) => v + off[i]!),
        );
      }
      if (base === 'naive') {
        const p = linearPredict(x, K1, ridgeSolve(g, 0, [K1 - 1], nO, arExcluded), 1, valRows);
        // Small-sample correction: a least-squares fit with k parameters on n rows forecasts with
        // mean squared error ~ sigma^2 (1 + k/n). The fold fits see fewer rows than the final fit,
        // so their errors overstate the final model's; rescale them to the final row count.
        const kAr = K1 - arExcluded.length;
        const corr = Math.sqrt((1 + kAr / nO) / (1 + kAr / trainRows.length));
        add(
          { base, lambda: 0, ar: true },
          p.map((v, i) => yn[valRows[i]!]! + (v - yn[valRows[i]!]!) * corr),
        );
      }
    }
  }
  const mae = (p: number[]) => p.reduce((s, v, i) => s + Math.abs(v - actual[i]!), 0) / Math.max(1, p.length);
  const isBaseline = (c: Candidate) => c.lambda === null || c.ar === true;
  let best: { c: Candidate; p: number[]; score: number } | undefined;
  for (const s of preds.values()) {
    const score = mae(s.p);
    if (!best || score < best.score - 1e-12) best = { c: s.c, p: s.p, score };
  }
  let bestBase: { c: Candidate; p: number[]; score: number } | undefined;
  for (const s of preds.values()) {
    const score = mae(s.p);
    if (isBaseline(s.c) && (!bestBase || score < bestBase.score - 1e-12)) bestBase = { c: s.c, p: s.p, score };
  }
  if (!best || !bestBase) return { base: 'naive', lambda: null };
  if (isBaseline(best.c)) return bestBase.c;
  // The candidates that ARE the baselines (naive, seasonal naive, linear AR) win unless another
  // candidate beats the best of them clearly: by MARGIN, and, in a paired comparison on the
  // same validation rows, by more than one standard error. A gain within the noise would only
  // turn an exact tie with the best baseline into a coin flip.
  const d = best.p.map((v, i) => Math.abs(v - actual[i]!) - Math.abs(bestBase!.p[i]! - actual[i]!));
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, d.length - 1));
  const se = sd / Math.sqrt(d.length);
  return -mean > se && best.score < bestBase.score * (1 - MARGIN) ? best.c : bestBase.c;
}

/** Solve the chosen linear path on `rows`: kernel [K, H] and bias [H] in normalised units. */
export function solveLinear(
  x: Float64Array,
  K1: number,
  targets: Record<Base, Float64Array>,
  H: number,
  chosen: Candidate[],
  rows: number[],
  nO: number,
  arExcluded: number[],
) {
  const K = K1 - 1;
  const kernel = new Float64Array(K * H);
  const bias = new Float64Array(H);
  for (let h = 0; h < H; h++) {
    const c = chosen[h]!;
    if (c.lambda === null) continue;
    const y = targets[c.base];
    const yh = new Float64Array(rows.length ? rows[rows.length - 1]! + 1 : 0); // rows ascend
    for (const r of rows) yh[r] = y[r * H + h]!;
    const beta = ridgeSolve(gram(x, yh, K1, 1, rows), c.lambda, [K], nO, c.ar ? arExcluded : []);
    for (let a = 0; a < K; a++) kernel[a * H + h] = beta[a]!;
    bias[h] = beta[K]!;
  }
  return { kernel, bias };
}

/**
 * A trained forecaster. Create with {@link SeriesForecaster.fit} or {@link SeriesForecaster.load}.
 *
 * @example
 * const series = await readCsv({ path: 'monthly-car-sales.csv' });
 * const model = await SeriesForecaster.fit(series, { target: 'Sales', season: 12, seed: 1 });
 * model.forecast(lastRows, 3);                 // next 3 values, original units
 * const report = evaluate(model, series);      // model vs naive / seasonal naive / linear AR
 * await model.save('models/cars');
 */
/** {@link ForecastOptions} with every default applied and checked (forecaster-options.ts), the target among the features. */
export type FitPlan = ResolvedForecastOptions & { features: string[] };

export function planFit(options: ForecastOptions): FitPlan {
  const o = resolveForecastOptions(options);
  const features = [...(o.features?.length ? o.features : [o.target])];
  if (new Set(features).size !== features.length) {
    throw new SeqcastError('BAD_ARGUMENT', `features lists a column twice (${features.join(',')})`, { where: 'features' });
  }
  if (!features.includes(o.target)) features.push(o.target);
  return { ...o, features };
}

/** Every training origin's inputs and targets (normalised units), with the columns they came from. */
export interface FitDesign {
  spec: DesignSpec;
  y: Float64Array;
  n: number;
  trainEnd: number;
  /** Training origins t (t + horizon <= trainEnd - 1), and how many. */
  origins: number[];
  nO: number;
  /** Lag regressors [nO, K], with an intercept column [nO, K + 1], and the recurrent windows. */
  skip: Float64Array;
  x: Float64Array;
  win: Float32Array;
  K: number;
  K1: number;
  bases: Base[];
  targets: Record<Base, Float64Array>;
  /** Columns outside the linear AR baseline's regressors (target lags 1..window-1 and the level). */
  arExcluded: number[];
}

export function buildFitDesign(series: SeriesLike, plan: FitPlan): FitDesign {
  const { features, target, window, horizon, season, split } = plan;
  const cols = features.map((f) => column(series, f, series.source ?? 'series'));
  const y = cols[features.indexOf(target)]!;
  const n = series.rows;
  const trainEnd = Math.floor(split * n);
  const context = contextFor(window, season);
  const firstOrigin = context - 1;
  const nO = trainEnd - horizon - firstOrigin;
  const minOrigins = 20;
  if (nO < minOrigins) {
    const need = Math.ceil((minOrigins + horizon + firstOrigin) / split);
    throw new SeqcastError(
      'BAD_INPUT',
      `${series.source ?? 'series'}: ${n} rows are too few for window ${window}, season ${season}, horizon ${horizon} (need at least ${need})`,
      { where: series.source ?? 'series' },
    );
  }
  const stats: Record<string, InputStats> = {};
  features.forEach((f, i) => (stats[f] = fitStats(cols[i]!, trainEnd)));
  const spec: DesignSpec = { features, target, window, horizon, season, targetLags: targetLagsFor(window, season), context, stats };
  const K = skipSize(spec);
  const origins = range(firstOrigin, firstOrigin + nO);
  const { skip, window: win } = buildInputs(spec, cols, origins);
  const bases: Base[] = season > 1 ? ['naive', 'seasonal'] : ['naive'];
  const targets = {} as Record<Base, Float64Array>;
  for (const b of bases) targets[b] = buildTargets(spec, y, origins, Array(horizon).fill(b));
  const arExcluded = range(0, K).filter((i) => !(i === spec.targetLags.length || (i < spec.targetLags.length && spec.targetLags[i]! < window)));
  return { spec, y, n, trainEnd, origins, nO, skip, x: withIntercept(skip, nO, K), win, K, K1: K + 1, bases, targets, arExcluded };
}

/** The linear path: base + ridge penalty per horizon step chosen by cross-validation (selectLinear), solved on the inner rows. */
export interface LinearPath {
  chosen: Candidate[];
  bases: Base[];
  /** Targets against each step's chosen base. */
  targets: Float64Array;
  /** Origins that train (inner) and that validate (the last `validation` share). */
  innerRows: number[];
  valRows: number[];
  inner: { kernel: Float64Array; bias: Float64Array };
}

export function chooseLinearPath(d: FitDesign, plan: FitPlan): LinearPath {
  const chosen = range(0, plan.horizon).map((h) => selectLinear(d.x, d.K1, d.targets, plan.horizon, h, d.nO, d.bases, d.arExcluded));
  const bases = chosen.map((c) => c.base);
  const nVal = Math.max(1, Math.round(d.nO * plan.validation));
  const valFirst = d.nO - nVal;
  const innerRows = range(0, Math.max(1, valFirst - plan.horizon + 1));
  return {
    chosen,
    bases,
    targets: buildTargets(d.spec, d.y, d.origins, bases),
    innerRows,
    valRows: range(valFirst, d.nO),
    inner: solveLinear(d.x, d.K1, d.targets, plan.horizon, chosen, innerRows, d.nO, d.arExcluded),
  };
}

export interface RecurrentOutcome {
  used: boolean;
  epochs: number;
  bestEpoch: number;
  valMaeLinear: number;
  valMaeWithRnn: number;
  /** The linear path the model keeps: the inner fit beside the recurrent path, else refitted on every origin. */
  linear: { kernel: Float64Array; bias: Float64Array };
}

/** The recurrent windows of rows `rows` of the design, [rows, window, step] row-major. */
export function windowsOf(d: FitDesign, plan: FitPlan, rows: number[]): { n: number; x: Float32Array } {
  const per = plan.window * stepSize(d.spec);
  const x = new Float32Array(rows.length * per);
  rows.forEach((r, i) => x.set(d.win.subarray(r * per, (r + 1) * per), i * per));
  return { n: rows.length, x };
}

/**
 * Rows `rows` as the regressor's batch: the windows in, the residual of the linear path
 * `linear` out (`y`, float32 for tfjs; `residual` keeps it in float64 for the gate's errors).
 */
export function residualData(d: FitDesign, lin: LinearPath, plan: FitPlan, rows: number[], linear: LinearPath['inner']) {
  const H = plan.horizon;
  const fitted = linearPredict(d.x, d.K1, innerBeta(linear.kernel, linear.bias, d.K, H), H, rows);
  const residual = Float64Array.from(fitted, (v, j) => lin.targets[rows[Math.floor(j / H)]! * H + (j % H)]! - v);
  return { ...windowsOf(d, plan, rows), y: Float32Array.from(residual), residual };
}

/**
 * The recurrent path trained on the residual of the inner linear path, early stopping on
 * validation; kept only for a clear gain, else the linear path is refitted on every origin.
 */
export async function fitRecurrentPath(
  regressor: SequenceRegressor,
  d: FitDesign,
  lin: LinearPath,
  plan: FitPlan,
  callbacks: FitCallbacks,
): Promise<RecurrentOutcome> {
  const { horizon } = plan;
  // The validation rows split in two: the first half picks the epoch (early stopping), the
  // second half decides whether the recurrent path is kept, on rows that did not choose it.
  const half = Math.max(1, Math.floor(lin.valRows.length / 2));
  const stopData = residualData(d, lin, plan, lin.valRows.slice(0, half), lin.inner);
  const gateData = lin.valRows.length > 1 ? residualData(d, lin, plan, lin.valRows.slice(half), lin.inner) : stopData;
  // One-step error of linear + recurrent = |residual - recurrent|; the linear path alone: |residual|.
  const valErrors = (p?: Float32Array) => Array.from({ length: gateData.n }, (_, i) => Math.abs(gateData.residual[i * horizon]! - (p ? p[i * horizon]! : 0)));
  const meanOf = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const errLinear = valErrors();
  const out: RecurrentOutcome = { used: false, epochs: 0, bestEpoch: 0, valMaeLinear: meanOf(errLinear), valMaeWithRnn: meanOf(errLinear), linear: lin.inner };
  if (plan.epochs > 0) {
    const r = await regressor.fit(
      residualData(d, lin, plan, lin.innerRows, lin.inner),
      {
        epochs: plan.epochs,
        seed: plan.seed,
        learningRate: plan.learningRate,
        batchSize: plan.batchSize,
        patience: plan.patience,
        validation: stopData,
      },
      callbacks,
    );
    out.epochs = r.epochs;
    out.bestEpoch = r.bestEpoch;
    const errRnn = valErrors(regressor.predict(gateData));
    out.valMaeWithRnn = meanOf(errRnn);
    // Kept only for a clear gain on enough gate rows: at least minGain relative, and more
    // than one standard error in a paired comparison.
    const diff = errRnn.map((e, i) => errLinear[i]! - e);
    const md = meanOf(diff);
    const se = Math.sqrt(diff.reduce((a, b) => a + (b - md) ** 2, 0) / Math.max(1, diff.length - 1) / diff.length);
    out.used = gateData.n >= MIN_GATE_ROWS && out.bestEpoch > 0 && out.valMaeWithRnn < out.valMaeLinear * (1 - plan.minGain) && md > se;
  }
  if (!out.used) out.linear = solveLinear(d.x, d.K1, d.targets, horizon, lin.chosen, range(0, d.nO), d.nO, d.arExcluded);
  return out;
}

/**
 * Validation metrics (one step ahead over the validation rows) of the inner-train model against
 * baselines fitted on the same inner rows, in original units: the inner linear path, plus the
 * recurrent path when it is kept (trained on the inner rows only).
 */
export function validationTable(d: FitDesign, lin: LinearPath, plan: FitPlan, recurrent: SequenceRegressor | null): MetricTable & { rows: number } {
  const { horizon, season, target } = plan;
  const y = d.y;
  const valOrigins = lin.valRows.map((r) => d.origins[r]!);
  const valActual = Float64Array.from(valOrigins, (t) => y[t + 1]!);
  const firstValRow = valOrigins[0]! + 1;
  const valScale = safeScale(y, firstValRow, season);
  const innerLin = linearPredict(d.x, d.K1, innerBeta(lin.inner.kernel, lin.inner.bias, d.K, horizon), horizon, lin.valRows);
  const rec = recurrent ? recurrent.predict(windowsOf(d, plan, lin.valRows)) : undefined;
  const valModel = Float64Array.from(
    valOrigins,
    (t, i) => y[baseIndex(lin.bases[0]!, t, 1, season)]! + d.spec.stats[target]!.dscale * (innerLin[i * horizon]! + (rec ? rec[i * horizon]! : 0)),
  );
  return {
    ...metricTable(valActual, valModel, oneStepBaselines(y, valOrigins, plan.window, season, firstValRow), valScale),
    rows: valOrigins.length,
  };
}

/** Plain description of a chosen linear path. */
export function describePath(c: Candidate): string {
  const b = c.base === 'seasonal' ? 'seasonal naive' : 'naive';
  if (c.lambda === null) return b;
  if (c.ar) return 'linear AR';
  return `${b} + ridge(${c.lambda})`;
}

/** The baseline a chosen one-step candidate is, if it is one (see ForecastConfig.exact). */
export function exactPath(c: Candidate, y: Float64Array, window: number, trainEnd: number): ForecastConfig['exact'] {
  if (c.lambda === null) return c.base === 'naive' ? { kind: 'naive' } : { kind: 'seasonal' };
  if (c.ar && c.lambda === 0) {
    const ar = fitLinearAR(y, window, trainEnd);
    return { kind: 'ar', window, center: ar.center, coef: Array.from(ar.coef) };
  }
  return null;
}

export function innerBeta(kernel: Float64Array, bias: Float64Array, K: number, H: number): Float64Array {
  const beta = new Float64Array((K + 1) * H);
  beta.set(kernel, 0);
  beta.set(bias, K * H);
  return beta;
}
