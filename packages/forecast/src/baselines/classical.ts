/**
 * The classical per-series forecasts the forecasting competitions use as benchmarks, on plain
 * Float64Arrays (oldest first): the seasonality test and multiplicative decomposition behind
 * Naive2, simple exponential smoothing and the Theta method. Each returns H values; the naive
 * family also returns the one-step residual spread for cheap normal intervals.
 */

/** Normal quantiles for the two-sided 80% and 95% intervals. */
export const Z80 = 1.2815515655446004;
export const Z95 = 1.959963984540054;

/** Autocorrelation of `x` at lags 1..maxLag (biased estimator, as `acf` in R). */
export function acf(x: ArrayLike<number>, maxLag: number): Float64Array {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let c0 = 0;
  for (let i = 0; i < n; i++) c0 += (x[i]! - mean) ** 2;
  const out = new Float64Array(maxLag);
  if (c0 === 0) return out;
  for (let k = 1; k <= maxLag; k++) {
    let c = 0;
    for (let i = k; i < n; i++) c += (x[i]! - mean) * (x[i - k]! - mean);
    out[k - 1] = c / c0;
  }
  return out;
}

/**
 * The M4 seasonality test: seasonal when |r_m| exceeds the 90% one-sided limit
 * 1.645·sqrt((1 + 2·Σ_{k<m} r_k²)/n). Needs m > 1 and at least 3m points.
 * @example isSeasonal(Float64Array.from({ length: 48 }, (_, i) => 10 + (i % 12)), 12) // true
 */
export function isSeasonal(x: ArrayLike<number>, m: number): boolean {
  if (m <= 1 || x.length < 3 * m) return false;
  const r = acf(x, m);
  let s = 1;
  for (let k = 0; k < m - 1; k++) s += 2 * r[k]! ** 2;
  const limit = 1.645 * Math.sqrt(s / x.length);
  return Math.abs(r[m - 1]!) > limit;
}

/**
 * Seasonal indices (m values, mean 1) of a classical multiplicative decomposition: a centred
 * moving average of order m (2×m when m is even) as the trend, then the mean ratio x / trend per
 * season position. Index i belongs to positions t with t ≡ i (mod m), t counted from the start.
 */
export function seasonalIndices(x: ArrayLike<number>, m: number): Float64Array {
  const n = x.length;
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  const half = Math.floor(m / 2);
  for (let t = half; t + half <= n - 1; t++) {
    let trend: number;
    if (m % 2 === 1) {
      let s = 0;
      for (let j = -half; j <= half; j++) s += x[t + j]!;
      trend = s / m;
    } else {
      let s = 0.5 * (x[t - half]! + x[t + half]!);
      for (let j = -half + 1; j <= half - 1; j++) s += x[t + j]!;
      trend = s / m;
    }
    if (trend === 0) continue;
    sums[t % m]! += x[t]! / trend;
    counts[t % m]!++;
  }
  const idx = new Float64Array(m);
  let mean = 0;
  for (let i = 0; i < m; i++) {
    idx[i] = counts[i]! > 0 ? sums[i]! / counts[i]! : 1;
    mean += idx[i]!;
  }
  mean /= m;
  for (let i = 0; i < m; i++) idx[i] = mean > 0 ? idx[i]! / mean : 1;
  return idx;
}

/** A series with its seasonality taken out (when the test finds it), and the way back. */
export interface Deseasonalised {
  /** x divided by its seasonal index (a copy of x when not seasonal). */
  adjusted: Float64Array;
  /** Index for forecast step h (1-based). */
  future(h: number): number;
  seasonal: boolean;
}

/**
 * Naive2's preprocessing: multiplicative decomposition when {@link isSeasonal} says so
 * (and every value is positive, as a multiplicative model needs), else unchanged.
 */
export function deseasonalise(x: Float64Array, m: number): Deseasonalised {
  let positive = true;
  for (let i = 0; i < x.length; i++) if (!(x[i]! > 0)) positive = false;
  if (!positive || !isSeasonal(x, m)) return { adjusted: Float64Array.from(x), future: () => 1, seasonal: false };
  const si = seasonalIndices(x, m);
  const n = x.length;
  const adjusted = Float64Array.from(x, (v, t) => v / si[t % m]!);
  return { adjusted, future: (h) => si[(n - 1 + h) % m]!, seasonal: true };
}

/** Standard deviation of the one-step errors x[t] − x[t − lag] (zero mean assumed). */
export function lagResidualSd(x: ArrayLike<number>, lag: number): number {
  if (x.length <= lag) return NaN;
  let s = 0;
  for (let t = lag; t < x.length; t++) s += (x[t]! - x[t - lag]!) ** 2;
  return Math.sqrt(s / (x.length - lag));
}

/** SES fit: the smoothing weight, the final level and the one-step residual spread. */
export interface SesFit {
  alpha: number;
  level: number;
  sd: number;
}

function sesSse(x: ArrayLike<number>, alpha: number): { sse: number; level: number } {
  let level = x[0]!;
  let sse = 0;
  for (let t = 1; t < x.length; t++) {
    const e = x[t]! - level;
    sse += e * e;
    level += alpha * e;
  }
  return { sse, level };
}

/**
 * Simple exponential smoothing, initial level = first value, alpha in [0.01, 0.99] minimising
 * the in-sample one-step squared error (golden-section search on a unimodal-in-practice curve,
 * after a coarse grid picks the bracket).
 */
export function fitSes(x: ArrayLike<number>): SesFit {
  if (x.length < 2) return { alpha: 0.5, level: x[0] ?? 0, sd: NaN };
  let best = 0.01;
  let bestSse = Infinity;
  for (let a = 0.01; a <= 0.99 + 1e-9; a += 0.07) {
    const { sse } = sesSse(x, a);
    if (sse < bestSse) [best, bestSse] = [a, sse];
  }
  let lo = Math.max(0.01, best - 0.07);
  let hi = Math.min(0.99, best + 0.07);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 30; i++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (sesSse(x, a).sse < sesSse(x, b).sse) hi = b;
    else lo = a;
  }
  const alpha = (lo + hi) / 2;
  const { sse, level } = sesSse(x, alpha);
  return { alpha, level, sd: Math.sqrt(sse / (x.length - 1)) };
}

/**
 * The standard Theta method (θ = 0 and θ = 2 lines, equal weights): the linear trend extrapolated,
 * averaged with SES on 2·x − trend. Returns H values.
 */
export function thetaForecast(x: Float64Array, horizon: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(horizon);
  if (n < 3) return out.fill(x[n - 1]!);
  // Least-squares line on t = 0..n-1.
  const tMean = (n - 1) / 2;
  let xMean = 0;
  for (let t = 0; t < n; t++) xMean += x[t]!;
  xMean /= n;
  let sxy = 0;
  let sxx = 0;
  for (let t = 0; t < n; t++) {
    sxy += (t - tMean) * (x[t]! - xMean);
    sxx += (t - tMean) ** 2;
  }
  const b = sxy / sxx;
  const a = xMean - b * tMean;
  const theta2 = Float64Array.from(x, (v, t) => 2 * v - (a + b * t));
  const ses = fitSes(theta2);
  for (let h = 1; h <= horizon; h++) out[h - 1] = 0.5 * (a + b * (n - 1 + h)) + 0.5 * ses.level;
  return out;
}
