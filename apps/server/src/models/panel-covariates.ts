/**
 * A panel forecast request's series as the GlobalForecaster reads them: the target, the
 * covariate columns of each row (numbers, or level names for categorical ones) and the future
 * values of the model's future-known columns for each forecast step (`series[i].future`).
 */
import { SeqcastError } from '@seqcast/core';
import type { Panel, PanelSeries } from '@seqcast/data';
import type { CovariateContract, FutureCovariates, FutureSeries } from '@seqcast/forecast';
import type { PanelRequestSeries } from './adapter.js';

/** The in-memory panel of a request, and its future values (undefined when the model reads none). */
export function requestPanel(
  target: string,
  c: CovariateContract,
  series: readonly PanelRequestSeries[],
): { panel: Panel; future: FutureCovariates | undefined } {
  const columns = [...c.past, ...c.future, ...c.static];
  const levelsSeen: Record<string, Map<string, number>> = {};
  for (const f of columns) if (c.levels[f]) levelsSeen[f] = new Map();
  const panelSeries: PanelSeries[] = series.map((s, i) => {
    const rows = s.rows ?? [];
    const features: Record<string, Float64Array> = {};
    const categorical: Record<string, Int32Array> = {};
    for (const f of columns) {
      const cell = (j: number) => {
        const v = rows[j]?.[f];
        if (v === undefined) {
          throw new SeqcastError('BAD_INPUT', `series[${i}].rows[${j}].${f} is missing (the model reads ${f} in every row)`, {
            where: `series[${i}].rows[${j}].${f}`,
          });
        }
        return v;
      };
      const seen = levelsSeen[f];
      if (seen) {
        categorical[f] = Int32Array.from(s.values, (_, j) => {
          const v = String(cell(j));
          if (!seen.has(v)) seen.set(v, seen.size);
          return seen.get(v)!;
        });
      } else {
        features[f] = Float64Array.from(s.values, (_, j) => {
          const v = cell(j);
          if (typeof v !== 'number' || !Number.isFinite(v)) {
            throw new SeqcastError('BAD_INPUT', `series[${i}].rows[${j}].${f} must be a finite number`, { where: `series[${i}].rows[${j}].${f}` });
          }
          return v;
        });
      }
    }
    return {
      id: s.id,
      values: s.values,
      times: s.times ?? null,
      features,
      ...(Object.keys(categorical).length ? { categorical } : {}),
      lines: null,
    };
  });
  const categoricalLevels = Object.fromEntries(Object.entries(levelsSeen).map(([f, m]) => [f, [...m.keys()]]));
  const panel: Panel = {
    target,
    idColumn: 'id',
    timeColumn: series.some((s) => s.times) ? 'time' : null,
    features: columns,
    series: panelSeries,
    source: 'request',
    ...(Object.keys(categoricalLevels).length ? { categoricalLevels } : {}),
  };
  if (c.future.length === 0) return { panel, future: undefined };
  const future = new Map<string, FutureSeries>();
  series.forEach((s, i) => {
    if (!s.future) return;
    const cols: Record<string, number[] | string[]> = {};
    for (const f of c.future) {
      cols[f] = s.future.map((row, h) => {
        const v = row[f];
        if (v === undefined) {
          throw new SeqcastError('BAD_INPUT', `series[${i}].future[${h}].${f} is missing (the model needs ${c.future.join(', ')} for every forecast step)`, {
            where: `series[${i}].future[${h}].${f}`,
          });
        }
        return v;
      }) as number[] | string[];
    }
    future.set(s.id, { columns: cols, source: `series[${i}].future` });
  });
  return { panel, future };
}
