/**
 * The panel protocol, written once over any list of {@link PanelModelFactory}: a rolling
 * backtest over K cutoffs (each cutoff H steps after the previous one, the last leaving exactly H
 * points per series), where a fresh model per cutoff fits on everything before the cutoff and
 * forecasts the next H of every series. The holdout (last H of each series) is the backtest with
 * K = 1. Scores go into {@link MetricTotals}, so the averages run over all series × windows ×
 * horizons, as the competitions compute them.
 */
import type { Panel, PanelSeries } from '@seqcast/data';
import { SeqcastError } from '@seqcast/core';
import { Naive2Model } from '../baselines/panel.js';
import type { ForecastSpec, PanelModelFactory, SeriesForecast } from '../panel/model.js';
import type { FutureCovariates, FutureSeries } from '../inputs/covariates.js';
import { MetricTotals, seasonalScale, type PanelMetrics } from './panel-metrics.js';
import { naive2Verdict, type Naive2Verdict } from './verdict.js';

/** A panel cut at `end(series)` points per series, with what comes after it. */
export interface PanelCut {
  train: Panel;
  /** The next H values of each kept series, aligned with `train.series`. */
  actual: Float64Array[];
  /** The next H values of the `future` columns of each kept series, by id (empty without them). */
  future: FutureCovariates;
}

/** Fewest training points a series needs at a cutoff to be scored there. */
export const MIN_TRAIN_POINTS = 2;

/**
 * Cut every series `back` points before its end and keep the `horizon` points after the cut as
 * the actual values; series left with fewer than {@link MIN_TRAIN_POINTS} points are left out.
 */
export function cutPanel(panel: Panel, back: number, horizon: number, futureColumns: readonly string[] = []): PanelCut {
  const series: PanelSeries[] = [];
  const actual: Float64Array[] = [];
  const future = new Map<string, FutureSeries>();
  for (const s of panel.series) {
    const end = s.values.length - back;
    if (end < MIN_TRAIN_POINTS) continue;
    series.push({
      id: s.id,
      values: s.values.subarray(0, end),
      times: s.times ? s.times.slice(0, end) : null,
      features: Object.fromEntries(Object.entries(s.features).map(([k, v]) => [k, v.subarray(0, end)])),
      ...(s.categorical ? { categorical: Object.fromEntries(Object.entries(s.categorical).map(([k, v]) => [k, v.subarray(0, end)])) } : {}),
      lines: s.lines ? s.lines.subarray(0, end) : null,
    });
    actual.push(s.values.slice(end, end + horizon));
    if (futureColumns.length > 0) {
      const columns: Record<string, ArrayLike<number> | readonly string[]> = {};
      for (const c of futureColumns) {
        const codes = s.categorical?.[c];
        const levels = panel.categoricalLevels?.[c] ?? [];
        columns[c] = codes ? Array.from(codes.subarray(end, end + horizon), (k) => levels[k] ?? '') : (s.features[c]?.subarray(end, end + horizon) ?? []);
      }
      future.set(s.id, { columns, times: s.times ? s.times.slice(end, end + horizon) : null, source: panel.source });
    }
  }
  return { train: { ...panel, series }, actual, future };
}

/** Options of {@link backtest}. */
export interface BacktestOptions extends ForecastSpec {
  // `covariates` (from ForecastSpec): fitted by the models that take them (takesCovariates), the
  // future-known ones given to their forecasts from the panel's own values after each cutoff.
  /** Cutoffs (K). Default 1: the holdout. */
  windows?: number;
  /** Called before each model fits, and after it has forecast (with the time both took). */
  onProgress?(p: { model: string; window: number; windows: number; done: boolean; ms?: number }): void;
}

/** The backtest's result: the JSON shape plus timings. */
export interface BacktestReport {
  /** Per model name, in the order of the factories (Naive2 added when missing). */
  metrics: Record<string, PanelMetrics>;
  /** Series scored at the last cutoff. */
  series: number;
  windows: number;
  /** Wall time per model, fit + forecast over all windows. */
  ms: Record<string, number>;
  /**
   * The models that read covariates (`takesCovariates`): fitted with `covariates` and given each
   * cutoff's future values; the others (the baselines) ignore them, which a report should say.
   */
  readCovariates: string[];
  /** Models worse than Naive2 by OWA (OWA > 1). */
  worseThanNaive2: string[];
  /** Per model but Naive2: better, no measurable difference, or worse, with the OWA band over series × cutoffs. */
  verdicts: Record<string, Naive2Verdict>;
}

