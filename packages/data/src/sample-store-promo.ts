/**
 * The `store-promo` sample: a daily retail panel whose sales depend on things the user knows, so
 * covariates have something to find. Per store: a store type (A, B or C: a static covariate)
 * that sets its level, its weekday profile and how much a promotion lifts sales; a planned
 * promotion (0/1, runs of 3–7 days: a future-known covariate); a slow random drift; noise; and
 * the day's visitors counted at the door (a past covariate: known only up to the forecast origin,
 * it follows the store's drifting level, which the sales show only through their noise).
 * `store-promo-future` writes the next 28 days of the same stores (same seed and rows): the id,
 * the date and the planned promotion, no sales — the future file a forecast reads.
 */
import { seededRandom } from '@seqcast/core';

/** Days after the history that `store-promo-future` lists. */
export const STORE_PROMO_FUTURE_DAYS = 28;

const TYPES = ['A', 'B', 'C'] as const;
const BASE = { A: 200, B: 80, C: 30 };
/** Sunday .. Saturday. */
const WEEKDAY = { A: [1.45, 0.85, 0.8, 0.85, 0.95, 1.15, 1.5], B: [0.6, 1.1, 1.15, 1.1, 1.15, 1.1, 0.7], C: [1, 1, 1, 1, 1, 1.05, 1.05] };
const LIFT = { A: 1.8, B: 1.5, C: 2.3 };

/** Stores and days per store for `rows` data rows: 400 days per store, at most 150 stores. */
function shape(rows: number): { stores: number; days: number } {
  const stores = Math.min(150, Math.max(1, Math.round(rows / 400)));
  return { stores, days: Math.max(2, Math.floor(rows / stores)) };
}

export function storePromo(rows: number, seed: number, future: boolean): string[] {
  const { stores, days } = shape(rows);
  const u = seededRandom(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  // The visitors' noise has its own stream, so the other columns are those of a file without them.
  const v = seededRandom(seed + 7919);
  const gv = () => Math.sqrt(-2 * Math.log(1 - v())) * Math.cos(2 * Math.PI * v());
  const start = Date.UTC(2022, 0, 1);
  const lines = [future ? 'store,date,promo' : 'store,date,store_type,promo,visitors,sales'];
  const total = days + STORE_PROMO_FUTURE_DAYS;
  for (let s = 0; s < stores; s++) {
    const type = TYPES[Math.floor(u() * TYPES.length)]!;
    const level = BASE[type] * (0.6 + 0.8 * u());
    const promo = new Uint8Array(total);
    // Promotions planned in runs of 3–7 days, about one day in eight.
    for (let t = Math.floor(u() * 20); t < total; t += 20 + Math.floor(u() * 30)) {
      const len = 3 + Math.floor(u() * 5);
      for (let k = t; k < Math.min(total, t + len); k++) promo[k] = 1;
    }
    let drift = 0;
    const id = `store_${String(s + 1).padStart(3, '0')}`;
    for (let t = 0; t < total; t++) {
      drift = 0.995 * drift + 0.01 * g();
      const date = new Date(start + t * 86_400_000);
      const day = date.toISOString().slice(0, 10);
      const sales = level * Math.exp(drift) * WEEKDAY[type][date.getUTCDay()]! * (promo[t] ? LIFT[type] : 1) * (1 + 0.08 * g());
      if (future) {
        if (t >= days) lines.push(`${id},${day},${promo[t]}`);
      } else if (t < days) {
        const visitors = Math.round(4 * level * Math.exp(drift) * (1 + 0.02 * gv()));
        lines.push(`${id},${day},${type},${promo[t]},${visitors},${Math.max(0, sales).toFixed(1)}`);
      }
    }
  }
  return lines;
}
