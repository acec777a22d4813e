/**
 * Vega-Lite specs for forecast charts: history, the forecast, its 80%/95% intervals and the
 * naive / seasonal-naive baselines in one chart, and the loss curve of a training run.
 *
 * Pure data -> spec functions with no Node or tensor imports, so one definition serves both the
 * CLI (rendered to SVG by `forecastSvg`) and the browser (`@seqcast/forecast/charts`, rendered
 * interactively by Vega).
 */
import type { TopLevelSpec } from 'vega-lite';

/** A prediction interval at one level, one bound per forecast step. */
export interface IntervalBand {
  lower: readonly number[];
  upper: readonly number[];
}

/** Everything a forecast chart shows. */
export interface ForecastChartData {
  /** Name of the forecast column (the y-axis title). */
  target: string;
  /** Observed values, oldest first. */
  history: readonly number[];
  /** The model's forecast for the steps after the history. */
  forecast: readonly number[];
  /**
   * x of each history row then of each forecast step (history.length + forecast.length labels):
   * ISO dates (`2024-01` or `2024-01-31`) or null to number the rows 1, 2, ….
   */
  dates?: readonly string[] | null;
  /** Intervals by level in percent (`"80"`, `"95"`); missing when the model gives none. */
  intervals?: Readonly<Record<string, IntervalBand>>;
  /** Baseline forecasts over the same steps, by label (see {@link baselinePaths}). */
  baselines?: Readonly<Record<string, readonly number[]>>;
  /** What actually followed the history (a backtest), drawn as "actual". */
  actual?: readonly number[];
  /** Row number of the first history value when there are no dates (a cut history). Default 1. */
  firstRow?: number;
}

export interface ForecastChartOptions {
  title?: string;
  /** Plot area in px. Defaults 760 x 320. */
  width?: number;
  height?: number;
  /** Add zoom/pan on x and hover read-outs (the browser); off for a static SVG. Default false. */
  interactive?: boolean;
}

/** One point of a training loss curve. */
export interface LossPoint {
  epoch: number;
  loss: number;
}

const MODEL = 'forecast';
const HISTORY = 'history';
const ACTUAL = 'actual';
const COLORS: Record<string, string> = { [HISTORY]: '#222222', [MODEL]: '#c0392b', [ACTUAL]: '#1f77b4' };
const BASELINE_COLORS = ['#2b5c8a', '#2e8b57', '#8e44ad'];
const BAND_COLORS: Record<string, string> = { '80': '#e67e73', '95': '#f5c6c0' };

function isDate(s: string): boolean {
  return /^\d{4}-\d{2}(-\d{2})?/.test(s) && !Number.isNaN(Date.parse(s.length === 7 ? `${s}-01` : s));
}

/**
 * The naive (last value) and, for a season m > 1, seasonal-naive (value one season back)
 * forecasts `steps` ahead of `history` — the baselines a forecast is judged against.
 * @example baselinePaths([1, 2, 3, 4], 3, 2) // { naive: [4, 4, 4], 'seasonal naive (m=2)': [3, 4, 3] }
 */
export function baselinePaths(history: readonly number[], steps: number, season = 1): Record<string, number[]> {
  const n = history.length;
  if (n === 0) return {};
  const out: Record<string, number[]> = { naive: Array.from({ length: steps }, () => history[n - 1]!) };
  if (season > 1 && n >= season) {
    out[`seasonal naive (m=${season})`] = Array.from({ length: steps }, (_, h) => history[n - season + (h % season)]!);
  }
  return out;
}

/** Sorted levels, widest first (so the narrower band is drawn on top). */
function levelsOf(intervals: ForecastChartData['intervals']): string[] {
  return Object.keys(intervals ?? {}).sort((a, b) => Number(b) - Number(a));
}

/**
 * Vega-Lite spec of history + forecast (+ intervals, + baselines).
 * @example
 * const spec = forecastChartSpec({ target: 'Sales', history: [3, 4, 5], forecast: [6, 7],
 *   intervals: { '80': { lower: [5, 5.5], upper: [7, 8.5] } }, baselines: baselinePaths([3, 4, 5], 2) });
 */
