/**
 * Flags shared by the per-series and the panel forecast commands for CSVs as they come:
 * `--time-columns` (a timestamp split across columns), `--unknown-level` (a categorical level not
 * seen in training) and the season inferred from the dates when `--season` is omitted.
 */
import { SeqcastError } from '@seqcast/core';
import { describeFrequency, inferFrequency, isDateName, TIME_PARTS } from '@seqcast/data';
import { optionalString, type Flags } from '../args.js';

/** `--time-columns year,month,day,hour` as a list (undefined when not given). */
export function timeColumnsFlag(flags: Flags): string[] | undefined {
  const v = optionalString(flags, 'time-columns');
  if (v === undefined) return undefined;
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0 || items.length > TIME_PARTS.length) {
    throw new SeqcastError(
      'BAD_ARGUMENT',
      `--time-columns must list 1 to ${TIME_PARTS.length} columns in the order ${TIME_PARTS.join(',')} (received "${v}")`,
      {
        where: '--time-columns',
      },
    );
  }
  return items;
}

/** `--unknown-level error|ignore` (default error). */
export function unknownLevelFlag(flags: Flags): 'error' | 'ignore' {
  const v = optionalString(flags, 'unknown-level') ?? 'error';
  if (v !== 'error' && v !== 'ignore') {
    throw new SeqcastError('BAD_ARGUMENT', `--unknown-level must be error or ignore (received "${v}")`, { where: '--unknown-level' });
  }
  return v;
}

/** The season when `--season` is omitted, with the one line that says where it came from. */
export interface SeasonChoice {
  season: number;
  /** The inferred frequency; absent when the season fell back to 1. */
  frequency?: string;
  line: string;
}

/**
 * Infer the season from oldest-first date cells (a frequency from @seqcast/data's
 * inferFrequency); 1, as before, when there are no dates or they follow no frequency.
 */
export function seasonFromDates(dates: readonly string[] | null, column: string | null, composed = false): SeasonChoice {
  if (!dates || !column) return { season: 1, line: 'season 1 (no date column to infer it from; pass --season M to set one)' };
  const f = inferFrequency(dates, { loose: composed || isDateName(column) });
  if (!f) return { season: 1, line: `season 1 (the dates of ${column} follow no regular frequency; pass --season M to set one)` };
  return { season: f.season, frequency: f.frequency, line: `${describeFrequency(f)}; --season M overrides it` };
}