/**
 * Score every model on the same K cutoffs of `panel`.
 *
 * @example
 * const r = await backtest(panel, [() => new GlobalForecaster({ horizon: 48, season: 24 }), ...Object.values(PANEL_BASELINES)], { horizon: 48, season: 24, windows: 3 });
 * r.metrics.model.owa; // < 1 beats Naive2
 */
export async function backtest(panel: Panel, factories: readonly PanelModelFactory[], options: BacktestOptions): Promise<BacktestReport> {
  const H = options.horizon;
  const K = options.windows ?? 1;
  if (!Number.isInteger(H) || H < 1) throw new SeqcastError('BAD_ARGUMENT', `horizon must be an integer >= 1 (received ${H})`, { where: 'horizon' });
  if (!Number.isInteger(K) || K < 1) throw new SeqcastError('BAD_ARGUMENT', `windows must be an integer >= 1 (received ${K})`, { where: 'windows' });
  const spec: ForecastSpec = { horizon: H, season: options.season, ...(options.covariates ? { covariates: options.covariates } : {}) };
  const futureColumns = options.covariates?.futureFeatures ?? [];
  const list = [...factories];
  const probes = list.map((f) => f());
  const names = probes.map((m) => m.name);
  const readCovariates = probes.filter((m) => m.takesCovariates === true).map((m) => m.name);
  for (const m of probes) m.dispose();
  if (new Set(names).size !== names.length) throw new SeqcastError('BAD_ARGUMENT', `model names must be unique (received ${names.join(', ')})`);
  if (!names.includes('naive2')) {
    list.push(() => new Naive2Model());
    names.push('naive2');
  }
  const totals = names.map(() => new MetricTotals());
  const ms = names.map(() => 0);
  let lastSeries = 0;
  for (let w = 0; w < K; w++) {
    const cut = cutPanel(panel, (K - w) * H, H, futureColumns);
    if (cut.train.series.length === 0) {
      throw new SeqcastError(
        'BAD_INPUT',
        `${panel.source}: no series is long enough for ${K} backtest window(s) of horizon ${H} (each needs ${K * H + MIN_TRAIN_POINTS} points)`,
      );
    }
    lastSeries = cut.train.series.length;
    const scales = cut.train.series.map((s) => seasonalScale(s.values, options.season));
    for (let i = 0; i < list.length; i++) {
      options.onProgress?.({ model: names[i]!, window: w + 1, windows: K, done: false });
      const t0 = Date.now();
      const model = list[i]!();
      let forecasts: SeriesForecast[];
      try {
        await model.fit(cut.train, spec);
        forecasts = model.takesCovariates ? await model.forecast(cut.train, H, cut.future) : await model.forecast(cut.train, H);
      } finally {
        model.dispose();
      }
      const took = Date.now() - t0;
      ms[i]! += took;
      options.onProgress?.({ model: names[i]!, window: w + 1, windows: K, done: true, ms: took });
      if (forecasts.length !== cut.actual.length) {
        throw new SeqcastError('INTERNAL', `${names[i]}: returned ${forecasts.length} forecasts for ${cut.actual.length} series`);
      }
      forecasts.forEach((f, j) => totals[i]!.add(cut.actual[j]!, f, scales[j]!));
    }
  }
  const naive2 = totals[names.indexOf('naive2')];
  const metrics: Record<string, PanelMetrics> = {};
  names.forEach((n, i) => (metrics[n] = totals[i]!.result(naive2)));
  return {
    metrics,
    series: lastSeries,
    windows: K,
    ms: Object.fromEntries(names.map((n, i) => [n, ms[i]!])),
    readCovariates,
    worseThanNaive2: names.filter((n) => n !== 'naive2' && metrics[n]!.owa > 1),
    verdicts: Object.fromEntries(names.filter((n) => n !== 'naive2').map((n) => [n, naive2Verdict(totals[names.indexOf(n)]!.units, naive2!.units)])),
  };
}

/** The holdout: the last `horizon` points of every series, forecast from the rest (K = 1). */
export function holdout(panel: Panel, factories: readonly PanelModelFactory[], spec: ForecastSpec): Promise<BacktestReport> {
  return backtest(panel, factories, { ...spec, windows: 1 });
}
