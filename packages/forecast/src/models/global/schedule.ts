/**
 * The global model's learning-rate schedule over its two training phases.
 *
 * Phase one (the last H of every series held out) runs the whole schedule: the base rate, then a
 * linear decay to a tenth over its last third. The network it ends with is the one validated:
 * its OWA against Naive2, the combination with Naive2 or Theta and the interval factors are all
 * chosen on it. Phase two (everything, for the remaining steps) only fine-tunes it at that final
 * tenth, so the network shipped stays close to the one those choices were made on. (Before, the
 * decay spanned both phases: validation saw a network still at 0.64 of the base rate, and phase
 * two moved its forecasts of the held-out stretch by 0.13–0.30 of their error on the development
 * panels, against 0.06–0.09 now; see docs/global-model.md.)
 */

/** Share of the base rate phase one decays to and phase two trains at. */
export const FINAL_RATE_SHARE = 0.1;

/** The rate at `progress` ∈ [0, 1] through phase one (by steps or by time, whichever is further). */
export function phaseOneRate(base: number, progress: number): number {
  const at = Math.min(1, Math.max(0, progress));
  return at < 2 / 3 ? base : base * (1 - (1 - FINAL_RATE_SHARE) * ((at - 2 / 3) * 3));
}

/** The rate throughout phase two: phase one's final rate. */
export function phaseTwoRate(base: number): number {
  return base * FINAL_RATE_SHARE;
}

/**
 * How far the shipped network's median forecasts of the held-out stretch (`shipped`) moved from
 * the validated network's (`validated`), as a share of the validated network's mean absolute
 * error against `actual` there.
 */
export function shippedDrift(validated: number[][], shipped: number[][], actual: ArrayLike<number>[]): number {
  let moved = 0;
  let error = 0;
  validated.forEach((row, i) =>
    row.forEach((v, h) => {
      moved += Math.abs(shipped[i]![h]! - v);
      error += Math.abs(actual[i]![h]! - v);
    }),
  );
  return error > 0 ? moved / error : 0;
}
