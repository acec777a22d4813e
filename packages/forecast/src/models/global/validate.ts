/** The global model's check on the held-out last horizon of its training series. */
import type { EncodedSeries } from '../../inputs/covariates.js';
import { MetricTotals, seasonalScale } from '../../protocol/panel-metrics.js';
import { naive2Verdict } from '../../protocol/verdict.js';
import { combinationFor, type Combination, type CombinationGroup, type GlobalValidation, type ValidationStretch } from './info.js';
import { MEDIAN } from './network.js';
import { combine, type Resolved } from './resolve.js';
import { calibrateWidth, coverageAt, partnerForecast, type IntervalCase, type Partner } from './validation.js';

/** The stretch as validated: kept so the shipped network's drift from it can be measured. */
export interface ShippedStretch extends ValidationStretch {
  usable: EncodedSeries[];
  ends: number[];
}

/** The series whose last `horizon` points the validation holds out: those with a quarter window of history (at least 2 points) before them. */
export function heldOutSeries<S extends { values: ArrayLike<number> }>(series: readonly S[], r: { horizon: number; window: number }): S[] {
  const minHistory = Math.max(2, Math.ceil(r.window / 4));
  return series.filter((s) => s.values.length - r.horizon >= minHistory);
}

/**
 * Forecast the held-out last horizon of each long-enough series and score it against Naive2;
 * choose the combination with a statistical forecast (none, or Naive2 / Theta at a weight) that
 * scores best there (panel-wide, and for each large enough group of series by length where its own
 * choice is measured to beat the panel-wide one), and calibrate the interval widths around the combined forecast.
 */
export function validateOnStretch(
  series: readonly EncodedSeries[],
  r: Resolved,
  quantiles: (series: readonly EncodedSeries[], ends: readonly number[]) => number[][][],
): { validation: GlobalValidation; widths: { '80': number; '95': number }; combination: Combination; stretch: ShippedStretch } {
  const H = r.horizon;
  const m = r.season;
  const usable = heldOutSeries(series, r);
  const cut = usable.map((s) => s.values.subarray(0, s.values.length - H));
  const actual = usable.map((s) => s.values.subarray(s.values.length - H));
  const scales = cut.map((x) => seasonalScale(x, m));
  const q = quantiles(
    usable,
    usable.map((s) => s.values.length - H),
  );
  const med = q.map((rows) => rows.map((row) => row[MEDIAN]!));
  // Scores of `values` on the stretch of the series `rows` (default all), in that order.
  const score = (values: number[][], rows?: readonly number[]): MetricTotals => {
    const t = new MetricTotals();
    for (const i of rows ?? usable.keys()) t.add(actual[i]!, { id: String(i), values: values[i]! }, scales[i]!);
    return t;
  };
  const partners: Record<Partner, number[][]> = {
    naive2: cut.map((x) => partnerForecast(x, H, m, 'naive2')),
    theta: cut.map((x) => partnerForecast(x, H, m, 'theta')),
  };
  const naive2Totals = score(partners.naive2);
  const modelOwa = score(med).result(naive2Totals).owa;
  const shipped = (c: { partner: Partner; weight: number }) => (c.weight === 1 ? med : combine(med, partners[c.partner], c.weight));
  const everyRow = usable.map((_, i) => i);
  const panelWide = chooseCombination(everyRow, med, partners, score);
  const lengthOf = usable.map((s) => s.values.length);
  const groups = chooseByLength(
    lengthOf,
    panelWide,
    (rows) => chooseCombination(rows, med, partners, score),
    (rows, c) => score(shipped(c), rows),
  );
  const combination: Combination = groups ? { ...panelWide, groups } : panelWide;
  // Each series' forecast as its length group's combination shapes it.
  const center = usable.map((s, i) => {
    const c = combinationFor(combination, s.values.length);
    return c.weight === 1 ? med[i]! : combine([med[i]!], [partners[c.partner][i]!], c.weight)[0]!;
  });
  const final = score(center).result(naive2Totals);
  const cases80: IntervalCase[] = [];
  const cases95: typeof cases80 = [];
  usable.forEach((_, i) => {
    for (let h = 0; h < H; h++) {
      const row = q[i]![h]!;
      const c = center[i]![h]!;
      const shift = c - row[MEDIAN]!;
      cases80.push({ actual: actual[i]![h]!, median: c, lower: row[1]! + shift, upper: row[3]! + shift });
      cases95.push({ actual: actual[i]![h]!, median: c, lower: row[0]! + shift, upper: row[4]! + shift });
    }
  });
  const widths = { '80': calibrateWidth(cases80, 0.8), '95': calibrateWidth(cases95, 0.95) };
  const n2 = naive2Totals.result(naive2Totals);
  const band = (lo: number, hi: number, k: number) => ({
    lower: q.map((rows, i) => rows.map((row, h) => center[i]![h]! - k * (row[MEDIAN]! - row[lo]!))),
    upper: q.map((rows, i) => rows.map((row, h) => center[i]![h]! + k * (row[hi]! - row[MEDIAN]!))),
  });
  const verdict = naive2Verdict(score(center).units, naive2Totals.units);
  return {
    widths,
    combination,
    stretch: {
      ids: usable.map((s) => s.id),
      forecasts: center,
      network: med,
      bounds: { '80': band(1, 3, widths['80']), '95': band(0, 4, widths['95']) },
      actual,
      usable,
      ends: usable.map((s) => s.values.length - H),
    },
    validation: {
      series: usable.length,
      smape: final.smape,
      mase: final.mase,
      naive2Smape: n2.smape,
      naive2Mase: n2.mase,
      owa: final.owa,
      modelOwa,
      worseThanNaive2: verdict.verdict === 'worse',
      verdict,
      networkVerdict: naive2Verdict(score(med).units, naive2Totals.units),
      coverage80: coverageAt(cases80, widths['80']),
      coverage95: coverageAt(cases95, widths['95']),
    },
  };
}

