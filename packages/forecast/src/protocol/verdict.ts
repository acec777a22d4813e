/**
 * Is a forecast measurably better or worse than Naive2, or within noise? OWA over a panel is a
 * ratio of sums over series, and a few series can move it: the verdict comes with a band from a
 * paired bootstrap over series (both methods' errors on the same resampled series), and only a
 * band wholly below or above 1 counts as better or worse. `forecast train` (on the validation
 * stretch) and `forecast backtest` (on the cutoffs) both decide with this function.
 */
import { seededRandom } from '@seqcast/core';

/** One scored unit (a series at one cutoff): sums of sMAPE and MASE terms over its points. */
export interface ScoredUnit {
  smape: number;
  mase: number;
}

/** 'better' / 'worse': the whole band is below / above 1; 'same': no measurable difference. */
export type Verdict = 'better' | 'same' | 'worse';

/** A verdict against Naive2 with its OWA and the band around it. */
export interface Naive2Verdict {
  verdict: Verdict;
  owa: number;
  /** The bootstrap band of OWA ({@link VERDICT_LEVEL} of resamples fall inside it). */
  low: number;
  high: number;
}

/** Share of bootstrap resamples inside the band. */
export const VERDICT_LEVEL = 0.9;
const DRAWS = 1000;

function owaOf(model: readonly ScoredUnit[], naive2: readonly ScoredUnit[], pick: ArrayLike<number>): number {
  let sm = 0;
  let mm = 0;
  let sn = 0;
  let mn = 0;
  for (let i = 0; i < pick.length; i++) {
    const j = pick[i]!;
    sm += model[j]!.smape;
    mm += model[j]!.mase;
    sn += naive2[j]!.smape;
    mn += naive2[j]!.mase;
  }
  // A ratio with a zero denominator (Naive2 exact on every picked point) counts as equal.
  const ratio = (a: number, b: number) => (b > 0 ? a / b : a > 0 ? Infinity : 1);
  return 0.5 * (ratio(sm, sn) + ratio(mm, mn));
}

/**
 * OWA of `model` against `naive2` on the same units, with a paired bootstrap band over units.
 * Deterministic (seeded), so the same errors always give the same verdict.
 *
 * @example
 * naive2Verdict(modelUnits, naive2Units); // { verdict: 'same', owa: 0.995, low: 0.97, high: 1.02 }
 */
export function naive2Verdict(model: readonly ScoredUnit[], naive2: readonly ScoredUnit[]): Naive2Verdict {
  const n = model.length;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const owa = owaOf(model, naive2, all);
  if (n === 0) return { verdict: 'same', owa: NaN, low: NaN, high: NaN };
  const rand = seededRandom(12_345);
  const draws = new Float64Array(DRAWS);
  const pick = new Int32Array(n);
  for (let d = 0; d < DRAWS; d++) {
    for (let i = 0; i < n; i++) pick[i] = Math.floor(rand() * n);
    draws[d] = owaOf(model, naive2, pick);
  }
  draws.sort();
  const tail = (1 - VERDICT_LEVEL) / 2;
  const low = Math.min(owa, draws[Math.floor(tail * (DRAWS - 1))]!);
  const high = Math.max(owa, draws[Math.ceil((1 - tail) * (DRAWS - 1))]!);
  const verdict: Verdict = high < 1 ? 'better' : low > 1 ? 'worse' : 'same';
  return { verdict, owa, low, high };
}
