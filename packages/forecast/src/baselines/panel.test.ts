import type { Panel } from '@seqcast/data';
import { describe, expect, it } from 'vitest';
import { acf, deseasonalise, fitSes, isSeasonal, seasonalIndices, thetaForecast } from './classical.js';
import { Naive2Model, NaiveModel, PooledLinearModel, SeasonalNaiveModel, SesModel, ThetaModel } from './panel.js';

const panelOf = (...series: number[][]): Panel => ({
  target: 'y',
  idColumn: 'id',
  timeColumn: null,
  features: [],
  source: '<memory>',
  series: series.map((v, i) => ({ id: `s${i}`, values: Float64Array.from(v), times: null, features: {}, lines: null })),
});

describe('classical building blocks', () => {
  it('acf at lag 1 of 1,2,3,4 is 0.25 (hand-computed: Σ(x_t−2.5)(x_{t−1}−2.5) / Σ(x−2.5)² = 1.25 / 5)', () => {
    expect(acf([1, 2, 3, 4], 1)[0]).toBeCloseTo(0.25, 12);
  });

  it('the 90% seasonality test finds a clean season and rejects white noise and too-short series', () => {
    const seasonal = Array.from({ length: 48 }, (_, t) => 10 + [3, 1, -2, -2][t % 4]!);
    expect(isSeasonal(seasonal, 4)).toBe(true);
    let s = 7;
    const noise = Array.from({ length: 200 }, () => (s = (s * 16807) % 2147483647) / 2147483647);
    expect(isSeasonal(noise, 4)).toBe(false);
    expect(isSeasonal(seasonal.slice(0, 11), 4)).toBe(false); // fewer than 3m points
  });

  it('multiplicative indices of an exactly multiplicative series are its pattern (mean 1)', () => {
    const pattern = [1.5, 0.5, 1.2, 0.8];
    const x = Float64Array.from({ length: 40 }, (_, t) => 100 * pattern[t % 4]!);
    expect(Array.from(seasonalIndices(x, 4)).map((v) => +v.toFixed(10))).toEqual(pattern);
    const d = deseasonalise(x, 4);
    expect(d.seasonal).toBe(true);
    expect(Array.from(d.adjusted.slice(0, 4)).map((v) => +v.toFixed(10))).toEqual([100, 100, 100, 100]);
    expect(d.future(1)).toBeCloseTo(pattern[40 % 4]!, 10);
  });

  it('SES on a constant series forecasts the constant; theta on a line is SES with half its slope', () => {
    expect(fitSes([5, 5, 5, 5]).level).toBe(5);
    // x = 3 + 2t, t < 20: the θ=2 line is x itself; SES (alpha at its 0.99 bound) lags the last
    // value 41 by 2·0.01/0.99; the forecast averages it with the trend line 41 + 2h.
    const line = Float64Array.from({ length: 20 }, (_, t) => 3 + 2 * t);
    const f = thetaForecast(line, 3);
    const ses = 41 - (2 * 0.01) / 0.99;
    expect(f[0]).toBeCloseTo(0.5 * 43 + 0.5 * ses, 4);
    expect(f[1]! - f[0]!).toBeCloseTo(1, 10);
    expect(f[2]! - f[1]!).toBeCloseTo(1, 10);
  });
});

describe('panel baselines', () => {
  const spec = { horizon: 3, season: 2 };

  it('naive repeats the last value; its 95% interval widens as √h from the lag-1 residuals', async () => {
    const m = new NaiveModel();
    await m.fit(panelOf([1, 2, 3]), spec);
    const [f] = await m.forecast(panelOf([1, 3, 5]), 3);
    expect(f!.values).toEqual([5, 5, 5]);
    // residuals 2, 2 → sd 2; h = 4 would be 2·2; h = 1: 5 ± 1.96·2.
    expect(f!.intervals!['95'].upper[0]).toBeCloseTo(5 + 1.959964 * 2, 5);
    expect(f!.intervals!['95'].upper[2]).toBeCloseTo(5 + 1.959964 * 2 * Math.sqrt(3), 5);
  });

  it('seasonal naive repeats the last season', async () => {
    const m = new SeasonalNaiveModel();
    await m.fit(panelOf([1]), spec);
    expect((await m.forecast(panelOf([9, 1, 2, 7, 8]), 3))[0]!.values).toEqual([7, 8, 7]);
  });

  it('Naive2 reseasonalises the last adjusted value; without seasonality it is naive', async () => {
    const pattern = [1.5, 0.5, 1.2, 0.8];
    const x = Array.from({ length: 40 }, (_, t) => 100 * pattern[t % 4]!);
    const m = new Naive2Model();
    await m.fit(panelOf(x), { horizon: 4, season: 4 });
    expect((await m.forecast(panelOf(x), 4))[0]!.values.map((v) => +v.toFixed(8))).toEqual([150, 50, 120, 80]);
    const flat = new Naive2Model();
    await flat.fit(panelOf(x), { horizon: 2, season: 1 });
    expect((await flat.forecast(panelOf([1, 4, 2]), 2))[0]!.values).toEqual([2, 2]);
  });

  it('SES and Theta answer one forecast per series in order', async () => {
    for (const m of [new SesModel(), new ThetaModel()]) {
      await m.fit(panelOf([1]), spec);
      const f = await m.forecast(panelOf([1, 2, 3, 4, 5, 6], [10, 10, 10, 10]), 3);
      expect(f.map((s) => s.id)).toEqual(['s0', 's1']);
      expect(f[1]!.values.map((v) => +v.toFixed(6))).toEqual([10, 10, 10]);
    }
  });

  it('the pooled linear model learns one rule for series of any scale (a shared AR(1)-like pattern)', async () => {
    // Every series alternates around its own level with its own scale: next = level − (last − level).
    const make = (level: number, amp: number, n: number) => Array.from({ length: n }, (_, t) => level + amp * (t % 2 === 0 ? 1 : -1));
    const train = panelOf(make(10, 1, 40), make(1000, 50, 40), make(0.1, 0.02, 40));
    const m = new PooledLinearModel({ window: 4 });
    await m.fit(train, { horizon: 2, season: 1 });
    const [f] = await m.forecast(panelOf(make(500, 7, 11)), 2);
    // The series ends on +7 (t = 10 is even); the next two are −7 and +7 around 500.
    expect(f!.values[0]).toBeCloseTo(493, 2);
    expect(f!.values[1]).toBeCloseTo(507, 2);
  });
});