type Candidate = { partner: Partner; weight: number };

/**
 * The combination that scores best on the series `rows`: the network alone unless a mix with
 * Naive2 or Theta (network weight 0.75, 0.5, 0.25, or 0: the partner alone) beats the best so far
 * by more than 0.005 OWA.
 */
function chooseCombination(
  rows: readonly number[],
  med: number[][],
  partners: Record<Partner, number[][]>,
  score: (values: number[][], rows: readonly number[]) => MetricTotals,
): Candidate {
  const naive2 = score(partners.naive2, rows);
  let combination: Candidate = { partner: 'naive2', weight: 1 };
  let best = score(med, rows).result(naive2).owa;
  for (const partner of ['naive2', 'theta'] as const) {
    // Weight 0 is the partner alone: where the network learned nothing the statistical method
    // did not (near-random walks), say so and forecast with the partner rather than lose to it.
    for (const weight of [0.75, 0.5, 0.25, 0]) {
      const owa = score(combine(med, partners[partner], weight), rows).result(naive2).owa;
      // A combination must earn its place by a clear margin, not by noise.
      if (owa < best - 0.005) {
        best = owa;
        combination = { partner, weight };
      }
    }
  }
  return combination;
}

/** Length groups: the terciles of the validated series' lengths. */
export const LENGTH_GROUPS = 3;
/** A group with fewer series on the stretch keeps the panel-wide combination: its OWA is too noisy to choose on. */
export const MIN_GROUP_SERIES = 50;
/**
 * How much lower (OWA against Naive2) a group's own combination must score on its stretch than the
 * panel-wide one, besides a paired bootstrap band over its series wholly below the panel-wide
 * one's errors: the group's choice is the best of nine on the same series it is judged on.
 */
export const GROUP_MARGIN = 0.02;

/** Upper length bounds of up to LENGTH_GROUPS groups of about equal size (the last group: any longer); [] when the lengths form one group. */
export function lengthBounds(lengths: readonly number[]): number[] {
  const sorted = [...lengths].sort((a, b) => a - b);
  const bounds: number[] = [];
  for (let k = 1; k < LENGTH_GROUPS; k++) {
    const b = sorted[Math.ceil((k * sorted.length) / LENGTH_GROUPS) - 1];
    // Ties collapse groups: a bound no longer than the last one, or as long as the longest series, adds an empty group.
    if (b !== undefined && b > (bounds.at(-1) ?? -Infinity) && b < sorted.at(-1)!) bounds.push(b);
  }
  return bounds;
}

/**
 * Each length group's combination: its own choice where the group holds at least
 * MIN_GROUP_SERIES series and that choice beats the panel-wide one on them by GROUP_MARGIN and a
 * bootstrap band below 1; the panel-wide one otherwise. Null when the lengths form one group.
 */
export function chooseByLength(
  lengths: readonly number[],
  panelWide: Candidate,
  choose: (rows: number[]) => Candidate,
  score: (rows: readonly number[], c: Candidate) => MetricTotals,
): CombinationGroup[] | null {
  const bounds = lengthBounds(lengths);
  if (bounds.length === 0) return null;
  return [...bounds, null].map((maxLength, k) => {
    const lo = k === 0 ? -Infinity : bounds[k - 1]!;
    const rows = lengths.flatMap((n, i) => (n > lo && (maxLength === null || n <= maxLength) ? [i] : []));
    const naive2 = score(rows, { partner: 'naive2', weight: 0 });
    const panel = score(rows, panelWide);
    const panelOwa = panel.result(naive2).owa;
    const keep = { maxLength, series: rows.length, ...panelWide, own: false, owa: panelOwa, panelOwa };
    if (rows.length < MIN_GROUP_SERIES) return keep;
    const own = choose(rows);
    if (own.partner === panelWide.partner && own.weight === panelWide.weight) return keep;
    const mine = score(rows, own);
    const owa = mine.result(naive2).owa;
    const helps = owa < panelOwa - GROUP_MARGIN && naive2Verdict(mine.units, panel.units).verdict === 'better';
    return helps ? { maxLength, series: rows.length, ...own, own: true, owa, panelOwa } : keep;
  });
}
