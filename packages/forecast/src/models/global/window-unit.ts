/**
 * What the ensemble's member windows are whole multiples of (ensemble.ts): the season, or for
 * hourly data that repeats by the week, a week. A member whose window is not whole weeks (5 or 11
 * days) cannot see the same hour a week before every forecast step; on the 400-series hourly
 * bench panel such members scored 0.856–0.884 OWA against 0.829–0.831 for 168 and 336 hours
 * (docs/global-model.md, "Hourly members see whole weeks").
 */

const DAY_OF_HOURS = 24;
const WEEK_OF_HOURS = 168;

/** The stretch each series is checked on: its last two weeks (series of three weeks or more). */
const CHECK_HOURS = 2 * WEEK_OF_HOURS;

/**
 * The data repeats by the week when, for the median series, the same hour a week before is at
 * most this much further from the value than the same hour a day before: hourly series with a
 * weekly cycle sit near 1 or below, series that drift within a week (climate normals: ~5) above.
 */
export const WEEKLY_REPEAT_RATIO = 1.25;

/**
 * Median over series of mean |y[t] − y[t−168]| ÷ mean |y[t] − y[t−24]| over each series' last two
 * weeks; null when no series holds three weeks.
 */
export function weekToDayRatio(history: readonly ArrayLike<number>[]): number | null {
  const ratios: number[] = [];
  for (const v of history) {
    if (v.length < CHECK_HOURS + WEEK_OF_HOURS) continue;
    let week = 0;
    let day = 0;
    for (let t = v.length - CHECK_HOURS; t < v.length; t++) {
      week += Math.abs(v[t]! - v[t - WEEK_OF_HOURS]!);
      day += Math.abs(v[t]! - v[t - DAY_OF_HOURS]!);
    }
    if (day > 0 && Number.isFinite(week / day)) ratios.push(week / day);
  }
  if (ratios.length === 0) return null;
  ratios.sort((a, b) => a - b);
  return ratios[Math.floor(ratios.length / 2)]!;
}

/**
 * A week for hourly data (m 24) whose default window holds one and that repeats by the week
 * ({@link WEEKLY_REPEAT_RATIO}); otherwise the season (1 without one).
 */
export function windowUnit(season: number, base: number, history: readonly ArrayLike<number>[]): number {
  const unit = season > 1 ? season : 1;
  if (season !== DAY_OF_HOURS || base < WEEK_OF_HOURS) return unit;
  const ratio = weekToDayRatio(history);
  return ratio !== null && ratio <= WEEKLY_REPEAT_RATIO ? WEEK_OF_HOURS : unit;
}
