/**
 * The one JSON shape of panel forecasts, shared by `seqcast forecast predict --json` and the
 * server's panel forecast: `{target, steps, forecasts: [{id, values, intervals: {"80", "95"}}]}`.
 */
import type { Interval, SeriesForecast } from './model.js';

export interface PanelForecastJson {
  target: string;
  steps: number;
  forecasts: { id: string; values: number[]; intervals?: { '80': Interval; '95': Interval } }[];
}

/** Forecasts in the shared JSON shape (fixed key order; intervals only when the model gives them). */
export function panelForecastJson(target: string, steps: number, forecasts: readonly SeriesForecast[]): PanelForecastJson {
  return {
    target,
    steps,
    forecasts: forecasts.map((f) => ({
      id: f.id,
      values: f.values,
      ...(f.intervals
        ? {
            intervals: {
              '80': { lower: f.intervals['80'].lower, upper: f.intervals['80'].upper },
              '95': { lower: f.intervals['95'].lower, upper: f.intervals['95'].upper },
            },
          }
        : {}),
    })),
  };
}
