/**
 * Calendar covariates of the global model (part of the input stack, src/inputs/): the position of
 * each time step in the day, the week and the year, derived from a date time column, as sine and
 * cosine pairs (smooth, bounded, and the same for a date in any year). Which positions are
 * meaningful depends on the frequency: an hourly series has a position in the day and the week, a
 * daily one in the week and the year, a monthly one in the year only, a yearly one none.
 * They are known in advance, so they go into the input window and the horizon alike.
 */
import { detectDayFirst, parseDate, type Frequency } from '@seqcast/data';

/** A calendar position; `harmonics` sine/cosine pairs each. */
export type CalendarPart = 'hourOfDay' | 'dayOfWeek' | 'dayOfYear' | 'monthOfYear';

const PERIOD: Record<CalendarPart, number> = { hourOfDay: 24, dayOfWeek: 7, dayOfYear: 365.25, monthOfYear: 12 };

/** Sine/cosine pairs per part: two let a weekday or hour pattern be more than one smooth wave. */
const HARMONICS: Record<CalendarPart, number> = { hourOfDay: 2, dayOfWeek: 3, dayOfYear: 1, monthOfYear: 2 };

/** The parts a frequency makes meaningful (a daily series has no hour; a yearly one no position). */
export function calendarParts(frequency: Frequency | string | null | undefined): CalendarPart[] {
  if (!frequency) return [];
  if (frequency === 'hourly' || frequency.startsWith('every ')) return ['hourOfDay', 'dayOfWeek'];
  if (frequency === 'daily' || frequency === 'business-daily') return ['dayOfWeek', 'dayOfYear'];
  if (frequency === 'weekly') return ['dayOfYear'];
  if (frequency === 'monthly' || frequency === 'quarterly') return ['monthOfYear'];
  return [];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PERIOD_MS: Record<CalendarPart, number> = { hourOfDay: DAY, dayOfWeek: 7 * DAY, dayOfYear: 365.25 * DAY, monthOfYear: 365.25 * DAY };

/** Length of one step of `frequency`, in ms (null when unknown). */
function stepMs(frequency: string): number | null {
  const every = /^every (\d+) (minutes|hours)$/.exec(frequency);
  if (every) return Number(every[1]) * (every[2] === 'hours' ? HOUR : 60_000);
  const table: Record<string, number> = {
    hourly: HOUR,
    daily: DAY,
    'business-daily': (7 / 5) * DAY,
    weekly: 7 * DAY,
    monthly: 30.44 * DAY,
    quarterly: 91.31 * DAY,
  };
  return table[frequency] ?? null;
}

/**
 * The parts worth feeding by default: those whose period is longer than the season (the season's
 * patch already places every step within a season, and the series' own pattern shows it: an
 * hourly model with season 24 gains nothing from the hour of day but may from the weekday) and
 * that the history covers at least twice (a day of year seen once teaches nothing), and only when
 * the panel shows an effect there ({@link calendarEffect}). Measured on panels without calendar
 * effects: every part made hourly forecasts ~4% worse in MASE, the weekday alone ~3%.
 */
export function usefulCalendarParts(
  frequency: string,
  season: number,
  series: readonly { values: ArrayLike<number>; times: readonly string[] | null }[],
): CalendarPart[] {
  const step = stepMs(frequency);
  if (!step) return [];
  const longest = series.reduce((m, s) => Math.max(m, s.values.length), 0);
  return calendarParts(frequency).filter((p) => {
    const period = PERIOD_MS[p] / step;
    return period > 1.5 * season && longest >= 2 * period && calendarEffect(series, p, Math.round(period));
  });
}

/** Position bins per part for the effect test: weekdays, hours, months. */
function bin(part: CalendarPart, ms: number): number {
  const d = new Date(ms);
  if (part === 'hourOfDay') return d.getUTCHours();
  if (part === 'dayOfWeek') return d.getUTCDay();
  return d.getUTCMonth();
}

/** Share of variance a position must explain, pooled over series, to be fed by default. */
export const CALENDAR_EFFECT_SHARE = 0.01;

/**
 * Whether the panel shows an effect at a calendar position: each value over the mean of the
 * period around it (a ratio, so series of any scale pool), grouped by position (weekday, hour or
 * month) over all series; the share of the ratios' variance between positions must reach
 * {@link CALENDAR_EFFECT_SHARE}. A panel without a weekday pattern then gets no weekday inputs,
 * which would only be noise to fit (measured: 3% worse MASE on an hourly panel without one).
 */
export function calendarEffect(series: readonly { values: ArrayLike<number>; times: readonly string[] | null }[], part: CalendarPart, period: number): boolean {
  const half = Math.max(1, Math.floor(period / 2));
  const sums = new Map<number, { n: number; sum: number }>();
  // The same per position, separately for each half of every series: an effect must repeat.
  const halves = [new Map<number, { n: number; sum: number }>(), new Map<number, { n: number; sum: number }>()];
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (const s of series) {
    if (!s.times || s.values.length < 2 * half + 1) continue;
    const v = s.values;
    const prefix = new Float64Array(v.length + 1);
    for (let i = 0; i < v.length; i++) prefix[i + 1] = prefix[i]! + v[i]!;
    const dayFirst = detectDayFirst(s.times as string[]);
    // A sample of at most ~2,000 points per series keeps this cheap on long hourly series.
    const stride = Math.max(1, Math.floor((v.length - 2 * half) / 2000));
    for (let t = half; t < v.length - half; t += stride) {
      const mean = (prefix[t + half + 1]! - prefix[t - half]!) / (2 * half + 1);
      if (!(mean > 0)) continue;
      const ms = parseDate(s.times[t]!, { loose: true, ...(typeof dayFirst === 'boolean' ? { dayFirst } : {}) });
      if (Number.isNaN(ms)) continue;
      const r = v[t]! / mean;
      const k = bin(part, ms);
      for (const m of [sums, halves[2 * t < v.length ? 0 : 1]!]) {
        const g = m.get(k) ?? { n: 0, sum: 0 };
        g.n++;
        g.sum += r;
        m.set(k, g);
      }
      n++;
      sum += r;
      sumSq += r * r;
    }
  }
  if (n < 10 || sums.size < 2) return false;
  const total = sumSq - (sum * sum) / n;
  if (!(total > 0)) return false;
  let between = 0;
  for (const g of sums.values()) between += g.n * (g.sum / g.n - sum / n) ** 2;
  if (between / total < CALENDAR_EFFECT_SHARE) return false;
  // A wandering level (a random walk) also differs between months of one stretch; a calendar
  // effect repeats: the two halves' profiles must agree (correlation at least 0.5).
  const keys = [...sums.keys()].filter((k) => halves[0]!.has(k) && halves[1]!.has(k));
  if (keys.length < 2) return false;
  const a = keys.map((k) => halves[0]!.get(k)!.sum / halves[0]!.get(k)!.n);
  const b = keys.map((k) => halves[1]!.get(k)!.sum / halves[1]!.get(k)!.n);
  const ma = a.reduce((x, y) => x + y, 0) / a.length;
  const mb = b.reduce((x, y) => x + y, 0) / b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((x, i) => {
    ab += (x - ma) * (b[i]! - mb);
    aa += (x - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  });
  return aa > 0 && bb > 0 && ab / Math.sqrt(aa * bb) >= 0.5;
}

/** Channel names of `parts`, in order (`dayOfWeek:sin1`, `dayOfWeek:cos1`, …). */
export function calendarChannelNames(parts: readonly CalendarPart[]): string[] {
  return parts.flatMap((p) => Array.from({ length: HARMONICS[p] }, (_, k) => [`${p}:sin${k + 1}`, `${p}:cos${k + 1}`]).flat());
}

function position(part: CalendarPart, ms: number): number {
  const d = new Date(ms);
  switch (part) {
    case 'hourOfDay':
      return d.getUTCHours() + d.getUTCMinutes() / 60;
    case 'dayOfWeek':
      return d.getUTCDay();
    case 'dayOfYear':
      return (ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000;
    case 'monthOfYear':
      return d.getUTCMonth();
  }
}

/**
 * The calendar channels of `times` (one column per channel, `times.length` long). A cell that is
 * not a date gets zeros (the reader has already refused bad dates where they matter).
 */
export function calendarChannels(times: readonly string[], parts: readonly CalendarPart[]): Float64Array[] {
  const dayFirst = detectDayFirst(times as string[]);
  const ms = times.map((t) => parseDate(t, { loose: true, ...(typeof dayFirst === 'boolean' ? { dayFirst } : {}) }));
  const out: Float64Array[] = [];
  for (const part of parts) {
    for (let k = 1; k <= HARMONICS[part]; k++) {
      const sin = new Float64Array(times.length);
      const cos = new Float64Array(times.length);
      ms.forEach((t, i) => {
        if (Number.isNaN(t)) return;
        const a = (2 * Math.PI * k * position(part, t)) / PERIOD[part];
        sin[i] = Math.sin(a);
        cos[i] = Math.cos(a);
      });
      out.push(sin, cos);
    }
  }
  return out;
}
