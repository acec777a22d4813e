/**
 * A chart of one series' forecast with its prediction intervals: the recent history, the
 * forecast, the 95% and 80% bands, and (when known) what actually happened. SVG rendered
 * headless with Vega-Lite, like the evaluation chart.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SeriesForecast } from '../panel/model.js';
import { forecastChartSvg } from './render.js';

export interface ForecastPlotOptions {
  /** History values shown before the forecast. Default 3 × the horizon. */
  historyPoints?: number;
  /** The values that followed (same length as the forecast), drawn as "actual". */
  actual?: ArrayLike<number>;
  /** Name of the plotted column, for the y axis. Default "value". */
  target?: string;
  title?: string;
  width?: number;
  height?: number;
}

/**
 * SVG text of `forecast` after `history` (oldest first), with its 80%/95% intervals.
 * @example const svg = await forecastSvg(panel.series[0].values, forecasts[0], { target: 'y' });
 */
export async function forecastSvg(history: ArrayLike<number>, forecast: SeriesForecast, options: ForecastPlotOptions = {}): Promise<string> {
  // One chart definition (charts/forecast-chart.ts) for this SVG, the CLI's and the web page's.
  const H = forecast.values.length;
  const from = Math.max(0, history.length - (options.historyPoints ?? 3 * H));
  return forecastChartSvg(
    {
      target: options.target ?? 'value',
      history: Array.from(history).slice(from),
      firstRow: from + 1,
      forecast: forecast.values,
      ...(forecast.intervals ? { intervals: forecast.intervals } : {}),
      ...(options.actual ? { actual: Array.from(options.actual) } : {}),
    },
    { title: options.title ?? `${forecast.id}: ${H}-step forecast with 80% and 95% intervals`, width: options.width ?? 760, height: options.height ?? 300 },
  );
}

/** Write {@link forecastSvg} to `file` atomically (temp file + rename). */
export async function writeForecastSvg(file: string, history: ArrayLike<number>, forecast: SeriesForecast, options: ForecastPlotOptions = {}): Promise<void> {
  const svg = await forecastSvg(history, forecast, options);
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, svg);
  await fs.rename(tmp, file);
}
