/**
 * Forecasts are computed in float64 from sums and differences of the history (levels, scales,
 * lags). Values near Number.MAX_VALUE (1.8e308) overflow those sums to Infinity or NaN, which JSON
 * turns into null (or a clamp into 0): a silent wrong answer. So every forecast path refuses
 * history beyond {@link MAX_INPUT_MAGNITUDE}, and checks that what it returns is finite.
 */
import { SeqcastError } from '@seqcast/core';
import type { Panel } from '@seqcast/data';
import type { SeriesForecast } from '../panel/model.js';

/** Largest history magnitude a forecast accepts: sums of 1e8 such values stay finite. */
export const MAX_INPUT_MAGNITUDE = 1e300;

/** True when `v` is finite and within ±{@link MAX_INPUT_MAGNITUDE}. */
export function forecastable(v: number): boolean {
  return Number.isFinite(v) && Math.abs(v) <= MAX_INPUT_MAGNITUDE;
}

/** The one-line reason a history value is refused (`what` names it, e.g. `rows[3].Close`). */
export function unforecastable(v: number, what: string): string {
  return Number.isFinite(v) ? `${what} is ${v}, beyond ±1e300, where a forecast would overflow` : `${what} must be a finite number`;
}

/** Refuse a panel history value no forecast can be computed from (BAD_INPUT naming the series and its file line). */
export function checkPanelHistory(history: Panel): void {
  history.series.forEach((s, i) => {
    for (let j = 0; j < s.values.length; j++) {
      const v = s.values[j]!;
      if (forecastable(v)) continue;
      const where = s.lines ? `${history.source}:${s.lines[j]}` : `series[${i}]`;
      throw new SeqcastError('BAD_INPUT', `${where}: ${unforecastable(v, `value ${j + 1} of series "${s.id}"`)}`, { where, series: s.id });
    }
  });
}

/** Refuse forecasts (values or interval bounds) that are not finite, naming the series and the step. */
export function checkFiniteForecasts(forecasts: readonly SeriesForecast[]): void {
  forecasts.forEach((f, i) => {
    const parts: [string, readonly number[]][] = [['forecast', f.values]];
    for (const level of ['80', '95'] as const) {
      const band = f.intervals?.[level];
      if (band) parts.push([`${level}% interval lower bound`, band.lower], [`${level}% interval upper bound`, band.upper]);
    }
    for (const [what, values] of parts) {
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new SeqcastError(
          'BAD_INPUT',
          `series "${f.id}": ${what} step ${bad + 1} overflowed (not a finite number); its values are far outside the range the model was trained on`,
          { where: `series[${i}]`, series: f.id },
        );
      }
    }
  });
}

/** Refuse a one-series forecast with a value that is not finite (BAD_INPUT naming the step). */
export function checkFiniteSteps(values: readonly number[]): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new SeqcastError('BAD_INPUT', `forecast step ${bad + 1} overflowed (not a finite number); rows are far outside the range the model was trained on`, {
      where: 'rows',
    });
  }
}
