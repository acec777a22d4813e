/**
 * Seeded synthetic series for tests, benchmarks and the demo: an AR(2) process with unit noise
 * (best possible one-step RMSE is exactly the noise level, 1.0), a trending seasonal series, and
 * a stock-like OHLCV random walk.
 */
import { seededRandom } from '@seqcast/core';
import { makeSeries, type Series } from './series.js';

/** Standard normal draws from a seeded uniform stream (Box–Muller). */
export function gaussian(seed: number): () => number {
  const u = seededRandom(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let a = 0;
    while (a === 0) a = u();
    const b = u();
    const r = Math.sqrt(-2 * Math.log(a));
    spare = r * Math.sin(2 * Math.PI * b);
    return r * Math.cos(2 * Math.PI * b);
  };
}

function isoDays(rows: number, start: string, businessOnly: boolean): string[] {
  const out: string[] = [];
  const d = new Date(`${start}T00:00:00Z`);
  while (out.length < rows) {
    const wd = d.getUTCDay();
    if (!businessOnly || (wd !== 0 && wd !== 6)) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

export interface AR2Options {
  /** Coefficient of y[t-1]. Default 0.6. */
  phi1?: number;
  /** Coefficient of y[t-2]. Default -0.3. */
  phi2?: number;
  /** Noise standard deviation. Default 1. */
  sigma?: number;
  /** Mean level. Default 10. */
  mean?: number;
}

/**
 * y[t] = mean + phi1 (y[t-1] - mean) + phi2 (y[t-2] - mean) + sigma·e[t], column "value".
 * The one-step oracle RMSE is `sigma`.
 * @example const s = syntheticAR2(1000, 1); s.values.value.length // 1000
 */
export function syntheticAR2(rows: number, seed: number, options: AR2Options = {}): Series {
  const { phi1 = 0.6, phi2 = -0.3, sigma = 1, mean = 10 } = options;
  const g = gaussian(seed);
  const burn = 200;
  const y = new Float64Array(rows);
  let a = 0;
  let b = 0;
  for (let t = -burn; t < rows; t++) {
    const v = phi1 * a + phi2 * b + sigma * g();
    b = a;
    a = v;
    if (t >= 0) y[t] = mean + v;
  }
  return makeSeries({ value: y }, null, 'synthetic:ar2');
}

export interface TrendSeasonalOptions {
  /** Season length. Default 12. */
  period?: number;
  /** Level added per step. Default 0.5. */
  slope?: number;
  /** Seasonal amplitude. Default 10. */
  amplitude?: number;
  /** Noise standard deviation. Default 1.5. */
  sigma?: number;
}

/**
 * 100 + slope·t + a seasonal pattern (a sine plus its second harmonic) + Gaussian noise,
 * column "value".
 * @example const s = syntheticTrendSeasonal(240, 3, { period: 12 });
 */
export function syntheticTrendSeasonal(rows: number, seed: number, options: TrendSeasonalOptions = {}): Series {
  const { period = 12, slope = 0.5, amplitude = 10, sigma = 1.5 } = options;
  const g = gaussian(seed);
  const y = new Float64Array(rows);
  for (let t = 0; t < rows; t++) {
    const ph = (2 * Math.PI * t) / period;
    y[t] = 100 + slope * t + amplitude * (Math.sin(ph) + 0.4 * Math.cos(2 * ph)) + sigma * g();
  }
  return makeSeries({ value: y }, null, 'synthetic:trend-seasonal');
}

/**
 * A stock-like daily series: columns Open, High, Low, Volume, Close (the order of the lecture's
 * stock file), business-day dates from 2020-01-02, oldest first. Close follows a geometric random
 * walk with slight drift; volume is larger on big moves.
 * @example const s = syntheticStockSeries(500, 7); s.columns // ['Open','High','Low','Volume','Close']
 */
export function syntheticStockSeries(rows: number, seed: number): Series {
  const g = gaussian(seed);
  const open = new Float64Array(rows);
  const high = new Float64Array(rows);
  const low = new Float64Array(rows);
  const vol = new Float64Array(rows);
  const close = new Float64Array(rows);
  let prev = 100;
  for (let t = 0; t < rows; t++) {
    const o = prev * Math.exp(0.003 * g());
    const ret = 0.0003 + 0.015 * g();
    const c = o * Math.exp(ret);
    open[t] = o;
    close[t] = c;
    high[t] = Math.max(o, c) * (1 + Math.abs(0.006 * g()));
    low[t] = Math.min(o, c) * (1 - Math.abs(0.006 * g()));
    vol[t] = Math.round(1e6 * Math.exp(0.3 * g() + 20 * Math.abs(ret)));
    prev = c;
  }
  const s = makeSeries({ Open: open, High: high, Low: low, Volume: vol, Close: close }, isoDays(rows, '2020-01-02', true), 'synthetic:stock');
  return s;
}

/**
 * A noisy chaotic logistic map, y[t+1] = r·y[t]·(1 − y[t]) + noise, column "value": nonlinear,
 * so a linear AR cannot forecast it but a recurrent network can (shows the recurrent path earning
 * its place).
 * @example const s = syntheticLogisticMap(500, 5);
 */
export function syntheticLogisticMap(rows: number, seed: number, options: { r?: number; sigma?: number } = {}): Series {
  const { r = 3.8, sigma = 0.01 } = options;
  const g = gaussian(seed);
  let v = 0.3;
  const y = new Float64Array(rows);
  for (let t = 0; t < rows; t++) {
    v = Math.min(0.999, Math.max(0.001, r * v * (1 - v) + sigma * g()));
    y[t] = v;
  }
  return makeSeries({ value: y }, null, 'synthetic:logistic-map');
}
