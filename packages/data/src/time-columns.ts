/**
 * A timestamp split across columns (`year,month,day,hour`), as in many sensor and weather
 * files: the columns named by `timeColumns` (or found by name) are combined into one ISO cell per
 * row (`2010-01-02 05:00`) that the date machinery of readCsv then orders and checks like any
 * date column. pandas users know this as `pd.to_datetime(df[['year','month','day','hour']])`.
 */
import { SeqcastError } from '@seqcast/core/errors';

/** The parts a split timestamp may have, in order; a split layout is a prefix of these. */
export const TIME_PARTS = ['year', 'month', 'day', 'hour', 'minute'] as const;

const RANGES: Record<(typeof TIME_PARTS)[number], [number, number]> = {
  year: [1, 9999],
  month: [1, 12],
  day: [1, 31],
  hour: [0, 23],
  minute: [0, 59],
};

/** The combined column's name, e.g. `year+month+day+hour`. */
export function timeColumnsName(columns: readonly string[]): string {
  return columns.join('+');
}

/**
 * Check `timeColumns` against the header: 1 to 5 distinct columns of the file, read in the
 * order year, month, day, hour, minute. One-line BAD_ARGUMENT otherwise.
 */
export function checkTimeColumns(columns: readonly string[], header: readonly string[], source: string): number[] {
  if (!Array.isArray(columns) || columns.length === 0 || columns.length > TIME_PARTS.length) {
    throw new SeqcastError('BAD_ARGUMENT', `timeColumns must list 1 to ${TIME_PARTS.length} columns in the order ${TIME_PARTS.join(', ')}`, {
      where: 'timeColumns',
    });
  }
  if (new Set(columns).size !== columns.length) {
    throw new SeqcastError('BAD_ARGUMENT', `timeColumns lists a column twice (${columns.join(',')})`, { where: 'timeColumns' });
  }
  return columns.map((c) => {
    const i = header.indexOf(c);
    if (i < 0)
      throw new SeqcastError('BAD_ARGUMENT', `timeColumns: "${c}" is not a column of ${source} (columns: ${header.join(', ')})`, { where: 'timeColumns' });
    return i;
  });
}

/**
 * The common split layouts, found by header name (any case): year, month and day columns, then
 * hour and minute when present. Null when the file has no such columns. A `Year,Month` file
 * without a day is left to the ordinary detection (its Month column often holds whole dates).
 */
export function detectTimeColumns(header: readonly string[]): string[] | null {
  const found: string[] = [];
  for (const part of TIME_PARTS) {
    const name = header.find((h) => h.trim().toLowerCase() === part);
    if (name === undefined) break;
    found.push(name);
  }
  return found.length >= 3 ? found : null;
}

const INTEGER = /^\s*\d{1,4}(?:\.0*)?\s*$/;

/**
 * One row's cells (year, month, …, file order of `timeColumns`) as an ISO timestamp cell:
 * `2010`, `2010-01`, `2010-01-02`, `2010-01-02 05:00`. A part that is not an integer in its
 * range yields the cells as found (`year=2010 month=13`), which the date parser rejects, so the
 * row is reported as a bad date with its file line.
 */
export function composeTimestamp(parts: readonly string[]): string {
  const nums: number[] = [];
  for (let k = 0; k < parts.length; k++) {
    const cell = parts[k]!;
    const [lo, hi] = RANGES[TIME_PARTS[k]!];
    const v = INTEGER.test(cell) ? Math.trunc(Number(cell)) : NaN;
    if (!(v >= lo && v <= hi)) return parts.map((p, j) => `${TIME_PARTS[j]}=${p}`).join(' ');
    nums.push(v);
  }
  const p2 = (v: number) => String(v).padStart(2, '0');
  let out = String(nums[0]).padStart(4, '0');
  if (nums.length > 1) out += `-${p2(nums[1]!)}`;
  if (nums.length > 2) out += `-${p2(nums[2]!)}`;
  if (nums.length > 3) out += ` ${p2(nums[3]!)}:${p2(nums[4] ?? 0)}`;
  return out;
}

/** Combine the raw cells of the time columns (aligned with rows) into one timestamp cell per row. */
export function composeTimestamps(cells: readonly (readonly string[])[], rows: number): string[] {
  const out = new Array<string>(rows);
  const row = new Array<string>(cells.length);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < cells.length; k++) row[k] = cells[k]![i] ?? '';
    out[i] = composeTimestamp(row);
  }
  return out;
}