export function forecastChartSpec(data: ForecastChartData, options: ForecastChartOptions = {}): TopLevelSpec {
  const n = data.history.length;
  const steps = data.forecast.length;
  const dates = data.dates && data.dates.length === n + steps && data.dates.every(isDate) ? data.dates : null;
  const first = data.firstRow ?? 1;
  const xOf = (i: number): string | number => (dates ? (dates[i]!.length === 7 ? `${dates[i]}-01` : dates[i]!) : i + first);
  const baselineNames = Object.keys(data.baselines ?? {});
  const levels = levelsOf(data.intervals);

  // Lines start at the last observed point so the forecast visibly continues the history.
  const lines: { x: string | number; value: number; series: string }[] = [];
  data.history.forEach((v, i) => lines.push({ x: xOf(i), value: v, series: HISTORY }));
  const anchor = n > 0 ? { x: xOf(n - 1), value: data.history[n - 1]! } : null;
  const followers: [string, readonly number[]][] = [
    [MODEL, data.forecast],
    ...(data.actual ? [[ACTUAL, data.actual] as [string, readonly number[]]] : []),
    ...Object.entries(data.baselines ?? {}),
  ];
  for (const [series, values] of followers) {
    if (anchor) lines.push({ ...anchor, series });
    values.forEach((v, h) => lines.push({ x: xOf(n + h), value: v, series }));
  }
  const bands: { x: string | number; lower: number; upper: number; level: string }[] = [];
  for (const level of levels) {
    const b = data.intervals![level]!;
    for (let h = 0; h < steps; h++) bands.push({ x: xOf(n + h), lower: b.lower[h]!, upper: b.upper[h]!, level: `${level}% interval` });
  }
  // One row per forecast step with every number, for the hover read-out.
  const table = data.forecast.map((v, h) => {
    const row: Record<string, string | number> = { x: xOf(n + h), step: h + 1, [MODEL]: v };
    for (const level of levels) {
      row[`${level}% lower`] = data.intervals![level]!.lower[h]!;
      row[`${level}% upper`] = data.intervals![level]!.upper[h]!;
    }
    if (data.actual) row[ACTUAL] = data.actual[h]!;
    for (const b of baselineNames) row[b] = data.baselines![b]![h]!;
    return row;
  });

  const x = dates
    ? ({ field: 'x', type: 'temporal', title: 'date' } as const)
    : ({ field: 'x', type: 'quantitative', title: 'row', scale: { zero: false } } as const);
  const y = { type: 'quantitative', title: data.target, scale: { zero: false } } as const;
  const seriesDomain = [HISTORY, MODEL, ...(data.actual ? [ACTUAL] : []), ...baselineNames];
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: seriesDomain, range: seriesDomain.map((s) => COLORS[s] ?? BASELINE_COLORS[baselineNames.indexOf(s) % BASELINE_COLORS.length]!) },
    legend: { orient: 'top-left', fillColor: 'white', padding: 6 },
  } as const;
  const interactive = options.interactive ?? false;

  const layer: unknown[] = [];
  if (levels.length) {
    layer.push({
      data: { values: bands },
      mark: { type: 'area', opacity: 0.7 },
      encoding: {
        x,
        y: { ...y, field: 'lower' },
        y2: { field: 'upper' },
        fill: {
          field: 'level',
          type: 'nominal',
          title: null,
          scale: { domain: levels.map((l) => `${l}% interval`), range: levels.map((l) => BAND_COLORS[l] ?? '#f0d0cc') },
          legend: { orient: 'right' },
        },
      },
    });
  }
  layer.push({
    data: { values: lines },
    mark: { type: 'line', strokeWidth: 1.6 },
    encoding: {
      x,
      y: { ...y, field: 'value' },
      color,
      strokeDash: {
        field: 'series',
        type: 'nominal',
        legend: null,
        scale: { domain: seriesDomain, range: seriesDomain.map((s) => (baselineNames.includes(s) ? [5, 3] : [1, 0])) },
      },
    },
    ...(interactive ? { params: [{ name: 'zoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales' }] } : {}),
  });
  layer.push({
    data: { values: table },
    mark: { type: 'point', filled: true, size: 36, color: COLORS[MODEL] },
    encoding: {
      x,
      y: { ...y, field: MODEL },
      ...(interactive
        ? {
            tooltip: [
              dates ? { field: 'x', type: 'temporal', title: 'date' } : { field: 'x', type: 'quantitative', title: 'row' },
              { field: 'step', type: 'quantitative' },
              ...Object.keys(table[0] ?? {})
                .filter((k) => k !== 'x' && k !== 'step')
                .map((k) => ({ field: k, type: 'quantitative', format: ',.4~f' })),
            ],
          }
        : {}),
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? `${data.target}: history and ${steps}-step forecast`,
    width: options.width ?? 760,
    height: options.height ?? 320,
    background: 'white',
    resolve: { scale: { color: 'independent' } },
    layer,
  } as TopLevelSpec;
}

/**
 * Vega-Lite spec of a loss curve (epoch vs loss), log-scaled when the loss spans a decade.
 * @example lossChartSpec([{ epoch: 1, loss: 0.9 }, { epoch: 2, loss: 0.5 }])
 */
export function lossChartSpec(
  points: readonly LossPoint[],
  options: { width?: number; height?: number; title?: string; /** x-axis title. Default "epoch". */ unit?: string } = {},
): TopLevelSpec {
  const finite = points.filter((p) => Number.isFinite(p.loss) && p.loss > 0);
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of finite) {
    lo = Math.min(lo, p.loss);
    hi = Math.max(hi, p.loss);
  }
  const log = finite.length > 1 && hi / lo >= 10;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? 'training loss',
    width: options.width ?? 480,
    height: options.height ?? 200,
    background: 'white',
    data: { values: points.map((p) => ({ epoch: p.epoch, loss: p.loss })) },
    mark: { type: 'line', point: { color: '#c0392b' }, color: '#c0392b' },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: options.unit ?? 'epoch', scale: { zero: false } },
      y: { field: 'loss', type: 'quantitative', title: 'loss', scale: log ? { type: 'log' } : { zero: false } },
      tooltip: [
        { field: 'epoch', type: 'quantitative', title: options.unit ?? 'epoch' },
        { field: 'loss', type: 'quantitative', format: '.4~f' },
      ],
    },
  } as TopLevelSpec;
}
