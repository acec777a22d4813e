/**
 * A sample CSV shaped for a served forecasting model (`GET /v1/models/{name}/sample.csv`), so a
 * first visit to the page's Forecast tab has something to try: the model's own columns filled
 * with seeded synthetic data (stock-like for price columns, trend + season otherwise), a date
 * column, enough rows for its context; a panel model gets a long file in its saved layout.
 */
import { SeqcastError } from '@seqcast/core';
import { syntheticPanel, syntheticStockSeries, syntheticTrendSeasonal, type CovariateContract } from '@seqcast/forecast';
import type { ServedModel } from './registry.js';

const STOCK_COLUMNS = new Set(['Open', 'High', 'Low', 'Volume', 'Close']);

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}

/** Month starts from 2015-01 (monthly seasons) or consecutive days from 2020-01-01. */
function dates(rows: number, season: number): string[] {
  return Array.from({ length: rows }, (_, k) =>
    season === 12
      ? `${2015 + Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`
      : new Date(Date.UTC(2020, 0, 1) + k * 86_400_000).toISOString().slice(0, 10),
  );
}

/**
 * The sample CSV for model `m` (a panel model's covariate columns included); with `future`, the
 * future file of that sample: the next `horizon` steps of a panel model's future-known columns.
 *
 * @example
 * sampleCsvFor(await registry.get('stock')).split('\n')[0];   // 'Date,Close'
 */
export function sampleCsvFor(m: ServedModel, future = false): string {
  const input = m.adapter.input;
  if (input.kind === 'chars') {
    throw new SeqcastError('BAD_ARGUMENT', `model "${m.name}" is a chars model; a sample CSV is for forecast models`, { where: 'name' });
  }
  if (future && !(m.adapter.kind === 'panel' && m.adapter.covariates?.future.length)) {
    throw new SeqcastError('BAD_ARGUMENT', `future: model "${m.name}" reads no future-known columns; its sample is the history alone`, { where: 'future' });
  }
  if (input.kind === 'forecast') {
    const rows = Math.max(250, 3 * input.context);
    if (input.features.every((f) => STOCK_COLUMNS.has(f))) {
      const s = syntheticStockSeries(rows, 7);
      const lines = [['Date', ...input.features].join(',')];
      for (let r = 0; r < rows; r++) lines.push([s.dates![r]!, ...input.features.map((f) => num(s.values[f]![r]!))].join(','));
      return lines.join('\n') + '\n';
    }
    const columns = input.features.map((_, k) => syntheticTrendSeasonal(rows, 7 + k, { period: Math.max(2, input.season) }).values.value!);
    const when = dates(rows, input.season);
    const lines = [['Date', ...input.features].join(',')];
    for (let r = 0; r < rows; r++) lines.push([when[r]!, ...columns.map((c) => num(c[r]!))].join(','));
    return lines.join('\n') + '\n';
  }
  // Panel: the layout the model reads (its id and time columns), three series.
  const metrics = m.adapter.metrics as { window?: number };
  const length = Math.max(120, 3 * ((metrics.window ?? 0) + input.horizon));
  const panel = syntheticPanel({ series: 3, length, season: Math.max(2, input.season), seed: 7 });
  const layout = m.adapter.kind === 'panel' ? m.adapter.layout : null;
  const contract = m.adapter.kind === 'panel' ? m.adapter.covariates : undefined;
  const id = layout?.idColumn ?? null;
  const time = layout?.timeColumn ?? 't';
  const when = timesOf(contract?.frequency ?? null, length + input.horizon);
  const columns = contract ? [...contract.past, ...contract.future, ...contract.static] : [];
  // The future file: the id, the time and the future-known columns of the next `horizon` steps.
  const shown = future ? (contract?.future ?? []) : columns;
  const lines = [[...(id ? [id] : []), time, ...(future ? [] : [input.target]), ...shown].join(',')];
  (id ? panel.series : panel.series.slice(0, 1)).forEach((s, k) => {
    const rows = future ? Array.from({ length: input.horizon }, (_, h) => length + h) : Array.from(s.values.keys());
    for (const t of rows) {
      const v = s.values[Math.min(t, s.values.length - 1)]!;
      const cells = shown.map((c) => covariateCell(contract!, c, k, t, v));
      lines.push([...(id ? [s.id] : []), when[t]!, ...(future ? [] : [num(v)]), ...cells].join(','));
    }
  });
  return lines.join('\n') + '\n';
}

/** Time cells: dates at the model's training frequency (its calendar inputs need them), else row numbers. */
function timesOf(frequency: string | null, rows: number): string[] {
  const start = Date.UTC(2020, 0, 1);
  const hour = 3_600_000;
  return Array.from({ length: rows }, (_, k) => {
    if (frequency === 'hourly') return new Date(start + k * hour).toISOString().slice(0, 16).replace('T', ' ');
    if (frequency === 'weekly') return new Date(start + k * 7 * 24 * hour).toISOString().slice(0, 10);
    const months = frequency === 'monthly' ? 1 : frequency === 'quarterly' ? 3 : frequency === 'yearly' ? 12 : 0;
    if (months) return `${2000 + Math.floor((k * months) / 12)}-${String(((k * months) % 12) + 1).padStart(2, '0')}`;
    return frequency ? new Date(start + k * 24 * hour).toISOString().slice(0, 10) : String(k + 1);
  });
}

/**
 * A covariate's cell for series `k` at row `t` (target value `v`): a training level for a text
 * column (one per series when static), the training mean for a numeric static, a 0/1 promotion-like
 * pattern for an indicator, a value near the target for one in its units, else a slow wave.
 */
function covariateCell(c: CovariateContract, column: string, k: number, t: number, v: number): string {
  const levels = c.levels[column];
  const isStatic = c.static.includes(column);
  if (levels) return levels[(isStatic ? k : t + k) % levels.length]!;
  if (isStatic) return num(c.statics[column]?.mean ?? 0);
  const mode = c.modes[column];
  if (mode === 'raw') return (t + 7 * k) % 20 < 3 ? '1' : '0';
  if (mode === 'target') return num(v * 1.01);
  return num(100 + 10 * Math.sin((2 * Math.PI * t) / 30));
}
