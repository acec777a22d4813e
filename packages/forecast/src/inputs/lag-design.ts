/**
 * The SeriesForecaster's inputs (part of the input stack, src/inputs/): a multivariate series
 * turned into the model's inputs at a forecast origin t (the last observed row): the linear path's
 * regressors, the recurrent path's window and the targets, all scale-free.
 *
 * Why scale-free: levels scaled by the training range leave a network blind to trends and to
 * values outside that range. Here every input is a CHANGE relative to the window's last value,
 * divided by the column's typical one-step change (training MAE of the naive forecast), plus one
 * standardised level per column. Targets are the change from a base forecast (naive or seasonal
 * naive) in the same units, so "predict nothing" means "predict the base".
 */
import { meanAbsChange, meanOf } from './scale.js';

/** Per-column input normalisation fitted on training rows (not data's descriptive ColumnStats). */
export interface InputStats {
  mean: number;
  sd: number;
  /** Mean |x[t] - x[t-1]| over training rows (the naive forecast's MAE). */
  dscale: number;
}

export type Base = 'naive' | 'seasonal';

/** What the design needs to know; a subset of the forecaster's stored config. */
export interface DesignSpec {
  /** Input columns, target included. */
  features: string[];
  target: string;
  window: number;
  horizon: number;
  season: number;
  /** Target lags (1 = y[t-1]) used by the linear path besides y[t] itself. */
  targetLags: number[];
  /** Rows of history one forecast needs. */
  context: number;
  stats: Record<string, InputStats>;
}

/** Target lags: the window's (1..window-1) plus, for a season m > 1, m-1 and m (the seasonal naive's value and the one before it). */
export function targetLagsFor(window: number, season: number): number[] {
  const s = new Set<number>();
  for (let j = 1; j < window; j++) s.add(j);
  if (season > 1) {
    s.add(season - 1);
    s.add(season);
  }
  return [...s].filter((j) => j >= 1).sort((a, b) => a - b);
}

/** Rows of history needed: the window, and m+1 rows for seasonal lags. */
export function contextFor(window: number, season: number): number {
  return Math.max(window, season > 1 ? season + 1 : 1);
}

/** Fit column statistics on rows [0, end). */
export function fitStats(col: Float64Array, end: number): InputStats {
  const mean = meanOf(col, 0, end);
  let v = 0;
  for (let i = 0; i < end; i++) v += (col[i]! - mean) ** 2;
  const sd = Math.sqrt(v / Math.max(1, end - 1));
  const dscale = meanAbsChange(col, 0, end);
  // A constant column would divide by zero; any positive unit works there.
  const safeSd = sd > 1e-12 ? sd : 1;
  return { mean, sd: safeSd, dscale: dscale > 1e-12 ? dscale : sd > 1e-12 ? sd : 1 };
}

/** Number of linear-path regressors (without the intercept). */
export function skipSize(spec: DesignSpec): number {
  const others = spec.features.length - 1;
  return spec.targetLags.length + 1 + others * spec.window;
}

/** Features per recurrent time step. */
export function stepSize(spec: DesignSpec): number {
  return 2 * spec.features.length;
}

/** Index of the base value for horizon h (1-based) from origin t. */
export function baseIndex(base: Base, t: number, h: number, season: number): number {
  if (base === 'naive' || season <= 1) return t;
  return t + h - season * Math.ceil(h / season);
}

/**
 * Inputs for origins `origins` (each t needs rows t-context+1..t). `cols` follows spec.features.
 * Returns the linear regressors [n, K], the recurrent window [n, window, 2F].
 */
export function buildInputs(spec: DesignSpec, cols: Float64Array[], origins: ArrayLike<number>): { skip: Float64Array; window: Float32Array } {
  const n = origins.length;
  const K = skipSize(spec);
  const F = spec.features.length;
  const W = spec.window;
  const S = stepSize(spec);
  const ti = spec.features.indexOf(spec.target);
  const y = cols[ti]!;
  const ts = spec.stats[spec.target]!;
  const skip = new Float64Array(n * K);
  const win = new Float32Array(n * W * S);
  for (let r = 0; r < n; r++) {
    const t = origins[r]!;
    let k = r * K;
    const yt = y[t]!;
    for (const j of spec.targetLags) skip[k++] = (y[t - j]! - yt) / ts.dscale;
    skip[k++] = (yt - ts.mean) / ts.sd;
    for (let c = 0; c < F; c++) {
      if (c === ti) continue;
      const x = cols[c]!;
      const st = spec.stats[spec.features[c]!]!;
      const xt = x[t]!;
      for (let j = 1; j < W; j++) skip[k++] = (x[t - j]! - xt) / st.dscale;
      skip[k++] = (xt - st.mean) / st.sd;
    }
    for (let s = 0; s < W; s++) {
      const row = t - W + 1 + s;
      const o = (r * W + s) * S;
      for (let c = 0; c < F; c++) {
        const x = cols[c]!;
        const st = spec.stats[spec.features[c]!]!;
        win[o + 2 * c] = (x[row]! - x[t]!) / st.dscale;
        win[o + 2 * c + 1] = (x[row]! - st.mean) / st.sd;
      }
    }
  }
  return { skip, window: win };
}

/** Normalised targets [n, H]: (y[t+h] - base_h) / dscale. Origins must have t + H inside y. */
export function buildTargets(spec: DesignSpec, y: Float64Array, origins: ArrayLike<number>, bases: Base[]): Float64Array {
  const H = spec.horizon;
  const ds = spec.stats[spec.target]!.dscale;
  const out = new Float64Array(origins.length * H);
  for (let r = 0; r < origins.length; r++) {
    const t = origins[r]!;
    for (let h = 1; h <= H; h++) out[r * H + h - 1] = (y[t + h]! - y[baseIndex(bases[h - 1]!, t, h, spec.season)]!) / ds;
  }
  return out;
}
