/**
 * The linear path's starting point: one ridge regression (the pooled linear model, in the
 * network's own window normalisation) of the next H normalised values on the normalised window,
 * fitted in closed form on windows drawn from every series, with each outer quantile starting
 * as the median plus that horizon's residual quantile. Training then starts from a model at
 * least as good as the pooled linear one, and the recurrent part learns what it cannot.
 *
 * The fit is robust: targets are clipped as the inputs are, and rows are reweighted (Huber, a
 * few passes) so that the handful of windows where a plateau jumps cannot set the kernel. The
 * median has no intercept (the column of ones is excluded): a series' direction comes from its
 * own window, not from the panel's average drift. The fit is then checked on windows later in time than those it was fitted on against the level
 * (the naive forecast in the network's units, an all-zero linear path); where it does not beat
 * it, the path starts at zero.
 */
import { gram, ridgeSolve } from '../../linear.js';
import { QUANTILES } from './network.js';
import { writeTargets, writeWindow, type WindowShape } from '../../inputs/panel-windows.js';

/** A window source: cutoffs `end` in [lo, hi] of `values`. */
export interface WindowSource {
  values: Float64Array;
  lo: number;
  hi: number;
}

/** The start of the linear path and how it was chosen. */
export interface LinearStart {
  /** Kernel [window, H·Q] (output index h·Q + q), row-major. */
  kernel: Float32Array;
  /** Bias [H·Q]. */
  bias: Float32Array;
  /** 'ridge': the robust pooled fit; 'level': zero kernel (it did not beat the level on later windows). */
  kind: 'ridge' | 'level';
  /** Mean absolute error of the ridge's median over the level's, on the check windows. */
  checkRatio: number;
}

/** Huber reweighting passes, and the threshold in robust standard deviations of a row's error. */
const HUBER_PASSES = 3;
const HUBER_K = 1.345;

/** Draw `n` windows with cutoffs in [lo, hiOf(src)] into X [n, L + 1] (last column 1) and Y [n, H]. */
function drawWindows(sources: WindowSource[], shape: WindowShape, rand: () => number, n: number, range: (s: WindowSource) => [number, number]) {
  const L = shape.window;
  const H = shape.horizon;
  const k = L + 1;
  const xw = new Float32Array(L);
  const mw = new Float32Array(L / shape.patch);
  const yw = new Float32Array(H);
  const X = new Float64Array(n * k);
  const Y = new Float64Array(n * H);
  for (let r = 0; r < n; r++) {
    const src = sources[Math.floor(rand() * sources.length)]!;
    const [lo, hi] = range(src);
    const end = lo + Math.floor(rand() * (hi - lo + 1));
    const norm = writeWindow(src.values, end, shape, 0, xw, mw);
    writeTargets(src.values, end, norm, H, 0, yw);
    for (let j = 0; j < L; j++) X[r * k + j] = xw[j]!;
    X[r * k + L] = 1;
    for (let h = 0; h < H; h++) Y[r * H + h] = yw[h]!;
  }
  return { X, Y };
}

/** X·beta [n, H] (zeros for a null beta); j outer, h inner, so beta is read in order. */
function predict(X: Float64Array, beta: Float64Array | null, k: number, H: number, n: number): Float64Array {
  const out = new Float64Array(n * H);
  if (!beta) return out;
  for (let r = 0; r < n; r++) {
    const o = r * H;
    for (let j = 0; j < k; j++) {
      const x = X[r * k + j]!;
      if (x === 0) continue;
      const b = j * H;
      for (let h = 0; h < H; h++) out[o + h] = out[o + h]! + x * beta[b + h]!;
    }
  }
  return out;
}

/** Per-row mean absolute error of X·beta against Y. */
function rowErrors(X: Float64Array, Y: Float64Array, beta: Float64Array | null, k: number, H: number): Float64Array {
  const n = Y.length / H;
  const pred = predict(X, beta, k, H, n);
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let h = 0; h < H; h++) s += Math.abs(Y[r * H + h]! - pred[r * H + h]!);
    out[r] = s / H;
  }
  return out;
}

const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);

