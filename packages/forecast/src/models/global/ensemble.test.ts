// The ensemble: members that differ in window and seed, combined by the element-wise median, and
// checked against Naive2 on the held-out stretch as a whole.
import type { Panel } from '@seqcast/data';
import { describe, expect, it } from 'vitest';
import { syntheticCollection } from '../../synthetic-collection.js';
import { GlobalEnsemble, medianOf, memberOptions } from './ensemble.js';
import { partnerForecast } from './validation.js';

function cut(p: Panel, h: number): Panel {
  return { ...p, series: p.series.map((s) => ({ ...s, values: s.values.subarray(0, s.values.length - h) })) };
}

describe('GlobalEnsemble', () => {
  it('members differ in window (whole seasons, no longer than the longest history) and seed, and share the budget', () => {
    const opts = memberOptions({ horizon: 12, minutes: 6, members: 3, seed: 4 }, { horizon: 12, season: 4 }, [60, 80, 100]);
    expect(opts.map((o) => o.window)).toEqual([44, 68, 32]);
    expect(new Set(opts.map((o) => o.seed)).size).toBe(3);
    for (const o of opts) expect(o.minutes).toBe(2);
    const short = memberOptions({ horizon: 6, members: 4 }, { horizon: 6, season: 1 }, [20, 25]);
    for (const o of short) expect(o.window!).toBeLessThanOrEqual(19);
  });

  it('medianOf takes the element-wise median (the middle two averaged for an even count)', () => {
    expect(
      medianOf([
        [1, 9],
        [5, 2],
        [3, 4],
      ]),
    ).toEqual([3, 4]);
    expect(
      medianOf([
        [1, 8],
        [3, 2],
      ]),
    ).toEqual([2, 5]);
  });

  it('forecasts the median of its members and says what it shipped; on random walks it is not worse than Naive2', async () => {
    const H = 6;
    const full = syntheticCollection(5, { series: 30, kind: 'stocks', length: [120, 200], intermittent: 0 });
    const train = cut(full, H);
    const model = new GlobalEnsemble({ horizon: H, members: 3, steps: 30, units: 8, batchSize: 64 });
    await model.fit(train, { horizon: H, season: 1 });
    const info = model.info();
    expect(info.members).toHaveLength(3);
    expect(new Set(info.members.map((m) => m.window)).size).toBe(3);
    expect(['median', 'naive2']).toContain(info.shipped);
    const f = await model.forecast(train, H);
    let ours = 0;
    let naive = 0;
    full.series.forEach((s, i) => {
      const actual = s.values.subarray(s.values.length - H);
      const n2 = partnerForecast(train.series[i]!.values, H, 1, 'naive2');
      for (let h = 0; h < H; h++) {
        ours += Math.abs(actual[h]! - f[i]!.values[h]!);
        naive += Math.abs(actual[h]! - n2[h]!);
        expect(f[i]!.intervals!['80'].lower[h]!).toBeLessThanOrEqual(f[i]!.values[h]! + 1e-9);
        expect(f[i]!.intervals!['95'].upper[h]!).toBeGreaterThanOrEqual(f[i]!.intervals!['80'].upper[h]! - 1e-9);
      }
    });
    expect(ours / naive).toBeLessThanOrEqual(1.02);
    model.dispose();
  }, 120_000);
});
