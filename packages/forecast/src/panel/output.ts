/**
 * The one JSON shape of panel forecasts, shared by `seqcast forecast predict --json` and the
 * server's panel forecast: `{target, steps, forecasts: [{id, dates?, values, intervals: {"80", "95"}}]}`.
 */
import { nextTimes } from '@seqcast/data';
import type { Interval, SeriesForecast } from './model.js';

export interface PanelForecastJson {
  target: string;
  steps: number;
  forecasts: { id: string; dates?: string[]; values: number[]; intervals?: { '80': Interval; '95': Interval } }[];
}

/**
 * Forecasts in the shared JSON shape (fixed key order; intervals only when the model gives them).
 * `timesOf(id)` gives a series' time cells (oldest first): its forecasts then carry the `dates`
 * that follow them at the series' own frequency ({@link nextTimes}: integers stay integers, a
 * Mon–Fri series stays Mon–Fri, months stay months); left out when a series has no usable times.
 */
export function panelForecastJson(
  target: string,
  steps: number,
  forecasts: readonly SeriesForecast[],
  timesOf: (id: string) => readonly string[] | null | undefined = () => null,
): PanelForecastJson {
  return {
    target,
    steps,
    forecasts: forecasts.map((f) => {
      const dates = nextTimes(timesOf(f.id) ?? null, f.values.length);
      return {
        id: f.id,
        ...(dates ? { dates } : {}),
        values: f.values,
        ...(f.intervals
          ? {
              intervals: {
                '80': { lower: f.intervals['80'].lower, upper: f.intervals['80'].upper },
                '95': { lower: f.intervals['95'].lower, upper: f.intervals['95'].upper },
              },
            }
          : {}),
      };
    }),
  };
}
