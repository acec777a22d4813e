/**
 * The level and scale statistics both input builders normalise by: the per-series design fits
 * them once on the training rows (lag-design.ts), the panel windows take them from each window
 * (panel-windows.ts). Each is one pass over rows [start, end) in index order, so the two models
 * compute the same number the same way.
 */

/** Mean of rows [start, end) (NaN for an empty range). */
export function meanOf(values: ArrayLike<number>, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s += values[i]!;
  return s / (end - start);
}

/** Mean absolute value of rows [start, end) (NaN for an empty range). */
export function meanAbsOf(values: ArrayLike<number>, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s += Math.abs(values[i]!);
  return s / (end - start);
}

/**
 * Mean absolute one-step change |x[i] - x[i-1]| over rows [start, end): the in-sample MAE of the
 * naive forecast, the unit of variation (not of magnitude) that both models scale by. 0 when the
 * range holds fewer than two rows.
 */
export function meanAbsChange(values: ArrayLike<number>, start: number, end: number): number {
  let s = 0;
  for (let i = start + 1; i < end; i++) s += Math.abs(values[i]! - values[i - 1]!);
  return end - start > 1 ? s / (end - start - 1) : 0;
}
