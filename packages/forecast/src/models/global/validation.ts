/**
 * What the global model checks about itself after training, on the last `horizon` points of each
 * training series (held out from the first training phase): its OWA against Naive2, so `train`
 * can say when it is no better than the benchmark, and the widening factors that make its 80% and
 * 95% intervals cover what they claim on that held-out stretch.
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

/** Widening factor k so that `level` of the held-out points fall inside median ± k·(bound − median). */
export function calibrateWidth(cases: { actual: number; median: number; lower: number; upper: number }[], level: number): number {
  if (cases.length < 20) return 1;
  // The factor each point needs to be covered; the level-quantile of those covers `level` of them.
  const need = cases.map((c) => {
    const span = c.actual >= c.median ? c.upper - c.median : c.median - c.lower;
    const gap = Math.abs(c.actual - c.median);
    return gap === 0 ? 0 : span > 0 ? gap / span : Infinity;
  });
  need.sort((a, b) => a - b);
  const k = need[Math.min(need.length - 1, Math.ceil(level * need.length) - 1)]!;
  // Keep the learnt shape: never shrink below a third or widen beyond 5× (a few odd series).
  return Math.min(5, Math.max(1 / 3, Number.isFinite(k) ? k : 5));
}
