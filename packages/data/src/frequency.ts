/**
 * The frequency of a dated series (hourly, daily, business-daily, weekly, monthly, quarterly,
 * yearly, or every N minutes/hours) and its usual season, from the time column alone, so
 * `--season` need not be given when the dates already say it. Irregular gaps (a missing
 * hour, a skipped month, two rows too close) are counted and the first ones reported.
 */
import { parseDate } from './dates.js';

export type Frequency =
  'hourly' | 'daily' | 'business-daily' | 'weekly' | 'monthly' | 'quarterly' | 'yearly' | `every ${number} minutes` | `every ${number} hours`;

/** A step between two consecutive dates that does not match the frequency. */
export interface DateGap {
  /** The earlier and the later date, as in the file. */
  from: string;
  to: string;
}

/** What {@link inferFrequency} found. */
export interface FrequencyInfo {
  frequency: Frequency;
  /** The usual season: 24 hourly, 7 daily, 5 business-daily, 52 weekly (1 with under two years), 12 monthly, 4 quarterly, 1 yearly; one day of steps below a day. */
  season: number;
  /** Steps that do not match the frequency: how many, and the first few. */
  gaps: { count: number; first: DateGap[] };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_SEASON = 1000;
const GAPS_SHOWN = 3;

/**
 * Infer the frequency and season of oldest-first date cells. Null when fewer than three cells
 * are dates, or the steps match no frequency (then the season is the caller's to choose).
 *
 * @example
 * inferFrequency(['2020-01-01 00:00', '2020-01-01 01:00', '2020-01-01 02:00']);
 * // { frequency: 'hourly', season: 24, gaps: { count: 0, first: [] } }
 */
export function inferFrequency(dates: readonly string[] | null | undefined, options: { loose?: boolean } = {}): FrequencyInfo | null {
  if (!dates || dates.length < 3) return null;
  const cells: string[] = [];
  const ts: number[] = [];
  for (const d of dates) {
    const t = parseDate(d, { loose: options.loose });
    if (Number.isNaN(t)) continue;
    cells.push(d);
    ts.push(t);
  }
  // Mostly not dates (integers, ids): nothing to infer.
  if (ts.length < 3 || ts.length < 0.9 * dates.length) return null;
  const diffs = ts.slice(1).map((t, i) => t - ts[i]!);
  const step = [...diffs].sort((a, b) => a - b)[Math.floor(diffs.length / 2)]!;
  const days = step / DAY;
  const spanYears = (ts[ts.length - 1]! - ts[0]!) / (365.25 * DAY);
  const months = (t: number) => {
    const d = new Date(t);
    return d.getUTCFullYear() * 12 + d.getUTCMonth();
  };
  const weekday = (t: number) => new Date(t).getUTCDay();
  let frequency: Frequency;
  let season: number;
  let regular: (i: number) => boolean;
  if (step <= 0) return null;
  if (step < DAY && DAY % step === 0) {
    frequency = step === HOUR ? 'hourly' : step < HOUR ? `every ${step / 60_000} minutes` : `every ${step / HOUR} hours`;
    season = DAY / step <= MAX_SEASON ? DAY / step : 1;
    regular = (i) => diffs[i] === step;
  } else if (days === 1) {
    const business = diffs.some((d) => d === 3 * DAY) && ts.every((t) => weekday(t) !== 0 && weekday(t) !== 6);
    frequency = business ? 'business-daily' : 'daily';
    season = business ? 5 : 7;
    regular = business ? (i) => diffs[i] === DAY || (diffs[i] === 3 * DAY && weekday(ts[i + 1]!) === 1) : (i) => diffs[i] === DAY;
  } else if (days === 7) {
    frequency = 'weekly';
    season = spanYears >= 2 ? 52 : 1;
    regular = (i) => diffs[i] === 7 * DAY;
  } else if (days >= 28 && days <= 31) {
    frequency = 'monthly';
    season = 12;
    regular = (i) => months(ts[i + 1]!) - months(ts[i]!) === 1;
  } else if (days >= 89 && days <= 92) {
    frequency = 'quarterly';
    season = 4;
    regular = (i) => months(ts[i + 1]!) - months(ts[i]!) === 3;
  } else if (days >= 365 && days <= 366) {
    frequency = 'yearly';
    season = 1;
    regular = (i) => months(ts[i + 1]!) - months(ts[i]!) === 12;
  } else {
    return null;
  }
  let count = 0;
  const first: DateGap[] = [];
  for (let i = 0; i < diffs.length; i++) {
    if (regular(i)) continue;
    count++;
    if (first.length < GAPS_SHOWN) first.push({ from: cells[i]!, to: cells[i + 1]! });
  }
  return { frequency, season, gaps: { count, first } };
}

/**
 * One line saying what was inferred, e.g. `season 24 inferred from the dates (hourly; 2 irregular
 * gaps, first 2010-01-02 05:00 -> 2010-01-02 08:00)`.
 */
export function describeFrequency(f: FrequencyInfo): string {
  const g = f.gaps;
  const gaps = g.count === 0 ? '' : `; ${g.count} irregular gap${g.count === 1 ? '' : 's'}, first ${g.first.map((x) => `${x.from} -> ${x.to}`).join(', ')}`;
  return `season ${f.season} inferred from the dates (${f.frequency}${gaps})`;
}
