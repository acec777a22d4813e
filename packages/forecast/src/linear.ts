/**
 * Closed-form (ridge) least squares, used by the linear baseline and by the model's linear skip
 * path. Small dense problems (tens of regressors), so a Cholesky solve of the normal equations
 * is exact enough and fast.
 */

/** Normal equations of a design: X'X (k x k) and X'Y (k x q), row-major. */
export interface Gram {
  k: number;
  q: number;
  n: number;
  xtx: Float64Array;
  xty: Float64Array;
}

/**
 * Accumulate X'X and X'Y for rows `rows` of X [*, k] and Y [*, q] (row-major).
 * @example const g = gram(x, y, 3, 1, [0, 1, 2, 3]);
 */
export function gram(x: Float64Array, y: Float64Array, k: number, q: number, rows: ArrayLike<number>): Gram {
  const xtx = new Float64Array(k * k);
  const xty = new Float64Array(k * q);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    const xo = i * k;
    const yo = i * q;
    for (let a = 0; a < k; a++) {
      const xa = x[xo + a]!;
      if (xa === 0) continue;
      for (let b = a; b < k; b++) xtx[a * k + b]! += xa * x[xo + b]!;
      for (let c = 0; c < q; c++) xty[a * q + c]! += xa * y[yo + c]!;
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) xtx[a * k + b] = xtx[b * k + a]!;
  return { k, q, n: rows.length, xtx, xty };
}

/** Solve A B = C for symmetric positive definite A (k x k) by Cholesky; returns B (k x q). */
function choleskySolve(a: Float64Array, c: Float64Array, k: number, q: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j]!;
      for (let p = 0; p < j; p++) s -= l[i * k + p]! * l[j * k + p]!;
      if (i === j) l[i * k + i] = Math.sqrt(Math.max(s, 1e-12));
      else l[i * k + j] = s / l[j * k + j]!;
    }
  }
  const out = new Float64Array(k * q);
  const z = new Float64Array(k);
  for (let col = 0; col < q; col++) {
    for (let i = 0; i < k; i++) {
      let s = c[i * q + col]!;
      for (let p = 0; p < i; p++) s -= l[i * k + p]! * z[p]!;
      z[i] = s / l[i * k + i]!;
    }
    for (let i = k - 1; i >= 0; i--) {
      let s = z[i]!;
      for (let p = i + 1; p < k; p++) s -= l[p * k + i]! * out[p * q + col]!;
      out[i * q + col] = s / l[i * k + i]!;
    }
  }
  return out;
}

/**
 * Ridge coefficients (k x q) for a total penalty `lambda · penaltyRows` (default: per row of
 * this fit). Columns listed in `free` (e.g. the intercept) are not penalised. `lambda = Infinity`
 * fits the free columns alone.
 *
 * @example
 * const g = gram(x, y, k, 1, rows);
 * const beta = ridgeSolve(g, 0.1, [k - 1]);
 */
export function ridgeSolve(g: Gram, lambda: number, free: number[] = [], penaltyRows = g.n, excluded: number[] = []): Float64Array {
  const { a, c, d, k, q } = ridgeSystem(g, lambda, free, penaltyRows, excluded);
  const z = choleskySolve(a, c, k, q);
  for (let i = 0; i < k; i++) for (let col = 0; col < q; col++) z[i * q + col] = z[i * q + col]! * d[i]!;
  return z;
}

/**
 * Leave-one-out predictions of a ridge fit (single target), exact and in closed form: for each
 * row i, the fit without row i predicts y_i - e_i / (1 - h_ii), where e_i is the full fit's
 * residual and h_ii its leverage. Arguments as {@link gram} and {@link ridgeSolve}; the penalty
 * is held fixed (it does not shrink with the one row left out).
 *
 * @example const loo = ridgeLooPredict(x, y, k, rows, 0.1, [k - 1]);
 */
