/**
 * Forecaster: a recurrent forecaster that is never allowed to be worse than a linear model.
 *
 * Structure (per output horizon h): forecast = base_h + dscale · (linear(z) + rnn(window)), where
 * base_h is the naive or seasonal-naive value, z the scale-free lag regressors of inputs/lag-design.ts and
 * the linear map a ridge regression solved in closed form. The ridge penalty and the base are
 * chosen by cross-validation on the training rows (exact leave-one-out one step ahead, a rolling
 * origin beyond: see selectLinear; an infinite penalty is "predict the base", zero penalty is the
 * ordinary linear AR), so the linear path alone already sits
 * between the baselines. The recurrent path (a plain SequenceRegressor from @seqcast/core, head
 * initialised at zero) then learns the residual target - linear(z), stops early on the validation
 * rows, and is kept only if it improves the validation MAE; otherwise the model is the linear path
 * refitted on all training rows. The linear path is computed and stored in float64 here only
 * (config.linearKernel/linearBias); forecasts add the regressor's output to it.
 */
import { initBackend, initKernels, SeqcastError, SequenceRegressor, trainingMemoryBudget, type ModelMetadata, type SaveOptions } from '@seqcast/core';
import { fitLinearAR, linearARForecasts, naiveForecasts, oneStepBaselines, seasonalNaiveForecasts } from '../baselines/one-step.js';
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
import { categoricalLevelsOf, encodeCategorical, expandFeatures, type CategoricalLevels, type UnknownLevel } from '../inputs/one-hot.js';
import { gram, linearPredict, ridgeLooPredict, ridgeSolve } from '../linear.js';
import { evaluate } from '../protocol/evaluate.js';
import { metricTable, safeScale, type MetricTable } from '../protocol/metrics.js';
import { column, type SeriesLike } from '../series.js';
import { checkFitRows } from './fit-memory.js';
import { checkFiniteSteps, forecastable, unforecastable } from '../inputs/magnitude.js';
import { resolveForecastOptions, type ForecastOptions, type ResolvedForecastOptions } from './forecaster-options.js';

export type { ForecastOptions } from './forecaster-options.js';

export interface FitCallbacks {
  onEpoch?(p: { epoch: number; epochs: number; loss: number; valLoss?: number; elapsedMs: number }): void;
  signal?: AbortSignal;
}

/** What is stored in seqcast.json's `config` (besides `regressor`). */
export interface ForecastConfig extends DesignSpec {
  split: number;
  validation: number;
  seed: number;
  /** Base forecast per horizon step. */
  bases: Base[];
  /** Chosen ridge penalty per horizon step (null = base only). */
  lambdas: (number | null)[];
  /** Per horizon step: the linear path uses only the target's own window (the linear AR). */
  arOnly: boolean[];
  /** Whether the recurrent path contributes. */
  rnnUsed: boolean;
  /**
   * When the one-step forecast IS a baseline (the recurrent path dropped), the baseline itself:
   * forecasts then equal the protocol's baseline bit for bit, not merely up to rounding.
   */
  exact: { kind: 'naive' } | { kind: 'seasonal' } | { kind: 'ar'; window: number; center: number; coef: number[] } | null;
  /**
   * The linear path in float64 (its one stored copy): kernel [K, horizon] row-major and bias
   * [horizon], normalised units. Models saved up to f230b82 also hold a float32 copy as the
   * regressor's `skip_linear` layer, which loading ignores.
   */
  linearKernel: number[];
  linearBias: number[];
  /** Levels of the one-hot encoded (categorical) features; absent without them. */
  categorical?: CategoricalLevels;
}

