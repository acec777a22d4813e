/**
 * The future file of a panel forecast (`forecast predict --future FILE`): the id and time columns
 * and the future-known columns for the next H steps of each series, no target. Read into
 * {@link FutureCovariates} for the model; every series of the history must have H rows after its
 * last time, else a one-line error names the series (and the file line where one is at fault).
 */
import { SeqcastError } from '@seqcast/core';
import { parseDate, readCsv, type CsvSource, type Panel } from '@seqcast/data';
import type { FutureCovariates, FutureSeries } from './covariates.js';

/** What {@link readFutureCsv} needs to know: the layout of the training file and the model's future columns. */
export interface FutureCsvOptions {
  idColumn: string;
  /** The time column (or `year+month+…` for a split timestamp); null: rows in file order. */
  timeColumn: string | null;
  /** The future-known columns the model reads. */
  columns: readonly string[];
  /** Those of them that are categorical (read as text). */
  categorical: readonly string[];
  /** Steps to forecast. */
  steps: number;
}

const INTEGER = /^[+-]?\d+$/;

function timeKey(cell: string): number {
  return INTEGER.test(cell.trim()) ? Number(cell) : parseDate(cell, { loose: true });
}

/**
 * Read the future file (a path, or any CSV source: the server reads content) and keep, per series
 * of `history`, the first `steps` rows after the history's last time (all rows in file order
 * without a time column).
 */
export async function readFutureCsv(file: string | CsvSource, history: Panel, o: FutureCsvOptions): Promise<FutureCovariates> {
  const split = o.timeColumn?.includes('+') ? o.timeColumn.split('+') : null;
  const numeric = o.columns.filter((c) => !o.categorical.includes(c));
  const s = await readCsv(typeof file === 'string' ? { path: file } : file, {
    columns: numeric,
    keyColumns: [o.idColumn, ...(o.timeColumn && !split ? [o.timeColumn] : [])],
    ...(split ? { timeColumns: split } : { dateColumn: null, timeColumns: null }),
    ...(o.categorical.length ? { categorical: [...o.categorical] } : {}),
    missing: 'keep',
  });
  const src = s.source;
  const ids = s.keys[o.idColumn]!;
  const times = split ? s.dates : o.timeColumn ? s.keys[o.timeColumn]! : null;
  const rowsOf = new Map<string, number[]>();
  for (let i = 0; i < s.rows; i++) {
    let g = rowsOf.get(ids[i]!);
    if (!g) rowsOf.set(ids[i]!, (g = []));
    g.push(i);
  }
  const known = new Set(history.series.map((x) => x.id));
  const stray = [...rowsOf.keys()].find((id) => !known.has(id));
  if (stray !== undefined) {
    const line = s.lines[rowsOf.get(stray)![0]!];
    throw new SeqcastError('BAD_INPUT', `${src}:${line}: series "${stray}" is not in the history file`, { where: `${src}:${line}` });
  }
  const out = new Map<string, FutureSeries>();
  for (const series of history.series) {
    let rows = rowsOf.get(series.id) ?? [];
    const last = times && series.times?.length ? timeKey(series.times[series.times.length - 1]!) : NaN;
    if (times) {
      const bad = rows.find((i) => Number.isNaN(timeKey(times[i]!)));
      if (bad !== undefined) {
        throw new SeqcastError(
          'BAD_INPUT',
          `${src}:${s.lines[bad]}: series "${series.id}": time ${JSON.stringify(times[bad])} is neither a date nor an integer`,
          {
            where: `${src}:${s.lines[bad]}`,
          },
        );
      }
      rows = rows.filter((i) => !(timeKey(times[i]!) <= last)).sort((a, b) => timeKey(times[a]!) - timeKey(times[b]!));
    }
    if (rows.length < o.steps) {
      const after = Number.isNaN(last) ? '' : ` after its last time ${series.times![series.times!.length - 1]}`;
      throw new SeqcastError(
        'BAD_INPUT',
        `${src}: series "${series.id}" has ${rows.length} future row(s)${after}, the forecast of ${o.steps} step(s) needs ${o.steps} (columns ${o.columns.join(', ')})`,
        { where: series.id },
      );
    }
    rows = rows.slice(0, o.steps);
    const columns: Record<string, ArrayLike<number> | readonly string[]> = {};
    for (const c of o.columns) {
      const cat = s.categorical[c];
      const v = cat ? rows.map((i) => (cat.codes[i]! < 0 ? '' : cat.levels[cat.codes[i]!]!)) : rows.map((i) => s.values[c]![i]!);
      const gap = v.findIndex((x) => x === '' || (typeof x === 'number' && Number.isNaN(x)));
      if (gap >= 0) {
        const line = s.lines[rows[gap]!];
        throw new SeqcastError('BAD_INPUT', `${src}:${line}: series "${series.id}": column "${c}" is empty; the forecast needs every future value`, {
          where: `${src}:${line}`,
        });
      }
      columns[c] = cat ? (v as string[]) : Float64Array.from(v as number[]);
    }
    out.set(series.id, { columns, times: times ? rows.map((i) => times[i]!) : null, source: src });
  }
  return out;
}
