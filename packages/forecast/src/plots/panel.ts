/**
 * A chart of one series' forecast with its prediction intervals: the recent history, the
 * forecast, the 95% and 80% bands, and (when known) what actually happened. SVG rendered
 * headless with Vega-Lite, like the evaluation chart.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { SeriesForecast } from '../panel/model.js';

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
  const H = forecast.values.length;
  const n = history.length;
  const from = Math.max(0, n - (options.historyPoints ?? 3 * H));
  const line: { t: number; value: number; series: string }[] = [];
  for (let t = from; t < n; t++) line.push({ t: t + 1, value: history[t]!, series: 'history' });
  // The forecast line starts at the last observed point so the two lines join.
  line.push({ t: n, value: history[n - 1]!, series: 'forecast' });
  forecast.values.forEach((v, h) => line.push({ t: n + h + 1, value: v, series: 'forecast' }));
  if (options.actual) for (let h = 0; h < H; h++) line.push({ t: n + h + 1, value: options.actual[h]!, series: 'actual' });
  const bands: { t: number; lo: number; hi: number; level: string }[] = [];
  if (forecast.intervals) {
    for (const level of ['95', '80'] as const) {
      const iv = forecast.intervals[level];
      for (let h = 0; h < H; h++) bands.push({ t: n + h + 1, lo: iv.lower[h]!, hi: iv.upper[h]!, level: `${level}% interval` });
    }
  }
  const target = options.target ?? 'value';
  const x = { field: 't', type: 'quantitative', title: 'step', scale: { zero: false } } as const;
  const y = { type: 'quantitative', title: target, scale: { zero: false } } as const;
  const domain = ['history', 'forecast', ...(options.actual ? ['actual'] : [])];
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title ?? `${forecast.id}: ${H}-step forecast with 80% and 95% intervals`,
    width: options.width ?? 760,
    height: options.height ?? 300,
    background: 'white',
    layer: [
      {
        data: { values: bands },
        mark: { type: 'area', opacity: 0.35 },
        encoding: {
          x,
          y: { ...y, field: 'lo' },
          y2: { field: 'hi' },
          fill: { field: 'level', type: 'nominal', title: null, scale: { domain: ['95% interval', '80% interval'], range: ['#f4b6b6', '#e06666'] }, legend: { orient: 'top-left' } },
        },
      },
      {
        data: { values: line },
        mark: { type: 'line', strokeWidth: 1.6 },
        encoding: {
          x,
          y: { ...y, field: 'value' },
          color: { field: 'series', type: 'nominal', title: null, scale: { domain, range: ['#222222', '#b00000', '#1f77b4'] }, legend: { orient: 'top-right' } },
        },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Write {@link forecastSvg} to `file` atomically (temp file + rename). */
export async function writeForecastSvg(file: string, history: ArrayLike<number>, forecast: SeriesForecast, options: ForecastPlotOptions = {}): Promise<void> {
  const svg = await forecastSvg(history, forecast, options);
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, svg);
  await fs.rename(tmp, file);
}
