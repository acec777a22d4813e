/**
 * What a one-series fit costs per row of its series, so that the training memory budget is
 * enforced on the data before it is read or any design is built: a 10,000,000-row file is refused
 * while it is being read (the CLI) or before the design exists (the library), instead of growing
 * past the budget first.
 *
 * The count is of the arrays SeriesForecaster.fit builds and keeps per training origin (forecaster.ts):
 * the lag regressors twice (with and without the intercept column), the recurrent windows and
 * their copies for the regressor's batches and tensors, the targets of each base, the
 * cross-validated predictions of every ridge candidate, plus the CSV columns read.
 */
import { SeqcastError, TRAINING_MEMORY_ENV } from '@seqcast/core';
import { contextFor, targetLagsFor } from '../inputs/lag-design.js';
import { resolveForecastOptions, type ForecastOptions } from './series-forecaster-options.js';

/** Ridge penalties tried per base, plus the base alone and the linear AR (selectLinear). */
const CANDIDATES_PER_BASE = 14;
/** A row read from CSV besides its numeric cells: its date string and file line. */
const ROW_READ_BYTES = 80;

/** The shape of a fit, as far as memory goes. */
export interface FitMemoryShape {
  window: number;
  horizon: number;
  season: number;
  /** Input columns (the target included). */
  features: number;
  /** Numeric columns read from the CSV (default `features`). */
  columnsRead?: number;
}

/**
 * Bytes one series row costs a fit.
 *
 * @example
 * forecastFitBytesPerRow({ window: 20, horizon: 5, season: 1, features: 1 });   // 1208
 */
export function forecastFitBytesPerRow(s: FitMemoryShape): number {
  const lags = targetLagsFor(s.window, s.season).length;
  const K = lags + 1 + (s.features - 1) * s.window; // lag regressors (skipSize)
  const windowFloats = s.window * 2 * s.features; // window × stepSize
  const bases = s.season > 1 ? 2 : 1;
  const design = 8 * (2 * K + 1) + 4 * windowFloats + 8 * s.horizon * (bases + 1) + 8;
  // Batches: a copy of the windows, the fitted values, residuals (float64 and float32), and the
  // regressor's tensors of windows and targets.
  const batches = 4 * windowFloats + 8 * s.horizon * 2 + 4 * s.horizon + 4 * (windowFloats + s.horizon);
  const selection = 8 * CANDIDATES_PER_BASE * bases;
  const read = 8 * (s.columnsRead ?? s.features) + ROW_READ_BYTES;
  return design + batches + selection + read;
}

/** The fit shape of options (defaults applied) over `features` input columns. */
export function fitMemoryShape(options: ForecastOptions, columnsRead?: number): FitMemoryShape {
  const o = resolveForecastOptions(options);
  const features = new Set([o.target, ...(o.features ?? [])]).size;
  return { window: o.window, horizon: o.horizon, season: o.season, features, ...(columnsRead !== undefined ? { columnsRead } : {}) };
}

const mib = (b: number) => `${Math.ceil(b / 2 ** 20)} MiB`;

/** Why rows stop at {@link forecastFitMaxRows}: the budget, the cost per row and the knob. */
export function fitRowLimitReason(s: FitMemoryShape, budgetBytes: number): string {
  return (
    `the ${mib(budgetBytes)} training memory budget at about ${forecastFitBytesPerRow(s)} bytes a row for window ${s.window}, ` +
    `${s.features} feature${s.features === 1 ? '' : 's'}, horizon ${s.horizon}; train on fewer rows or raise ${TRAINING_MEMORY_ENV}`
  );
}

/** Most series rows a fit of shape `s` may take within `budgetBytes` (at least the context). */
export function forecastFitMaxRows(s: FitMemoryShape, budgetBytes: number): number {
  return Math.max(contextFor(s.window, s.season) + s.horizon, Math.floor(budgetBytes / forecastFitBytesPerRow(s)));
}

/**
 * Refuse a fit of `rows` rows that does not fit the budget (TOO_LARGE: HTTP 413, CLI exit 3),
 * before any of its arrays exist.
 */
export function checkFitRows(rows: number, s: FitMemoryShape, budgetBytes: number, source: string): void {
  const max = forecastFitMaxRows(s, budgetBytes);
  if (rows > max) {
    throw new SeqcastError('TOO_LARGE', `${source}: ${rows} rows are over the ${max} that fit ${fitRowLimitReason(s, budgetBytes)}`, {
      where: TRAINING_MEMORY_ENV,
    });
  }
}
