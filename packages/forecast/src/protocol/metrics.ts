/**
 * Forecast accuracy metrics. Every metric is a plain function with the same signature,
 * `(actual, predicted, options?) => number`, so tables can loop over them.
 */
import { SeqcastError } from '@seqcast/core/errors';
import { ONE_STEP_BASELINES, type OneStepBaselineName, type OneStepBaselines } from '../baselines/one-step.js';

/** Options a metric may use: `scale` is MASE's denominator (see {@link maseScale}). */
export interface MetricOptions {
  scale?: number;
}

/** The shape of every metric. */
export type Metric = (actual: ArrayLike<number>, predicted: ArrayLike<number>, options?: MetricOptions) => number;

/** The five metrics of the evaluation protocol. MAPE and sMAPE are in percent. */
export interface Metrics {
  rmse: number;
  mae: number;
  mape: number;
  smape: number;
  mase: number;
}

function check(actual: ArrayLike<number>, predicted: ArrayLike<number>, name: string): void {
  if (actual.length !== predicted.length) {
    throw new SeqcastError('BAD_ARGUMENT', `${name}: actual has ${actual.length} values but predicted has ${predicted.length}`);
  }
  if (actual.length === 0) throw new SeqcastError('BAD_ARGUMENT', `${name}: no values to score`);
}

/**
 * Root mean squared error.
 * @example rmse([1, 2], [1, 4]) // Math.sqrt(2)
 */
export const rmse: Metric = (actual, predicted) => {
  check(actual, predicted, 'rmse');
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += (predicted[i]! - actual[i]!) ** 2;
  return Math.sqrt(s / actual.length);
};

/**
 * Mean absolute error.
 * @example mae([1, 2], [2, 4]) // 1.5
 */
export const mae: Metric = (actual, predicted) => {
  check(actual, predicted, 'mae');
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += Math.abs(predicted[i]! - actual[i]!);
  return s / actual.length;
};

/**
 * Mean absolute percentage error in percent; rows whose actual value is 0 are skipped
 * (NaN when every actual value is 0).
 * @example mape([100, 0, 50], [110, 5, 40]) // (10 + 20) / 2 = 15
 */
export const mape: Metric = (actual, predicted) => {
  check(actual, predicted, 'mape');
  let s = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === 0) continue;
    s += Math.abs((predicted[i]! - actual[i]!) / actual[i]!);
    n++;
  }
  return n === 0 ? NaN : (100 * s) / n;
};

/**
 * Symmetric MAPE in percent: mean of 200·|p − a| / (|a| + |p|); rows where both are 0 count as 0 error.
 * @example smape([100], [50]) // 200 * 50 / 150
 */
export const smape: Metric = (actual, predicted) => {
  check(actual, predicted, 'smape');
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]!) + Math.abs(predicted[i]!);
    if (d > 0) s += (200 * Math.abs(predicted[i]! - actual[i]!)) / d;
  }
  return s / actual.length;
};

/**
 * Mean absolute scaled error: MAE divided by `options.scale`, the in-sample (training) MAE of the
 * seasonal naive forecast (see {@link maseScale}).
 * @example mase([1, 2], [2, 4], { scale: 0.5 }) // 3
 */
export const mase: Metric = (actual, predicted, options) => {
  const scale = options?.scale;
  if (scale === undefined || !(scale > 0) || !Number.isFinite(scale)) {
    throw new SeqcastError('BAD_ARGUMENT', `mase: options.scale must be a positive number (received ${String(scale)})`);
  }
  return mae(actual, predicted) / scale;
};

/**
 * MASE's denominator: mean |y[i] − y[i − m]| over the TRAINING values only (`train` is the
 * training part of the series, oldest first). A constant training series gives 0; callers
 * then fall back (see {@link evaluate}).
 * @example maseScale([1, 3, 2, 6], 1) // (2 + 1 + 4) / 3
 */
export function maseScale(train: ArrayLike<number>, m = 1): number {
  if (!Number.isInteger(m) || m < 1) throw new SeqcastError('BAD_ARGUMENT', `season must be an integer >= 1 (received ${m})`);
  if (train.length <= m) {
    throw new SeqcastError('BAD_INPUT', `MASE needs more than ${m} training rows (received ${train.length})`);
  }
  let s = 0;
  for (let i = m; i < train.length; i++) s += Math.abs(train[i]! - train[i - m]!);
  return s / (train.length - m);
}

/** All five metrics at once. */
export function allMetrics(actual: ArrayLike<number>, predicted: ArrayLike<number>, scale: number): Metrics {
  return {
    rmse: rmse(actual, predicted),
    mae: mae(actual, predicted),
    mape: mape(actual, predicted),
    smape: smape(actual, predicted),
    mase: mase(actual, predicted, { scale }),
  };
}

/** Metrics of the model and the baselines on the same rows. */
export type MetricTable = { model: Metrics; naive: Metrics; linear: Metrics } & Partial<Record<OneStepBaselineName, Metrics>>;

/** MASE scale from rows [0, end), falling back to a positive unit for a constant series. */
/** The model's and each baseline's metrics, keys in the report's order (model first). */
export function metricTable(actual: ArrayLike<number>, model: ArrayLike<number>, baselines: OneStepBaselines, scale: number): MetricTable {
  const table: Partial<Record<keyof MetricTable, Metrics>> = { model: allMetrics(actual, model, scale) };
  for (const k of ONE_STEP_BASELINES) {
    const forecasts = baselines[k];
    if (forecasts) table[k] = allMetrics(actual, forecasts, scale);
  }
  return table as MetricTable;
}

export function safeScale(y: Float64Array, end: number, season: number): number {
  const m = end > season ? season : 1;
  const s = maseScale(y.subarray(0, end), m);
  if (s > 0) return s;
  const n = maseScale(y.subarray(0, end), 1);
  return n > 0 ? n : 1;
}