/** Public description of a trained model (what /v1/models shows). */
export interface ForecastInfo {
  kind: 'forecast';
  target: string;
  features: string[];
  window: number;
  horizon: number;
  season: number;
  /** Rows of history a forecast needs (the window, or season + 1 when larger). */
  context: number;
  split: number;
  validation: number;
  seed: number;
  trainRows: number;
  rows: number;
  source: string | null;
  /** How the training CSV was read (see {@link ForecastOptions.newestFirst}). */
  newestFirst: boolean;
  /** Missing-cell policy of the training CSV, when one was chosen (see {@link ForecastOptions.missing}). */
  missing?: 'drop' | 'ffill';
  /** Columns combined into the training CSV's timestamp (see {@link ForecastOptions.timeColumns}). */
  timeColumns?: string[];
  /** The frequency the season was inferred from (see {@link ForecastOptions.frequency}). */
  frequency?: string;
  /** Categorical features and their levels (the first is the reference); `features` lists their indicator columns. */
  categorical?: CategoricalLevels;
  /**
   * The linear path per horizon step: base, ridge penalty (null = the base alone), whether it is
   * the linear AR on the window, and a plain description ("naive", "seasonal naive", "linear AR",
   * "naive + ridge(0.1)").
   */
  linear: { bases: Base[]; lambdas: (number | null)[]; arOnly: boolean[]; paths: string[] };
  /** valMae*: MAE (scaled units) on the gate half of the validation rows, without / with the recurrent path. */
  rnn: { cell: string; units: number; used: boolean; epochs: number; bestEpoch: number; valMaeLinear: number; valMaeWithRnn: number };
  metrics: { validation: MetricTable & { rows: number }; test?: MetricTable & { rows: number } };
  trainedMs: number;
  created: string;
}

const LAMBDAS = [0, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3, 10, Infinity];

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}

