/**
 * A sample CSV shaped for a served forecasting model (`GET /v1/models/{name}/sample.csv`), so a
 * first visit to the page's Forecast tab has something to try: the model's own columns filled
 * with seeded synthetic data (stock-like for price columns, trend + season otherwise), a date
 * column, enough rows for its context; a panel model gets a long file in its saved layout.
 */
import { SeqcastError } from '@seqcast/core';
import { syntheticPanel, syntheticStockSeries, syntheticTrendSeasonal } from '@seqcast/forecast';
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
 * The sample CSV for model `m`.
 *
 * @example
 * sampleCsvFor(await registry.get('stock')).split('\n')[0];   // 'Date,Close'
 */
export function sampleCsvFor(m: ServedModel): string {
  const input = m.adapter.input;
  if (input.kind === 'chars') {
    throw new SeqcastError('BAD_ARGUMENT', `model "${m.name}" is a chars model; a sample CSV is for forecast models`, { where: 'name' });
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
  const id = layout?.idColumn ?? null;
  const time = layout?.timeColumn ?? 't';
  const lines = [[...(id ? [id] : []), time, input.target].join(',')];
  for (const s of id ? panel.series : panel.series.slice(0, 1)) {
    s.values.forEach((v, k) => lines.push([...(id ? [s.id] : []), String(k + 1), num(v)].join(',')));
  }
  return lines.join('\n') + '\n';
}
