/** The global model's check on the held-out last horizon of its training series. */
import type { EncodedSeries } from '../../inputs/covariates.js';
import { MetricTotals, seasonalScale } from '../../protocol/panel-metrics.js';
import { naive2Verdict } from '../../protocol/verdict.js';
import type { Combination, GlobalValidation, ValidationStretch } from './info.js';
import { MEDIAN } from './network.js';
import { combine, type Resolved } from './resolve.js';
import { calibrateWidth, coverageAt, partnerForecast, type IntervalCase, type Partner } from './validation.js';

/** The stretch as validated: kept so the shipped network's drift from it can be measured. */
export interface ShippedStretch extends ValidationStretch {
  usable: EncodedSeries[];
  ends: number[];
}

/**
 * Forecast the held-out last horizon of each long-enough series and score it against Naive2;
 * choose the combination with a statistical forecast (none, or Naive2 / Theta at a weight) that
 * scores best there, and calibrate the interval widths around the combined forecast.
 */
export function validateOnStretch(
  series: readonly EncodedSeries[],
  r: Resolved,
  quantiles: (series: readonly EncodedSeries[], ends: readonly number[]) => number[][][],
): { validation: GlobalValidation; widths: { '80': number; '95': number }; combination: Combination; stretch: ShippedStretch } {
  const H = r.horizon;
  const m = r.season;
  const minHistory = Math.max(2, Math.ceil(r.window / 4));
  const usable = series.filter((s) => s.values.length - H >= minHistory);
  const cut = usable.map((s) => s.values.subarray(0, s.values.length - H));
  const actual = usable.map((s) => s.values.subarray(s.values.length - H));
  const scales = cut.map((x) => seasonalScale(x, m));
  const q = quantiles(
    usable,
    usable.map((s) => s.values.length - H),
  );
  const med = q.map((rows) => rows.map((row) => row[MEDIAN]!));
  const score = (values: number[][]): MetricTotals => {
    const t = new MetricTotals();
    usable.forEach((_, i) => t.add(actual[i]!, { id: String(i), values: values[i]! }, scales[i]!));
    return t;
  };
  const partners: Record<Partner, number[][]> = {
    naive2: cut.map((x) => partnerForecast(x, H, m, 'naive2')),
    theta: cut.map((x) => partnerForecast(x, H, m, 'theta')),
  };
  const naive2Totals = score(partners.naive2);
  const modelOwa = score(med).result(naive2Totals).owa;
  let combination: Combination = { partner: 'naive2', weight: 1 };
  let best = modelOwa;
  for (const partner of ['naive2', 'theta'] as const) {
    // Weight 0 is the partner alone: where the network learned nothing the statistical method
    // did not (near-random walks), say so and forecast with the partner rather than lose to it.
    for (const weight of [0.75, 0.5, 0.25, 0]) {
      const owa = score(combine(med, partners[partner], weight)).result(naive2Totals).owa;
      // A combination must earn its place by a clear margin, not by noise.
      if (owa < best - 0.005) {
        best = owa;
        combination = { partner, weight };
      }
    }
  }
  const center = combination.weight === 1 ? med : combine(med, partners[combination.partner], combination.weight);
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
