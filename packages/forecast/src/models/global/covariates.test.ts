import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { seededRandom } from '@seqcast/core';
import { leakedTensors } from '@seqcast/core/testing';
import type { Panel, PanelSeries } from '@seqcast/data';
import { afterAll, describe, expect, it } from 'vitest';
import type { FutureCovariates } from '../../inputs/covariates.js';
import { backtest } from '../../protocol/backtest.js';
import { GlobalForecaster } from './forecaster.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const H = 8;

/**
 * A panel whose target doubles on promotion days (known in advance) and whose level is set by a
 * static size: nothing in the target's own past says when the next promotion comes. Each series'
 * last H steps hold a promotion on steps 3–5.
 */
function promoPanel(count: number, length: number, seed: number): Panel {
  const u = seededRandom(seed);
  const series: PanelSeries[] = [];
  for (let i = 0; i < count; i++) {
    const size = 1 + Math.floor(u() * 3);
    const promo = new Float64Array(length);
    for (let t = Math.floor(u() * 9); t < length - H; t += 6 + Math.floor(u() * 10)) for (let k = t; k < Math.min(length - H, t + 3); k++) promo[k] = 1;
    for (let h = 3; h < 6; h++) promo[length - H + h] = 1;
    const values = Float64Array.from(promo, (p) => 50 * size * (1 + p) * (1 + 0.03 * (u() - 0.5)));
    series.push({ id: `s${i}`, values, times: null, features: { promo, size: new Float64Array(length).fill(size) }, lines: null });
  }
  return { target: 'y', idColumn: 'id', timeColumn: null, features: ['promo', 'size'], series, source: '<memory>' };
}

function cut(p: Panel): { history: Panel; future: FutureCovariates; actual: Float64Array[] } {
  const series = p.series.map((s) => {
    const n = s.values.length - H;
    return { ...s, values: s.values.subarray(0, n), features: { promo: s.features.promo!.subarray(0, n), size: s.features.size!.subarray(0, n) } };
  });
  const future = new Map(p.series.map((s) => [s.id, { columns: { promo: s.features.promo!.subarray(s.values.length - H) } }]));
  return { history: { ...p, series }, future, actual: p.series.map((s) => s.values.subarray(s.values.length - H)) };
}

/** Mean forecast on the promotion steps over mean forecast on the others. */
function spike(values: number[]): number {
  const on = (values[3]! + values[4]! + values[5]!) / 3;
  const off = (values[0]! + values[1]! + values[2]! + values[6]! + values[7]!) / 5;
  return on / off;
}

const options = { horizon: H, window: 16, units: 16, batchSize: 64, steps: 300, seed: 3, minutes: 5 };

describe('GlobalForecaster with covariates', () => {
  it('forecasts the spike of a planned promotion from future-known values; without them it cannot', async () => {
    const { history, future, actual } = cut(promoPanel(24, 160, 1));
    const withCov = new GlobalForecaster(options);
    await withCov.fit(history, { horizon: H, season: 1, covariates: { futureFeatures: ['promo'], staticFeatures: ['size'] } });
    const info = withCov.info();
    expect(info.covariates?.future).toEqual(['promo (as is)']);
    expect(info.covariates?.static).toEqual(['size (standardised)']);
    const f = await withCov.forecast(history, H, future);
    const ratios = f.map((s) => spike(s.values));
    // The actual promotion doubles the target: the forecasts show it on every series and, in the
    // middle of the panel, nearly all of it.
    expect(Math.min(...ratios)).toBeGreaterThan(1.4);
    expect([...ratios].sort((a, b) => a - b)[ratios.length >> 1]).toBeGreaterThan(1.8);

    const without = new GlobalForecaster(options);
    await without.fit(history, { horizon: H, season: 1 });
    expect(without.info().covariates?.future).toEqual([]);
    const g = await without.forecast(history, H);
    const mae = (fs: { values: number[] }[]) => fs.reduce((a, s, i) => a + s.values.reduce((b, v, h) => b + Math.abs(v - actual[i]![h]!), 0), 0);
    expect(mae(f)).toBeLessThan(0.5 * mae(g));

    // Forecasting needs the future values of every series, and says whose are missing.
    await expect(withCov.forecast(history, H)).rejects.toThrow(
      'series "s0" has no future values: the model needs promo for the next 8 step(s) of every series',
    );
    const short = new Map(future);
    short.set('s5', { columns: { promo: new Float64Array(3) } });
    await expect(withCov.forecast(history, H, short)).rejects.toThrow('future values: series "s5" has 3 future value(s) of "promo", the forecast needs 8');

    // The contract is saved: a loaded model forecasts the same, leaking nothing.
    const dir = await mkdtemp(path.join(tmpdir(), 'seqcast-cov-'));
    dirs.push(dir);
    await withCov.save(path.join(dir, 'm'));
    const again = await GlobalForecaster.load(path.join(dir, 'm'));
    const f2 = await again.forecast(history, H, future);
    f2.forEach((s, i) => s.values.forEach((v, h) => expect(v).toBeCloseTo(f[i]!.values[h]!, 6)));
    expect(again.covariateContract().future).toEqual(['promo']);
    expect(await leakedTensors(() => again.forecast(history, H, future), 2)).toBe(0);
    again.dispose();
    withCov.dispose();
    without.dispose();
  }, 120_000);

  it('backtest gives the model the future values after each cutoff; the baselines ignore them', async () => {
    const p = promoPanel(12, 120, 2);
    const r = await backtest(
      p,
      [
        () => new GlobalForecaster({ ...options, steps: 200 }),
        () => ({
          name: 'naive2copy',
          fit: async () => {},
          forecast: async (h, n) => h.series.map((s) => ({ id: s.id, values: new Array<number>(n).fill(s.values[s.values.length - 1]!) })),
          dispose: () => {},
        }),
      ],
      { horizon: H, season: 1, covariates: { futureFeatures: ['promo'] } },
    );
    // Knowing the promotion, the model beats Naive2 clearly on a stretch that holds one.
    expect(r.metrics.model!.mase).toBeLessThan(0.6 * r.metrics.naive2!.mase);
  }, 120_000);
});
