/**
 * The protocol's baselines, computed on exactly the rows the model is scored on: naive (last
 * value), seasonal naive (value m steps back) and a linear autoregression on the same window
 * fitted by ordinary least squares on the training rows.
 */
import { gram, linearPredict, ridgeSolve } from '../linear.js';

/**
 * One-step forecasts of y[t + 1] from origins `t` by the last value.
 * @example naiveForecasts(Float64Array.of(1, 2, 3), [1, 2]) // [2, 3]
 */
export function naiveForecasts(y: Float64Array, origins: ArrayLike<number>): Float64Array {
  return Float64Array.from(origins, (t) => y[t]!);
}

/**
 * One-step forecasts of y[t + 1] by the value one season earlier, y[t + 1 - m].
 * @example seasonalNaiveForecasts(Float64Array.of(1, 2, 3, 4), [2, 3], 2) // [2, 3]
 */
export function seasonalNaiveForecasts(y: Float64Array, origins: ArrayLike<number>, m: number): Float64Array {
  return Float64Array.from(origins, (t) => y[t + 1 - m]!);
}

/** A fitted AR(window) with intercept: y[t+1] = c + sum_j a_j y[t - j], j = 0..window-1. */
export interface LinearAR {
  window: number;
  /** Training mean subtracted before the fit (conditioning only; the model is the same OLS). */
  center: number;
  /** a_0 (weight of the last value) .. a_{window-1}, then the intercept. */
  coef: Float64Array;
}

/**
 * Fit the linear AR baseline on the training part y[0..trainEnd) (every complete window whose
 * target is a training row), ordinary least squares.
 * @example const ar = fitLinearAR(y, 8, 400); const p = linearARForecasts(ar, y, [450, 451]);
 */
export function fitLinearAR(y: Float64Array, window: number, trainEnd: number): LinearAR {
  const k = window + 1;
  const origins: number[] = [];
  for (let t = window - 1; t + 1 < trainEnd; t++) origins.push(t);
  let center = 0;
  for (let i = 0; i < trainEnd; i++) center += y[i]!;
  center /= trainEnd;
  const x = design(y, window, origins, center);
  const target = Float64Array.from(origins, (t) => y[t + 1]! - center);
  const g = gram(
    x,
    target,
    k,
    1,
    origins.map((_, i) => i),
  );
  return { window, center, coef: ridgeSolve(g, 0, [window]) };
}

function design(y: Float64Array, window: number, origins: ArrayLike<number>, center: number): Float64Array {
  const k = window + 1;
  const x = new Float64Array(origins.length * k);
  for (let r = 0; r < origins.length; r++) {
    const t = origins[r]!;
    for (let j = 0; j < window; j++) x[r * k + j] = y[t - j]! - center;
    x[r * k + window] = 1;
  }
  return x;
}

/**
 * One-step forecasts of y[t + 1] from origins `t` (each needs `window` values up to t).
 * @example linearARForecasts(fitLinearAR(y, 8, 400), y, [450])
 */
export function linearARForecasts(ar: LinearAR, y: Float64Array, origins: ArrayLike<number>): Float64Array {
  const x = design(y, ar.window, origins, ar.center);
  const p = linearPredict(
    x,
    ar.window + 1,
    ar.coef,
    1,
    Array.from({ length: origins.length }, (_, i) => i),
  );
  for (let i = 0; i < p.length; i++) p[i]! += ar.center;
  return p;
}

/** The per-series baselines, in the order every report and table shows them. */
export const ONE_STEP_BASELINES = ['naive', 'seasonalNaive', 'linear'] as const;
export type OneStepBaselineName = (typeof ONE_STEP_BASELINES)[number];

/** One-step forecasts of the baselines every per-series report shows, in the report's order. */
export interface OneStepBaselines extends Partial<Record<OneStepBaselineName, Float64Array>> {
  naive: Float64Array;
  /** Only when the season m > 1. */
  seasonalNaive?: Float64Array;
  /** The linear AR on `window` lags, fitted on the rows before `fitEnd`. */
  linear: Float64Array;
}

/**
 * The baseline set of the per-series protocol, written once: naive, seasonal naive (m > 1) and
 * the linear AR, forecasting one step from each origin.
 */
export function oneStepBaselines(y: Float64Array, origins: ArrayLike<number>, window: number, season: number, fitEnd: number): OneStepBaselines {
  return {
    naive: naiveForecasts(y, origins),
    ...(season > 1 ? { seasonalNaive: seasonalNaiveForecasts(y, origins, season) } : {}),
    linear: linearARForecasts(fitLinearAR(y, window, fitEnd), y, origins),
  };
}
