/**
 * What the global model checks about itself after training, on the last `horizon` points of each
 * training series (held out from the first training phase): its OWA against Naive2, so `train`
 * can say when it is no better than the benchmark, and the widening factors that make its 80% and
 * 95% intervals cover what they claim on new points like those of that held-out stretch.
 */
import { deseasonalise, thetaForecast } from '../../baselines/classical.js';

/** The statistical forecast the model may be combined with. */
export type Partner = 'naive2' | 'theta';

/** Naive2 or Theta for one series (the panel baselines' methods, on the seasonally adjusted series). */
export function partnerForecast(x: Float64Array, horizon: number, m: number, partner: Partner): number[] {
  const d = deseasonalise(x, m);
  if (partner === 'theta') {
    const f = thetaForecast(d.adjusted, horizon);
    return Array.from(f, (v, i) => v * d.future(i + 1));
  }
  const last = d.adjusted[d.adjusted.length - 1]!;
  return Array.from({ length: horizon }, (_, i) => last * d.future(i + 1));
}

/** One held-out point: the actual value, the forecast and the raw interval around it. */
export interface IntervalCase {
  actual: number;
  median: number;
  lower: number;
  upper: number;
}

/**
 * Widening factor k so that `level` of new points fall inside median ± k·(bound − median).
 *
 * Each case needs some factor to be covered; the plain `level`-quantile of those needs covers
 * `level` of the cases it was chosen on but, on average, only ⌈level·n⌉/(n + 1) of new ones
 * (90.5% instead of 95% with 20 cases). The split-conformal rank ⌈(n + 1)·level⌉ covers at least
 * `level` of a new case exchangeable with them. With fewer cases than that rank needs (under 19
 * for 95%, under 4 for 80%), no rank certifies the level: the largest need is the nearest one
 * (certifies n/(n + 1)), better than the raw widths of a network that has seen too little data
 * to know its own error. No cases: 1.
 *
 * The factor is at least 1/3, so a calm stretch cannot erase the learnt shape, and has no upper
 * limit: where the network's widths are far too narrow (a few series it has nearly memorised),
 * the factor is what the stretch needs, since a capped one would ship intervals the model has
 * just measured to fall short. A need past a zero-width side is infinite; when the rank lands on
 * one, the largest finite need stands in (no factor widens a zero width).
 */
export function calibrateWidth(cases: readonly IntervalCase[], level: number): number {
  if (cases.length === 0) return 1;
  const need = cases.map((c) => {
    const span = c.actual >= c.median ? c.upper - c.median : c.median - c.lower;
    const gap = Math.abs(c.actual - c.median);
    return gap === 0 ? 0 : span > 0 ? gap / span : Infinity;
  });
  need.sort((a, b) => a - b);
  const rank = Math.min(need.length, Math.ceil((need.length + 1) * level));
  const k = need[rank - 1]!;
  // Sorted, so infinite needs come last: the largest finite one is the last finite element.
  return Math.max(1 / 3, Number.isFinite(k) ? k : (need.findLast(Number.isFinite) ?? 1));
}

/** Share of `cases` inside median ± k·(bound − median): the coverage a width factor `k` gives. */
export function coverageAt(cases: readonly IntervalCase[], k: number): number {
  const inside = cases.filter((c) => c.actual >= c.median - k * (c.median - c.lower) && c.actual <= c.median + k * (c.upper - c.median)).length;
  return inside / Math.max(1, cases.length);
}
