/**
 * What the global model checks about itself after training, on the last `horizon` points of each
 * training series (held out from the first training phase): its OWA against Naive2, so `train`
 * can say when it is no better than the benchmark, and the widening factors that make its 80% and
 * 95% intervals cover what they claim on that held-out stretch.
 */

/** sMAPE (×200 convention) of one forecast; a 0/0 term counts 0. */
export function smapeOf(actual: ArrayLike<number>, pred: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]!) + Math.abs(pred[i]!);
    if (d > 0) s += (200 * Math.abs(actual[i]! - pred[i]!)) / d;
  }
  return s / actual.length;
}

/** In-sample MAE of the seasonal naive (lag m, lag 1 when the series is too short); 0 when flat. */
export function naiveScale(train: ArrayLike<number>, m: number): number {
  const lag = train.length > m ? m : 1;
  let s = 0;
  for (let t = lag; t < train.length; t++) s += Math.abs(train[t]! - train[t - lag]!);
  return train.length > lag ? s / (train.length - lag) : 0;
}

/** Mean absolute error over a scale; a zero scale falls back to the mean absolute actual (or 1). */
export function maseOf(actual: ArrayLike<number>, pred: ArrayLike<number>, scale: number): number {
  let s = 0;
  let a = 0;
  for (let i = 0; i < actual.length; i++) {
    s += Math.abs(actual[i]! - pred[i]!);
    a += Math.abs(actual[i]!);
  }
  const denom = scale > 0 ? scale : a / actual.length || 1;
  return s / actual.length / denom;
}

/** Is the series seasonal at lag m by the 90% autocorrelation test the M4 benchmarks use? */
export function isSeasonal(y: ArrayLike<number>, m: number): boolean {
  const n = y.length;
  if (m <= 1 || n < 3 * m) return false;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let den = 0;
  for (let i = 0; i < n; i++) den += (y[i]! - mean) ** 2;
  if (!(den > 0)) return false;
  const acf = (k: number): number => {
    let s = 0;
    for (let i = k; i < n; i++) s += (y[i]! - mean) * (y[i - k]! - mean);
    return s / den;
  };
  let sum = 0;
  for (let k = 1; k < m; k++) sum += acf(k) ** 2;
  const limit = 1.645 * Math.sqrt((1 + 2 * sum) / n);
  return Math.abs(acf(m)) > limit;
}

/** Classical multiplicative seasonal indices (mean 1), phase 0 = the series' first point. */
export function seasonalIndices(y: ArrayLike<number>, m: number): Float64Array {
  const n = y.length;
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  const half = Math.floor(m / 2);
  for (let t = half; t < n - half; t++) {
    // Centred moving average (2×m when m is even).
    let ma = 0;
    if (m % 2 === 0) {
      for (let j = -half; j <= half; j++) ma += (j === -half || j === half ? 0.5 : 1) * y[t + j]!;
      ma /= m;
    } else {
      for (let j = -half; j <= half; j++) ma += y[t + j]!;
      ma /= m;
    }
    if (ma !== 0) {
      sums[t % m] = sums[t % m]! + y[t]! / ma;
      counts[t % m] = counts[t % m]! + 1;
    }
  }
  const idx = new Float64Array(m);
  let total = 0;
  for (let p = 0; p < m; p++) {
    idx[p] = counts[p]! > 0 ? sums[p]! / counts[p]! : 1;
    total += idx[p]!;
  }
  for (let p = 0; p < m; p++) idx[p] = (idx[p]! * m) / total;
  return idx;
}

/** Naive2: the naive forecast of the seasonally adjusted series, reseasonalised (plain naive otherwise). */
export function naive2(y: ArrayLike<number>, horizon: number, m: number): number[] {
  const n = y.length;
  const last = y[n - 1]!;
  let positive = true;
  for (let i = 0; i < n; i++) if (!(y[i]! > 0)) positive = false;
  if (!positive || !isSeasonal(y, m)) return new Array<number>(horizon).fill(last);
  const idx = seasonalIndices(y, m);
  const base = last / idx[(n - 1) % m]!;
  return Array.from({ length: horizon }, (_, h) => base * idx[(n + h) % m]!);
}

/** Widening factor k so that `level` of the held-out points fall inside median ± k·(bound − median). */
export function calibrateWidth(
  cases: { actual: number; median: number; lower: number; upper: number }[],
  level: number,
): number {
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
