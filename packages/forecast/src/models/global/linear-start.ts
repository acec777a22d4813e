/**
 * The linear path's starting point: one ridge regression (the pooled linear model, in the
 * network's own window normalisation) of the next H normalised values on the normalised window,
 * fitted in closed form on windows drawn from every series, with each outer quantile starting
 * as the median plus that horizon's residual quantile. Training then starts from a model at
 * least as good as the pooled linear one, and the recurrent part learns what it cannot.
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

/**
 * Kernel [window, H·Q] and bias [H·Q] (output index h·Q + q) of the linear path, row-major.
 */
export function linearStart(sources: WindowSource[], shape: WindowShape, rand: () => number, windows = 20_000): { kernel: Float32Array; bias: Float32Array } {
  const L = shape.window;
  const H = shape.horizon;
  const Q = QUANTILES.length;
  const k = L + 1;
  const n = windows;
  const xw = new Float32Array(L);
  const mw = new Float32Array(L / shape.patch);
  const yw = new Float32Array(H);
  const X = new Float64Array(n * k);
  const Y = new Float64Array(n * H);
  for (let r = 0; r < n; r++) {
    const src = sources[Math.floor(rand() * sources.length)]!;
    const end = src.lo + Math.floor(rand() * (src.hi - src.lo + 1));
    const norm = writeWindow(src.values, end, shape, 0, xw, mw);
    writeTargets(src.values, end, norm, H, 0, yw);
    for (let j = 0; j < L; j++) X[r * k + j] = xw[j]!;
    X[r * k + L] = 1;
    for (let h = 0; h < H; h++) Y[r * H + h] = yw[h]!;
  }
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const beta = ridgeSolve(gram(X, Y, k, H, rows), 1e-3, [L]);
  // Residual quantiles per horizon give the outer quantiles' offsets.
  const offsets: number[][] = [];
  const res = new Float64Array(n);
  for (let h = 0; h < H; h++) {
    for (let r = 0; r < n; r++) {
      let p = 0;
      for (let j = 0; j < k; j++) p += X[r * k + j]! * beta[j * H + h]!;
      res[r] = Y[r * H + h]! - p;
    }
    res.sort();
    offsets.push(QUANTILES.map((q) => (q === 0.5 ? 0 : res[Math.min(n - 1, Math.floor(q * n))]!)));
  }
  const kernel = new Float32Array(L * H * Q);
  const bias = new Float32Array(H * Q);
  for (let h = 0; h < H; h++) {
    for (let q = 0; q < Q; q++) {
      for (let j = 0; j < L; j++) kernel[j * H * Q + h * Q + q] = beta[j * H + h]!;
      bias[h * Q + q] = beta[L * H + h]! + offsets[h]![q]!;
    }
  }
  return { kernel, bias };
}