/** Design with an intercept column appended (for ridge). */
function withIntercept(skip: Float64Array, n: number, K: number): Float64Array {
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
interface Candidate {
  base: Base;
  lambda: number | null;
  ar?: boolean;
}

const key = (c: Candidate) => `${c.base}:${String(c.lambda)}${c.ar ? ':ar' : ''}`;
/**
 * Relative CV gain a non-baseline candidate needs over the best baseline (besides exceeding one
 * standard error). Chosen on a spread of synthetic series (random walks, AR, ARMA, seasonal,
 * nonlinear; 90..1000 rows): smaller margins won more often on average but lost to a baseline
 * more often, and losing is what the protocol forbids.
 */
const MARGIN = 0.2;
/** Fewest validation rows that may decide to keep the recurrent path (fewer cannot tell). */
const MIN_GATE_ROWS = 20;

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
function selectLinear(
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
function solveLinear(
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
 * A trained forecaster. Create with {@link Forecaster.fit} or {@link Forecaster.load}.
 *
 * @example
 * const series = await readCsv({ path: 'monthly-car-sales.csv' });
 * const model = await Forecaster.fit(series, { target: 'Sales', season: 12, seed: 1 });
 * model.forecast(lastRows, 3);                 // next 3 values, original units
 * const report = evaluate(model, series);      // model vs naive / seasonal naive / linear AR
 * await model.save('models/cars');
 */
/** {@link ForecastOptions} with every default applied and checked (forecaster-options.ts), the target among the features. */
type FitPlan = ResolvedForecastOptions & { features: string[] };

function planFit(options: ForecastOptions): FitPlan {
  const o = resolveForecastOptions(options);
  const features = [...(o.features?.length ? o.features : [o.target])];
  if (new Set(features).size !== features.length) {
    throw new SeqcastError('BAD_ARGUMENT', `features lists a column twice (${features.join(',')})`, { where: 'features' });
  }
  if (!features.includes(o.target)) features.push(o.target);
  return { ...o, features };
}

/** Every training origin's inputs and targets (normalised units), with the columns they came from. */
interface FitDesign {
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

function buildFitDesign(series: SeriesLike, plan: FitPlan): FitDesign {
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
interface LinearPath {
  chosen: Candidate[];
  bases: Base[];
  /** Targets against each step's chosen base. */
  targets: Float64Array;
  /** Origins that train (inner) and that validate (the last `validation` share). */
  innerRows: number[];
  valRows: number[];
  inner: { kernel: Float64Array; bias: Float64Array };
}

function chooseLinearPath(d: FitDesign, plan: FitPlan): LinearPath {
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

interface RecurrentOutcome {
  used: boolean;
  epochs: number;
  bestEpoch: number;
  valMaeLinear: number;
  valMaeWithRnn: number;
  /** The linear path the model keeps: the inner fit beside the recurrent path, else refitted on every origin. */
  linear: { kernel: Float64Array; bias: Float64Array };
}

/** The recurrent windows of rows `rows` of the design, [rows, window, step] row-major. */
function windowsOf(d: FitDesign, plan: FitPlan, rows: number[]): { n: number; x: Float32Array } {
  const per = plan.window * stepSize(d.spec);
  const x = new Float32Array(rows.length * per);
  rows.forEach((r, i) => x.set(d.win.subarray(r * per, (r + 1) * per), i * per));
  return { n: rows.length, x };
}

/**
 * Rows `rows` as the regressor's batch: the windows in, the residual of the linear path
 * `linear` out (`y`, float32 for tfjs; `residual` keeps it in float64 for the gate's errors).
 */
function residualData(d: FitDesign, lin: LinearPath, plan: FitPlan, rows: number[], linear: LinearPath['inner']) {
  const H = plan.horizon;
  const fitted = linearPredict(d.x, d.K1, innerBeta(linear.kernel, linear.bias, d.K, H), H, rows);
  const residual = Float64Array.from(fitted, (v, j) => lin.targets[rows[Math.floor(j / H)]! * H + (j % H)]! - v);
  return { ...windowsOf(d, plan, rows), y: Float32Array.from(residual), residual };
}

/**
 * The recurrent path trained on the residual of the inner linear path, early stopping on
 * validation; kept only for a clear gain, else the linear path is refitted on every origin.
 */
async function fitRecurrentPath(
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
function validationTable(d: FitDesign, lin: LinearPath, plan: FitPlan, recurrent: SequenceRegressor | null): MetricTable & { rows: number } {
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

export class Forecaster {
  private constructor(
    readonly config: ForecastConfig,
    private readonly regressor: SequenceRegressor,
    readonly info: ForecastInfo,
  ) {}

  /** Train on the first `split` of `series` (the rest is left for {@link evaluate}). */
  static async fit(series: SeriesLike, options: ForecastOptions, callbacks: FitCallbacks = {}): Promise<Forecaster> {
    await initBackend();
    const started = Date.now();
    const plan = planFit(options);
    // Categorical features (text columns) become indicator columns; their levels are saved.
    const levels = categoricalLevelsOf(series, plan.features);
    const categorical = Object.keys(levels).length ? levels : undefined;
    if (categorical) {
      series = encodeCategorical(series, categorical);
      plan.features = expandFeatures(plan.features, categorical);
    }
    // Before any design array exists: the rows must fit the training memory budget.
    const shape = { window: plan.window, horizon: plan.horizon, season: plan.season, features: plan.features.length };
    checkFitRows(series.rows, shape, trainingMemoryBudget(), series.source ?? 'series');
    const d = buildFitDesign(series, plan);
    const lin = chooseLinearPath(d, plan);
    const regressor = SequenceRegressor.create(
      { window: plan.window, features: stepSize(d.spec), horizon: plan.horizon, cell: plan.cell, units: plan.units },
      plan.seed,
    );
    let rnn: RecurrentOutcome;
    try {
      rnn = await fitRecurrentPath(regressor, d, lin, plan, callbacks);
    } catch (e) {
      regressor.dispose();
      throw e;
    }

    const config: ForecastConfig = {
      ...d.spec,
      split: plan.split,
      validation: plan.validation,
      seed: plan.seed,
      bases: lin.bases,
      lambdas: lin.chosen.map((c) => c.lambda),
      arOnly: lin.chosen.map((c) => c.ar === true),
      rnnUsed: rnn.used,
      exact: rnn.used ? null : exactPath(lin.chosen[0]!, d.y, plan.window, d.trainEnd),
      linearKernel: Array.from(rnn.linear.kernel),
      linearBias: Array.from(rnn.linear.bias),
      ...(categorical ? { categorical } : {}),
    };
    const info: ForecastInfo = {
      kind: 'forecast',
      target: plan.target,
      features: plan.features,
      window: plan.window,
      horizon: plan.horizon,
      season: plan.season,
      context: d.spec.context,
      split: plan.split,
      validation: plan.validation,
      seed: plan.seed,
      trainRows: d.trainEnd,
      rows: d.n,
      source: series.source ?? null,
      newestFirst: plan.newestFirst,
      ...(plan.missing ? { missing: plan.missing } : {}),
      ...(plan.timeColumns ? { timeColumns: plan.timeColumns } : {}),
      ...(plan.frequency ? { frequency: plan.frequency } : {}),
      ...(categorical ? { categorical } : {}),
      linear: { bases: lin.bases, lambdas: config.lambdas, arOnly: config.arOnly, paths: lin.chosen.map(describePath) },
      rnn: {
        cell: plan.cell,
        units: plan.units,
        used: rnn.used,
        epochs: rnn.epochs,
        bestEpoch: rnn.bestEpoch,
        valMaeLinear: rnn.valMaeLinear,
        valMaeWithRnn: rnn.valMaeWithRnn,
      },
      metrics: { validation: validationTable(d, lin, plan, rnn.used ? regressor : null) },
      trainedMs: Date.now() - started,
      created: new Date().toISOString(),
    };
    const model = new Forecaster(config, regressor, info);
    if (d.n - Math.max(d.trainEnd, d.spec.context) >= 1) {
      const rep = evaluate(model, series);
      info.metrics.test = { ...rep.metrics, rows: rep.rows };
    }
    return model;
  }

  /**
   * One-step-ahead (and up to `horizon`-step) forecasts in original units from origins `origins`
   * of `series` columns; returns [origins.length, horizon] row-major.
   */
  predictOrigins(cols: Float64Array[], origins: ArrayLike<number>): Float64Array {
    const c = this.config;
    const H = c.horizon;
    const { skip, window } = buildInputs(c, cols, origins);
    const K = skipSize(c);
    const out = new Float64Array(origins.length * H);
    // Chunks keep tensor sizes bounded for long series.
    const chunk = 4096;
    const W2 = c.window * stepSize(c);
    const y = cols[c.features.indexOf(c.target)]!;
    const ds = c.stats[c.target]!.dscale;
    const beta = innerBeta(Float64Array.from(c.linearKernel), Float64Array.from(c.linearBias), K, H);
    const lin = linearPredict(withIntercept(skip, origins.length, K), K + 1, beta, H, range(0, origins.length));
    const ex = c.exact;
    const exact =
      ex === null || ex === undefined
        ? undefined
        : ex.kind === 'naive'
          ? naiveForecasts(y, origins)
          : ex.kind === 'seasonal'
            ? seasonalNaiveForecasts(y, origins, c.season)
            : linearARForecasts({ window: ex.window, center: ex.center, coef: Float64Array.from(ex.coef) }, y, origins);
    for (let a = 0; a < origins.length; a += chunk) {
      const b = Math.min(origins.length, a + chunk);
      const rec = c.rnnUsed ? this.regressor.predict({ n: b - a, x: window.subarray(a * W2, b * W2) }) : undefined;
      for (let i = a; i < b; i++) {
        const t = origins[i]!;
        for (let h = 1; h <= H; h++) {
          const j = i * H + h - 1;
          out[j] = y[baseIndex(c.bases[h - 1]!, t, h, c.season)]! + ds * (lin[j]! + (rec ? rec[(i - a) * H + h - 1]! : 0));
        }
        if (exact) out[i * H] = exact[i]!;
      }
    }
    return out;
  }

  /** The model's input columns from a series (validated; categorical features one-hot encoded). */
  columnsOf(series: SeriesLike): Float64Array[] {
    const s = this.encode(series);
    return this.config.features.map((f) => column(s, f, series.source ?? 'series'));
  }

  /**
   * `series` with the model's categorical features one-hot encoded as in training (unchanged for
   * a model without them). A level unseen in training is an error naming the column, the level
   * and the file line, or with `unknownLevel: 'ignore'` is encoded as the reference level.
   */
  encode(series: SeriesLike, unknownLevel: UnknownLevel = 'error'): SeriesLike {
    return this.config.categorical ? encodeCategorical(series, this.config.categorical, unknownLevel) : series;
  }

  /** The last `info.context` rows of `series` as records, ready for {@link forecast}. */
  rowsOf(series: SeriesLike): Record<string, number>[] {
    const cols = this.columnsOf(series);
    const n = series.rows;
    if (n < this.config.context) {
      throw new SeqcastError('BAD_INPUT', `${series.source ?? 'series'}: ${n} rows, the model needs at least ${this.config.context}`, {
        where: series.source ?? 'series',
      });
    }
    const out: Record<string, number>[] = [];
    for (let i = n - this.config.context; i < n; i++) {
      const r: Record<string, number> = {};
      this.config.features.forEach((f, c) => (r[f] = cols[c]![i]!));
      out.push(r);
    }
    return out;
  }

  /**
   * The next `steps` values of the target after the last row, in original units. `rows` are
   * oldest first with every feature column, at least `info.context` of them. Steps beyond the
   * horizon are recursive: predictions are appended as new rows (other features carried
   * forward at their last value) and forecasting continues from there.
   *
   * @example model.forecast(rows.slice(-model.info.context), 5)
   */
  forecast(rows: Record<string, number>[], steps: number): number[] {
    const it = this.forecastSteps(rows, steps);
    for (;;) {
      const r = it.next();
      if (r.done) return r.value;
    }
  }

  /**
   * {@link Forecaster.forecast} one horizon at a time: yields after every model pass but the
   * last, so a server can interleave a long recursive forecast with other work; returns what
   * `forecast` returns. Arguments are checked on the first `next()`.
   */
  *forecastSteps(rows: Record<string, number>[], steps: number): Generator<void, number[], undefined> {
    const c = this.config;
    if (!Number.isInteger(steps) || steps < 1) {
      throw new SeqcastError('BAD_ARGUMENT', `steps must be a positive integer (received ${String(steps)})`, { where: 'steps' });
    }
    if (!Array.isArray(rows) || rows.length < c.context) {
      throw new SeqcastError('BAD_INPUT', `forecast needs at least ${c.context} rows of history (received ${Array.isArray(rows) ? rows.length : 0})`, {
        where: 'rows',
      });
    }
    const used = rows.slice(-c.context);
    const cols = c.features.map((f) =>
      Float64Array.from(used, (r, i) => {
        const v = r?.[f];
        if (typeof v !== 'number' || !forecastable(v)) {
          const where = `rows[${rows.length - used.length + i}].${f}`;
          throw new SeqcastError('BAD_INPUT', unforecastable(typeof v === 'number' ? v : NaN, where), { where });
        }
        return v;
      }),
    );
    const out: number[] = [];
    let hist = cols.map((a) => Array.from(a));
    const ti = c.features.indexOf(c.target);
    while (out.length < steps) {
      const cur = hist.map((a) => Float64Array.from(a.slice(-c.context)));
      const p = this.predictOrigins(cur, [c.context - 1]);
      const take = Math.min(c.horizon, steps - out.length);
      for (let h = 0; h < take; h++) {
        out.push(p[h]!);
        hist = hist.map((a, i) => [...a, i === ti ? p[h]! : a[a.length - 1]!]);
      }
      if (out.length < steps) yield;
    }
    checkFiniteSteps(out);
    return out;
  }

  /** Save into a model directory (kind "forecast"), atomically; an existing model is replaced only with `overwrite`. */
  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    await this.regressor.save(dir, { kind: 'forecast', config: this.config, extra: { info: this.info } }, options);
  }

  /** Load a directory written by {@link save}. */
  static async load(dir: string): Promise<Forecaster> {
    await initBackend();
    // Pick the fused kernels now: forecasts of a loaded model otherwise ran the reference path.
    await initKernels();
    // Directories from f230b82 and before also hold the linear path as a skip layer; the float64
    // copy in the config is the one forecasts use, then and now.
    const { regressor, metadata } = await SequenceRegressor.load<ForecastConfig, { info: ForecastInfo }>(dir, 'forecast', { ignoreSkipLayer: true });
    try {
      checkConfig(metadata, dir);
    } catch (e) {
      regressor.dispose();
      throw e;
    }
    return new Forecaster(metadata.config, regressor, metadata.extra.info);
  }

  dispose(): void {
    this.regressor.dispose();
  }
}

/** Plain description of a chosen linear path. */
function describePath(c: Candidate): string {
  const b = c.base === 'seasonal' ? 'seasonal naive' : 'naive';
  if (c.lambda === null) return b;
  if (c.ar) return 'linear AR';
  return `${b} + ridge(${c.lambda})`;
}

/** The baseline a chosen one-step candidate is, if it is one (see ForecastConfig.exact). */
function exactPath(c: Candidate, y: Float64Array, window: number, trainEnd: number): ForecastConfig['exact'] {
  if (c.lambda === null) return c.base === 'naive' ? { kind: 'naive' } : { kind: 'seasonal' };
  if (c.ar && c.lambda === 0) {
    const ar = fitLinearAR(y, window, trainEnd);
    return { kind: 'ar', window, center: ar.center, coef: Array.from(ar.coef) };
  }
  return null;
}

function innerBeta(kernel: Float64Array, bias: Float64Array, K: number, H: number): Float64Array {
  const beta = new Float64Array((K + 1) * H);
  beta.set(kernel, 0);
  beta.set(bias, K * H);
  return beta;
}

function checkConfig(meta: ModelMetadata<ForecastConfig, { info: ForecastInfo }>, dir: string): void {
  const c = meta.config;
  const where = `${dir}/seqcast.json#config`;
  const bad = (field: string) => new SeqcastError('BAD_MODEL', `${dir}: field "config.${field}" is missing or invalid`, { where: `${where}.${field}` });
  if (typeof c.target !== 'string') throw bad('target');
  if (!Array.isArray(c.features) || !c.features.includes(c.target)) throw bad('features');
  for (const k of ['window', 'horizon', 'season', 'context'] as const) if (!Number.isInteger(c[k]) || c[k] < 1) throw bad(k);
  if (!Array.isArray(c.bases) || c.bases.length !== c.horizon) throw bad('bases');
  if (!Array.isArray(c.targetLags)) throw bad('targetLags');
  const K = c.targetLags.length + 1 + (c.features.length - 1) * c.window;
  if (!Array.isArray(c.linearKernel) || c.linearKernel.length !== K * c.horizon) throw bad('linearKernel');
  if (!Array.isArray(c.linearBias) || c.linearBias.length !== c.horizon) throw bad('linearBias');
  const ex = c.exact;
  if (ex !== null && !(ex?.kind === 'naive' || ex?.kind === 'seasonal' || (ex?.kind === 'ar' && Array.isArray(ex.coef) && ex.coef.length === ex.window + 1))) {
    throw bad('exact');
  }
  for (const f of c.features) if (!c.stats?.[f]) throw bad(`stats.${f}`);
  if (!meta.extra || typeof meta.extra.info !== 'object') {
    throw new SeqcastError('BAD_MODEL', `${dir}: field "extra.info" is missing`, { where: `${dir}/seqcast.json#extra.info` });
  }
}