export function ridgeLooPredict(
  x: Float64Array,
  y: Float64Array,
  k: number,
  rows: ArrayLike<number>,
  lambda: number,
  free: number[] = [],
  penaltyRows = rows.length,
  excluded: number[] = [],
): Float64Array {
  const g = gram(x, y, k, 1, rows);
  const sys = ridgeSystem(g, lambda, free, penaltyRows, excluded);
  const eye = new Float64Array(k * k);
  for (let i = 0; i < k; i++) eye[i * k + i] = 1;
  // (scaled system)^-1, then back to the original columns: A^-1 = D S^-1 D.
  const inv = choleskySolve(sys.a, eye, k, k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) inv[i * k + j] = inv[i * k + j]! * sys.d[i]! * sys.d[j]!;
  const beta = new Float64Array(k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) beta[i]! += (inv[i * k + j]! * sys.c[j]!) / sys.d[j]!;
  // Columns dropped from the system (excluded, or penalised away by lambda = Infinity) do not count.
  const used = new Uint8Array(k).fill(1);
  for (const e of excluded) used[e] = 0;
  if (lambda === Infinity) {
    const isFree = new Set(free);
    for (let i = 0; i < k; i++) if (!isFree.has(i)) used[i] = 0;
  }
  const out = new Float64Array(rows.length);
  const xi = new Float64Array(k);
  for (let r = 0; r < rows.length; r++) {
    const o = rows[r]! * k;
    for (let a = 0; a < k; a++) xi[a] = used[a] ? x[o + a]! : 0;
    let p = 0;
    let h = 0;
    for (let a = 0; a < k; a++) {
      if (xi[a] === 0) continue;
      p += xi[a]! * beta[a]!;
      let s = 0;
      for (let b = 0; b < k; b++) s += inv[a * k + b]! * xi[b]!;
      h += xi[a]! * s;
    }
    const yi = y[rows[r]!]!;
    out[r] = yi - (yi - p) / Math.max(1 - h, 1e-6);
  }
  return out;
}

/** The (Jacobi-scaled) normal equations of a ridge fit: S = D A D, rhs D c; see {@link ridgeSolve}. */
function ridgeSystem(g: Gram, lambda: number, free: number[], penaltyRows: number, excluded: number[]) {
  const { k, q } = g;
  const a = Float64Array.from(g.xtx);
  const c = Float64Array.from(g.xty);
  const isFree = new Uint8Array(k);
  for (const f of free) isFree[f] = 1;
  // Excluded columns get coefficient 0 (the fit uses the other columns only).
  for (const e of excluded) {
    for (let j = 0; j < k; j++) {
      a[e * k + j] = 0;
      a[j * k + e] = 0;
    }
    a[e * k + e] = 1;
    for (let col = 0; col < q; col++) c[e * q + col] = 0;
  }
  if (lambda === Infinity) {
    // Only the free columns: zero the others out of the system, keep their diagonals at 1.
    for (let i = 0; i < k; i++) {
      if (isFree[i]) continue;
      for (let j = 0; j < k; j++) {
        a[i * k + j] = 0;
        a[j * k + i] = 0;
      }
      a[i * k + i] = 1;
      for (let col = 0; col < q; col++) c[i * q + col] = 0;
    }
  } else {
    for (let i = 0; i < k; i++) if (!isFree[i]) a[i * k + i]! += lambda * penaltyRows;
  }
  // Jacobi scaling (unit diagonal) before Cholesky: columns of very different magnitude (levels
  // in the thousands next to an intercept of 1) would otherwise lose digits; the solution is the
  // same least-squares fit. A tiny relative ridge keeps collinear designs solvable.
  const d = new Float64Array(k);
  for (let i = 0; i < k; i++) d[i] = a[i * k + i]! > 0 ? 1 / Math.sqrt(a[i * k + i]!) : 1;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) a[i * k + j] = a[i * k + j]! * d[i]! * d[j]!;
    a[i * k + i]! += 1e-12;
    for (let col = 0; col < q; col++) c[i * q + col] = c[i * q + col]! * d[i]!;
  }
  return { a, c, d, k, q };
}

/**
 * Predictions X[rows] · beta, (rows.length x q).
 * @example linearPredict(x, k, ridgeSolve(gram(x, y, k, 1, rows), 0.1, [k - 1]), 1, rows)
 */
export function linearPredict(x: Float64Array, k: number, beta: Float64Array, q: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * q);
  for (let r = 0; r < rows.length; r++) {
    const xo = rows[r]! * k;
    for (let c = 0; c < q; c++) {
      let s = 0;
      for (let a = 0; a < k; a++) s += x[xo + a]! * beta[a * q + c]!;
      out[r * q + c] = s;
    }
  }
  return out;
}
