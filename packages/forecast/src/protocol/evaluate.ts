/**
 * The evaluation protocol (one definition used by the library, CLI, server and docs):
 * chronological split at the model's stored `split` (default 80/20); one-step-ahead forecasts of
 * every test row from the true history before it (rolling origin, no refit), in original units;
 * RMSE, MAE, MAPE, sMAPE, MASE (scale = training MAE of the seasonal naive with the model's
 * season m); baselines naive, seasonal naive (m > 1) and a linear AR on the same window fitted
 * on the training rows, all on exactly the same rows.
 */
import { SeqcastError } from '@seqcast/core';
import { ONE_STEP_BASELINES, oneStepBaselines, type OneStepBaselineName } from '../baselines/one-step.js';
import { column, type SeriesLike } from '../series.js';
import { metricTable, safeScale, type MetricTable } from './metrics.js';

/**
 * What the one-series protocol needs of a model: its settings and its forecasts from given
 * origins. The SeriesForecaster implements it; the protocol never imports the SeriesForecaster (no cycle).
 */
export interface OneStepModel {
  readonly config: {
    readonly target: string;
    readonly split: number;
    readonly context: number;
    readonly window: number;
    readonly horizon: number;
    readonly season: number;
  };
  /** The model's input columns read from `series`, in its feature order. */
  columnsOf(series: SeriesLike): Float64Array[];
  /** Forecasts from each origin, [origins.length, horizon] row-major, original units. */
  predictOrigins(cols: Float64Array[], origins: ArrayLike<number>): Float64Array;
}

export type MethodName = 'model' | OneStepBaselineName;

/** Result of {@link evaluate}. */
export interface EvalReport {
  metrics: MetricTable;
  /** Number of test rows scored. */
  rows: number;
  /** Index of the first test row; rows before `trainRows` trained. */
  firstRow: number;
  trainRows: number;
  season: number;
  window: number;
  /** MASE denominator (training MAE of the seasonal naive). */
  scale: number;
  /** True values of the scored rows. */
  actual: number[];
  /** Each method's one-step forecasts of those rows. */
  predictions: Partial<Record<MethodName, number[]>> & { model: number[]; naive: number[]; linear: number[] };
  /** Dates of the scored rows, when the series has them. */
  dates: string[] | null;
  /** The baseline with the lowest MASE. */
  bestBaseline: Exclude<MethodName, 'model'>;
  /** Baselines whose MASE is strictly below the model's. */
  beatenBy: Exclude<MethodName, 'model'>[];
}

/**
 * Score `model` on `series` by the protocol above.
 *
 * @example
 * const r = evaluate(model, series);
 * console.log(r.metrics.model.mase, r.metrics.naive.mase, r.rows);
 */
export function evaluate(model: OneStepModel, series: SeriesLike): EvalReport {
  const c = model.config;
  const cols = model.columnsOf(series);
  const y = column(series, c.target, series.source ?? 'series');
  const n = series.rows;
  const trainEnd = Math.floor(c.split * n);
  const firstRow = Math.max(trainEnd, c.context);
  if (firstRow >= n) {
    throw new SeqcastError('BAD_INPUT', `${series.source ?? 'series'}: ${n} rows leave no test rows after the ${Math.round(c.split * 100)}% training split`, {
      where: series.source ?? 'series',
    });
  }
  if (trainEnd <= c.window + 1) {
    throw new SeqcastError('BAD_INPUT', `${series.source ?? 'series'}: ${n} rows are too few to fit the baselines (window ${c.window})`, {
      where: series.source ?? 'series',
    });
  }
  const origins: number[] = [];
  for (let t = firstRow - 1; t < n - 1; t++) origins.push(t);
  const actual = origins.map((t) => y[t + 1]!);
  const pm = model.predictOrigins(cols, origins);
  const model1 = origins.map((_, i) => pm[i * c.horizon]!);
  const b = oneStepBaselines(y, origins, c.window, c.season, trainEnd);
  const scale = safeScale(y, trainEnd, c.season);
  const metrics = metricTable(actual, model1, b, scale);
  const baselines = ONE_STEP_BASELINES.filter((k) => b[k] !== undefined);
  const predictions = { model: model1, ...Object.fromEntries(baselines.map((k) => [k, Array.from(b[k]!)])) } as EvalReport['predictions'];
  const bestBaseline = baselines.reduce((a, b) => (metrics[b]!.mase < metrics[a]!.mase ? b : a));
  // Differences below 1e-6 relative are floating-point rounding of the same fit, not a loss.
  const beatenBy = baselines.filter((k) => metrics[k]!.mase < metrics.model.mase * (1 - 1e-6));
  return {
    metrics,
    rows: origins.length,
    firstRow,
    trainRows: trainEnd,
    season: c.season,
    window: c.window,
    scale,
    actual,
    predictions,
    dates: series.dates ? origins.map((t) => series.dates![t + 1]!) : null,
    bestBaseline,
    beatenBy,
  };
}
