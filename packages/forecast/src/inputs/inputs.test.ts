// The input stack: what both models' inputs may depend on (leakage), the scale they share, and
// the edge cases (flat columns, short histories, outliers) that must not produce NaN or Infinity.
import { readCsv, sampleCsv, type Series } from '@seqcast/data';
import { describe, expect, it } from 'vitest';
import { SeriesForecaster } from '../models/series-forecaster.js';
import { buildInputs, buildTargets, contextFor, fitStats, targetLagsFor, type DesignSpec, type InputStats } from './lag-design.js';
import { INPUT_CLIP, LEVEL_FLOOR, TARGET_CLIP, windowNorm, writeTargets, writeWindow, type WindowShape } from './panel-windows.js';
import { meanAbsChange, meanAbsOf, meanOf } from './scale.js';

/** A seeded random walk with a weekly cycle. */
function walk(n: number, seed = 1): Float64Array {
  let s = seed;
  const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const out = new Float64Array(n);
  let level = 100;
  for (let i = 0; i < n; i++) {
    level += rand() - 0.5;
    out[i] = level + 3 * Math.sin((2 * Math.PI * i) / 7);
  }
  return out;
}

function spec(features: string[], cols: Float64Array[], end: number, window: number, season: number, horizon: number): DesignSpec {
  const stats: Record<string, InputStats> = {};
  features.forEach((f, i) => (stats[f] = fitStats(cols[i]!, end)));
  return { features, target: features[0]!, window, horizon, season, targetLags: targetLagsFor(window, season), context: contextFor(window, season), stats };
}

describe('the shared scale', () => {
  it('is the mean absolute one-step change (the naive forecast MAE) of the rows given', () => {
    const x = Float64Array.from([1, 3, 2, 6, 100]);
    expect(meanAbsChange(x, 0, 4)).toBe((2 + 1 + 4) / 3);
    expect(meanAbsChange(x, 1, 3)).toBe(1);
    expect(meanAbsChange(x, 2, 3)).toBe(0); // one row: no change to average
    expect(meanOf(x, 1, 4)).toBe(11 / 3);
    expect(meanAbsOf(Float64Array.from([-2, 4]), 0, 2)).toBe(3);
  });

  it('both models scale by it: the per-series dscale on the training rows, the panel scale inside each window', () => {
    const y = walk(200);
    expect(fitStats(y, 150).dscale).toBe(meanAbsChange(y, 0, 150));
    expect(fitStats(y, 150).mean).toBe(meanOf(y, 0, 150));
    const shape: WindowShape = { window: 28, patch: 7, horizon: 7, season: 7 };
    const norm = windowNorm(y, 120, shape);
    expect(norm.scale).toBe(meanAbsChange(y, 92, 120));
    expect(norm.level).toBe(meanOf(y, 113, 120)); // the last season
  });
});

describe('per-series inputs (lag design)', () => {
  it('stats, training inputs and targets read only training rows; a forecast origin reads only rows up to itself', () => {
    const n = 300;
    const end = 240;
    const a = [walk(n, 1), walk(n, 2)];
    const b = a.map((c) => Float64Array.from(c, (v, i) => (i >= end ? v * 10 + 12345 : v)));
    const H = 3;
    const sa = spec(['y', 'x'], a, end, 8, 7, H);
    const sb = spec(['y', 'x'], b, end, 8, 7, H);
    expect(sb.stats).toEqual(sa.stats);
    const origins = Array.from({ length: end - H - sa.context + 1 }, (_, i) => i + sa.context - 1); // last target: row end - 1
    expect(buildInputs(sb, b, origins)).toEqual(buildInputs(sa, a, origins));
    for (const base of ['naive', 'seasonal'] as const) {
      expect(buildTargets(sb, b[0]!, origins, Array(H).fill(base))).toEqual(buildTargets(sa, a[0]!, origins, Array(H).fill(base)));
    }
    // The origin at the first changed row does see the change (so the comparison is not vacuous).
    expect(buildInputs(sb, b, [end]).skip).not.toEqual(buildInputs(sa, a, [end]).skip);
    // And one changed training row moves the stats.
    const c = Float64Array.from(a[0]!);
    c[0] = 1e4;
    expect(fitStats(c, end)).not.toEqual(sa.stats.y);
  });

  it('leak-free model: changing only the rows after the training part leaves the fitted SeriesForecaster unchanged', async () => {
    const series = await readCsv({ text: sampleCsv('stock-daily') }, { newestFirst: true });
    const options = { target: 'Close', features: ['Open', 'High', 'Low', 'Close'], window: 7, horizon: 2, epochs: 0 };
    const base = await SeriesForecaster.fit(series, options);
    const trainEnd = base.info.trainRows;
    expect(trainEnd).toBe(Math.floor(0.8 * series.rows));
    const changed: Series = { ...series, values: {} };
    for (const col of series.columns) changed.values[col] = Float64Array.from(series.values[col]!, (v, i) => (i >= trainEnd ? v * 10 + 12345 : v));
    const after = await SeriesForecaster.fit(changed, options);
    try {
      const { created: _c, trainedMs: _t, metrics: m1, ...info1 } = base.info;
      const { created: _c2, trainedMs: _t2, metrics: m2, ...info2 } = after.info;
      expect(after.config).toEqual(base.config); // stats, lags, ridge penalties, linear weights
      expect(info2).toEqual(info1);
      expect(m2.validation).toEqual(m1.validation);
      // ...while the test rows did change (so the comparison above is not vacuous).
      expect(m2.test).not.toEqual(m1.test);
    } finally {
      base.dispose();
      after.dispose();
    }
  });

  it('a constant column gets unit scales: finite inputs, never NaN or Infinity', () => {
    const flat = new Float64Array(50).fill(5);
    expect(fitStats(flat, 40)).toEqual({ mean: 5, sd: 1, dscale: 1 });
    const s = spec(['y', 'flat'], [walk(50), flat], 40, 4, 1, 1);
    const { skip, window } = buildInputs(s, [walk(50), flat], [10, 20, 49]);
    expect(skip.every(Number.isFinite)).toBe(true);
    expect(window.every(Number.isFinite)).toBe(true);
  });
});

