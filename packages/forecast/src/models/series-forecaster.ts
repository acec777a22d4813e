/**
 * SeriesForecaster: a recurrent forecaster that is never allowed to be worse than a linear model.
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
import { linearARForecasts, naiveForecasts, seasonalNaiveForecasts } from '../baselines/one-step.js';
import { baseIndex, buildInputs, skipSize, stepSize } from '../inputs/lag-design.js';
import { categoricalLevelsOf, encodeCategorical, expandFeatures, type UnknownLevel } from '../inputs/one-hot.js';
import { linearPredict } from '../linear.js';
import { evaluate } from '../protocol/evaluate.js';
import { column, type SeriesLike } from '../series.js';
import { checkFitRows } from './fit-memory.js';
import { checkFiniteSteps, forecastable, unforecastable } from '../inputs/magnitude.js';
import { type ForecastOptions } from './series-forecaster-options.js';

export type { ForecastOptions } from './series-forecaster-options.js';
import {
  range,
  withIntercept,
  planFit,
  buildFitDesign,
  chooseLinearPath,
  type RecurrentOutcome,
  fitRecurrentPath,
  validationTable,
  describePath,
  exactPath,
  innerBeta,
} from './series-forecaster-fit.js';
import type { FitCallbacks, ForecastConfig, ForecastInfo } from './series-forecaster-types.js';

export type { FitCallbacks, ForecastConfig, ForecastInfo } from './series-forecaster-types.js';

export class SeriesForecaster {
  private constructor(
    readonly config: ForecastConfig,
    private readonly regressor: SequenceRegressor,
    readonly info: ForecastInfo,
  ) {}

  /** Train on the first `split` of `series` (the rest is left for {@link evaluate}). */
  static async fit(series: SeriesLike, options: ForecastOptions, callbacks: FitCallbacks = {}): Promise<SeriesForecaster> {
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
    const model = new SeriesForecaster(config, regressor, info);
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
   * {@link SeriesForecaster.forecast} one horizon at a time: yields after every model pass but the
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
  static async load(dir: string): Promise<SeriesForecaster> {
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
    return new SeriesForecaster(metadata.config, regressor, metadata.extra.info);
  }

  dispose(): void {
    this.regressor.dispose();
  }
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

/**
 * @deprecated use {@link SeriesForecaster}: the per-series model was renamed so that it is not
 * mistaken for the generic name beside `GlobalForecaster`; this alias goes in the next release.
 */
export const Forecaster = SeriesForecaster;
/** @deprecated use {@link SeriesForecaster}; this alias goes in the next release. */
export type Forecaster = SeriesForecaster;
