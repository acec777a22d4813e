/**
 * The series shape the forecaster reads. It is the `Series` of @seqcast/data (readCsv's result)
 * reduced to the fields forecasting needs, so in-memory series (tests, synthetic data, server
 * uploads) need not carry file bookkeeping.
 */
import { SeqcastError } from '@seqcast/core';
import type { Series } from '@seqcast/data';

/** Oldest-first numeric columns, optionally with dates. `Series` from @seqcast/data fits this. */
export interface SeriesLike {
  columns: string[];
  values: Record<string, ArrayLike<number>>;
  dates?: string[] | null;
  dateColumn?: string | null;
  rows: number;
  source?: string;
  /** Text columns as levels + codes (readCsv's `categorical`); the SeriesForecaster one-hot encodes those named as features. */
  categorical?: Record<string, { levels: string[]; codes: Int32Array }>;
  /** 1-based file line of each row, for error messages. */
  lines?: Int32Array;
}

/** The full series shape: readCsv's result (@seqcast/data), also produced by the synthetic generators. */
export type { Series };

/**
 * A column as Float64Array, or a BAD_INPUT error naming the column and what exists.
 * @example column(series, 'Close') // Float64Array, oldest first
 */
export function column(series: SeriesLike, name: string, where = 'series'): Float64Array {
  const v = series.values[name];
  if (!v) {
    throw new SeqcastError('BAD_INPUT', `${where}: no numeric column "${name}" (columns: ${series.columns.join(', ') || 'none'})`, {
      where: name,
    });
  }
  const out = Float64Array.from(v);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) {
      throw new SeqcastError('BAD_INPUT', `${where}: column "${name}" row ${i + 1} is not a finite number`, { where: `${name}[${i}]` });
    }
  }
  return out;
}

/**
 * Build a Series (as if read from a CSV with a header row and, when `dates` are given, a leading
 * "Date" column) from plain columns, oldest first.
 * @example const s = makeSeries({ value: [1, 2, 3] });
 */
export function makeSeries(values: Record<string, ArrayLike<number>>, dates: string[] | null = null, source = '<memory>'): Series {
  const columns = Object.keys(values);
  const rows = columns.length ? values[columns[0]!]!.length : 0;
  for (const c of columns) {
    if (values[c]!.length !== rows) throw new SeqcastError('BAD_INPUT', `column "${c}" has ${values[c]!.length} values, expected ${rows}`, { where: c });
  }
  if (dates && dates.length !== rows) throw new SeqcastError('BAD_INPUT', `dates has ${dates.length} values, expected ${rows}`, { where: 'dates' });
  const vals: Record<string, Float64Array> = {};
  for (const c of columns) vals[c] = Float64Array.from(values[c]!);
  const lines = new Int32Array(rows);
  for (let i = 0; i < rows; i++) lines[i] = i + 2;
  return {
    columns,
    values: vals,
    dateColumn: dates ? 'Date' : null,
    dates,
    order: 'oldest-first',
    lines,
    missing: [],
    rows,
    source,
    header: dates ? ['Date', ...columns] : [...columns],
    headerKind: 'row',
    delimiter: ',',
    ignored: [],
    dateIssues: [],
    droppedRows: 0,
    keys: {},
    timeColumns: null,
    categorical: {},
  };
}