describe('panel inputs (per-window normalisation)', () => {
  const shape: WindowShape = { window: 12, patch: 4, horizon: 4, season: 4 };

  it('a window and its norm read only values before its end; the targets only the next horizon values', () => {
    const y = walk(60);
    const later = Float64Array.from(y, (v, i) => (i >= 30 ? -v * 50 : v));
    const run = (v: Float64Array) => {
      const x = new Float32Array(12);
      const mask = new Float32Array(3);
      const norm = writeWindow(v, 30, shape, 0, x, mask);
      return { x, mask, norm };
    };
    const a = run(y);
    expect(run(later)).toEqual(a);
    const ty = new Float32Array(4);
    writeTargets(y, 30, a.norm, 4, 0, ty);
    expect(Array.from(ty)).toEqual(Array.from(y.subarray(30, 34), (v) => Math.fround((v - a.norm.level) / a.norm.scale)));
  });

  it('a short history is padded in front and its empty steps masked', () => {
    const y = Float64Array.from([10, 11, 10, 12, 11, 13]);
    const x = new Float32Array(12);
    const mask = new Float32Array(3);
    const norm = writeWindow(y, 6, shape, 0, x, mask);
    expect(norm).toEqual({ level: (10 + 12 + 11 + 13) / 4, scale: (1 + 1 + 2 + 1 + 2) / 5 });
    expect(Array.from(x.subarray(0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(x.subarray(6))).toEqual(Array.from(y, (v) => Math.fround((v - norm.level) / norm.scale)));
    expect(Array.from(mask)).toEqual([0, 1, 1]); // the second step is half real: valid
  });

  it('inputs further than INPUT_CLIP scales from the level are clipped', () => {
    const ramp = Float64Array.from({ length: 48 }, (_, i) => i); // level 47 (season 1), scale 1
    const x = new Float32Array(48);
    writeWindow(ramp, 48, { window: 48, patch: 4, horizon: 1, season: 1 }, 0, x, new Float32Array(12));
    expect(x[0]).toBe(-INPUT_CLIP);
    expect(x[30]).toBe(-17);
    expect(x[47]).toBe(0);
  });

  it('a flat window is scaled by a small share of its level (jitter stays small, nothing divides by 0), a history of zeros by 1', () => {
    expect(windowNorm(new Float64Array(20).fill(5), 20, shape)).toEqual({ level: 5, scale: 5 * LEVEL_FLOOR });
    expect(windowNorm(new Float64Array(20), 20, shape)).toEqual({ level: 0, scale: 1 });
  });

  it('training targets are clipped at TARGET_CLIP scales, as the inputs are', () => {
    const y = Float64Array.from({ length: 40 }, (_, i) => (i < 36 ? 100 + (i % 2) : 10_000));
    const ty = new Float32Array(4);
    writeTargets(y, 36, windowNorm(y, 36, shape), 4, 0, ty);
    expect(Array.from(ty)).toEqual([TARGET_CLIP, TARGET_CLIP, TARGET_CLIP, TARGET_CLIP]);
  });
});