/** Robust ridge start of the linear path (see the file comment). */
export function linearStart(sources: WindowSource[], shape: WindowShape, rand: () => number, windows = 20_000): LinearStart {
  const L = shape.window;
  const H = shape.horizon;
  const Q = QUANTILES.length;
  const k = L + 1;
  const n = windows;
  // Fit on the earlier cutoffs of each series, check on its last H (a stretch later in time).
  const fit = drawWindows(sources, shape, rand, n, (s) => [s.lo, Math.max(s.lo, s.hi - H)]);
  const later = sources.filter((s) => s.hi - H >= s.lo);
  const nCheck = Math.max(1, Math.floor(n / 4));
  const check = later.length > 0 ? drawWindows(later, shape, rand, nCheck, (s) => [s.hi - H + 1, s.hi]) : null;

  const rows = Int32Array.from({ length: n }, (_, i) => i);
  // No intercept for the median: one coefficient per horizon shared by every series would be the
  // panel's average drift in window units, added to each series (on a mostly growing panel it
  // pulls the declining series up). Each window's own history carries its direction.
  const NO_INTERCEPT = [L];
  const full = gram(fit.X, fit.Y, k, H, rows);
  let beta = ridgeSolve(full, 1e-3, [], n, NO_INTERCEPT);
  for (let pass = 0; pass < HUBER_PASSES; pass++) {
    const err = rowErrors(fit.X, fit.Y, beta, k, H);
    const sorted = Float64Array.from(err).sort();
    // 1.4826 × the median absolute error ≈ a standard deviation for normal errors.
    const c = HUBER_K * 1.4826 * sorted[Math.floor(n / 2)]!;
    if (!(c > 0)) break;
    // Only rows beyond c lose weight: subtract their lost share from the full Gram (a few per
    // cent of the rows) instead of building a weighted one from scratch.
    const out = rows.filter((r) => err[r]! > c);
    const dX = new Float64Array(out.length * k);
    const dY = new Float64Array(out.length * H);
    out.forEach((r, i) => {
      const lost = Math.sqrt(1 - c / err[r]!);
      for (let j = 0; j < k; j++) dX[i * k + j] = lost * fit.X[r * k + j]!;
      for (let h = 0; h < H; h++) dY[i * H + h] = lost * fit.Y[r * H + h]!;
    });
    const d = gram(
      dX,
      dY,
      k,
      H,
      Int32Array.from({ length: out.length }, (_, i) => i),
    );
    const weighted = { ...full, xtx: full.xtx.map((v, i) => v - d.xtx[i]!), xty: full.xty.map((v, i) => v - d.xty[i]!) };
    beta = ridgeSolve(weighted, 1e-3, [], n, NO_INTERCEPT);
  }

  let checkRatio = NaN;
  let kind: LinearStart['kind'] = 'ridge';
  if (check) {
    checkRatio = mean(rowErrors(check.X, check.Y, beta, k, H)) / mean(rowErrors(check.X, check.Y, null, k, H));
    if (!(checkRatio < 1)) kind = 'level';
  }
  if (kind === 'level') beta = new Float64Array(k * H);

  // Residual quantiles per horizon give the outer quantiles' offsets.
  const offsets: number[][] = [];
  const pred = predict(fit.X, beta, k, H, n);
  const res = new Float64Array(n);
  for (let h = 0; h < H; h++) {
    for (let r = 0; r < n; r++) res[r] = fit.Y[r * H + h]! - pred[r * H + h]!;
    res.sort();
    offsets.push(QUANTILES.map((q) => (q === 0.5 && kind === 'ridge' ? 0 : res[Math.min(n - 1, Math.floor(q * n))]!)));
  }
  const kernel = new Float32Array(L * H * Q);
  const bias = new Float32Array(H * Q);
  for (let h = 0; h < H; h++) {
    for (let q = 0; q < Q; q++) {
      for (let j = 0; j < L; j++) kernel[j * H * Q + h * Q + q] = beta[j * H + h]!;
      bias[h * Q + q] = beta[L * H + h]! + offsets[h]![q]!;
    }
  }
  return { kernel, bias, kind, checkRatio };
}
