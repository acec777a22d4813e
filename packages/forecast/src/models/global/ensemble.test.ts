// The ensemble: members that differ in window and seed, combined by the element-wise median, and
// checked against Naive2 on the held-out stretch as a whole.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { seededRandom } from '@seqcast/core';
import type { Panel } from '@seqcast/data';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../registry/kinds.js';
import { GlobalForecaster } from './forecaster.js';
import { syntheticCollection } from '../../synthetic-collection.js';
import { GlobalEnsemble, medianOf, memberOptions } from './ensemble.js';
import { partnerForecast } from './validation.js';

function cut(p: Panel, h: number): Panel {
  return { ...p, series: p.series.map((s) => ({ ...s, values: s.values.subarray(0, s.values.length - h) })) };
}

/** Series of the given lengths (memberOptions reads only lengths unless the data is hourly). */
const lengths = (...n: number[]) => n.map((k) => new Float64Array(k));

/** `count` hourly series of `n` points: shape(t) plus seeded noise of 1. */
function hourlySeries(count: number, n: number, shape: (t: number) => number): Float64Array[] {
  const rand = seededRandom(count * 7 + n);
  return Array.from({ length: count }, () => Float64Array.from({ length: n }, (_, t) => shape(t) + (rand() - 0.5) * 2));
}

describe('GlobalEnsemble', () => {
  it('members differ in window (whole seasons, no longer than the longest history) and seed, and share the budget', () => {
    const opts = memberOptions({ horizon: 12, minutes: 6, members: 3, seed: 4 }, { horizon: 12, season: 4 }, lengths(60, 80, 100));
    expect(opts.map((o) => o.window)).toEqual([44, 68, 32]);
    expect(new Set(opts.map((o) => o.seed)).size).toBe(3);
    for (const o of opts) expect(o.minutes).toBe(2);
    const short = memberOptions({ horizon: 6, members: 4 }, { horizon: 6, season: 1 }, lengths(20, 25));
    for (const o of short) expect(o.window!).toBeLessThanOrEqual(19);
  });

  it('hourly members see whole weeks when the data repeats by the week (a sub-week window misses the same hour a week before)', () => {
    const spec = { horizon: 48, season: 24 };
    const windows = (history: Float64Array[], options: { horizon: number; window?: number } = spec) =>
      memberOptions(options, { ...spec, horizon: options.horizon }, history).map((o) => o.window);
    // Daily and weekly cycles with noise: the same hour a week before is as close as a day before.
    const weekly = hourlySeries(6, 960, (t) => 100 + 20 * Math.sin((2 * Math.PI * t) / 24) + (Math.floor(t / 24) % 7 >= 5 ? -15 : 0));
    expect(windows(weekly)).toEqual([168, 336, 168]);
    expect(new Set(memberOptions(spec, spec, weekly).map((o) => o.seed)).size).toBe(3);
    // A daily cycle on a level that drifts within the week (climate normals): whole days as before.
    const drifting = hourlySeries(6, 960, (t) => 100 + 5 * Math.sin((2 * Math.PI * t) / 24) + 0.05 * t);
    expect(windows(drifting)).toEqual([168, 264, 120]);
    // A window the user chose stays member 0's, scaled in whole days.
    expect(windows(weekly, { ...spec, window: 240 })).toEqual([240, 360, 192]);
    // A day-ahead horizon's default (96 hours) holds no week: whole days.
    expect(windows(weekly, { horizon: 24 })).toEqual([96, 144, 72]);
    // No longer than the longest history.
    expect(windows(weekly.map((v) => v.subarray(0, 600)))).toEqual([168, 336, 168]);
    // Under three weeks of history nothing tells: whole days.
    expect(windows(weekly.map((v) => v.subarray(0, 300)))).toEqual([168, 240, 120]);
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
    expect(info.ensemble.members).toHaveLength(3);
    expect(new Set(info.ensemble.windows).size).toBe(3);
    expect(['median', 'naive2']).toContain(info.ensemble.shipped);
    // The validation is the median's, and says what was shipped.
    expect(info.validation!.series).toBeGreaterThan(20);
    expect(info.combination.weight).toBe(info.ensemble.shipped === 'naive2' ? 0 : 1);
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

  it('saves into one model directory and loads back forecasting the same; a single network still saves as before', async () => {
    const H = 4;
    const panel = cut(syntheticCollection(3, { series: 12, kind: 'hourly', length: [60, 90] }), H);
    const spec = { horizon: H, season: 1 };
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-ensemble-'));
    try {
      const model = new GlobalEnsemble({ ...spec, members: 2, prune: false, steps: 10, units: 4, batchSize: 32 });
      await model.fit(panel, spec);
      const before = await model.forecast(panel, H);
      await model.save(path.join(tmp, 'ens'));
      expect((await fs.readdir(path.join(tmp, 'ens'))).sort()).toEqual([
        'member-1.model.json',
        'member-1.weights.bin',
        'model.json',
        'seqcast.json',
        'weights.bin',
      ]);
      const again = await loadModel(path.join(tmp, 'ens'));
      expect(await again.forecast(panel, H)).toEqual(before);
      expect((again.info() as typeof model extends { info(): infer I } ? I : never).ensemble.windows).toEqual(model.info().ensemble.windows);
      // The single-network loader says what the directory holds instead of forecasting with one member.
      await expect(GlobalForecaster.load(path.join(tmp, 'ens'))).rejects.toThrow(/holds an ensemble of 2 networks/);
      again.dispose();
      model.dispose();

      const single = new GlobalEnsemble({ ...spec, members: 1, steps: 10, units: 4, batchSize: 32 });
      await single.fit(panel, spec);
      await single.save(path.join(tmp, 'one'));
      expect((await fs.readdir(path.join(tmp, 'one'))).sort()).toEqual(['model.json', 'seqcast.json', 'weights.bin']);
      const plain = await GlobalForecaster.load(path.join(tmp, 'one'));
      expect(await plain.forecast(panel, H)).toEqual(await single.forecast(panel, H));
      plain.dispose();
      single.dispose();
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }, 120_000);

  it('a damaged member record is one BAD_MODEL line naming the field', async () => {
    const H = 3;
    const panel = cut(syntheticCollection(4, { series: 8, kind: 'hourly', length: [50, 60] }), H);
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-ensemble-'));
    try {
      const model = new GlobalEnsemble({ horizon: H, members: 2, prune: false, steps: 5, units: 4, batchSize: 16 });
      await model.fit(panel, { horizon: H, season: 1 });
      const dir = path.join(tmp, 'ens');
      await model.save(dir);
      model.dispose();
      const file = path.join(dir, 'seqcast.json');
      const meta = JSON.parse(await fs.readFile(file, 'utf8'));
      meta.extra.ensemble.members[1].config.network.window = -2;
      await fs.writeFile(file, JSON.stringify(meta));
      await expect(loadModel(dir)).rejects.toThrow(/field "extra\.ensemble\.members\[1\]\.config\.network\.window" is missing or invalid/);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }, 120_000);

  it('on a budget too short for more, fits one fully trained network instead of three starved ones, and says so', async () => {
    const H = 3;
    const panel = cut(syntheticCollection(6, { series: 8, kind: 'hourly', length: [50, 60] }), H);
    // The step cap is out of reach: the first network runs until the budget is spent.
    const model = new GlobalEnsemble({ horizon: H, members: 3, steps: 1_000_000, minutes: 0.03, units: 4, batchSize: 16 });
    const etas: number[] = [];
    await model.fit(panel, { horizon: H, season: 1 }, { onProgress: (p) => etas.push(p.etaMs!) });
    // The ETA shown is the budget's end, not the millions of planned steps.
    expect(etas.length).toBeGreaterThan(0);
    expect(Math.max(...etas)).toBeLessThanOrEqual(0.03 * 60_000);
    const info = model.info();
    expect(info.stopped).toBe('budget');
    expect(info.ensemble.members).toHaveLength(1);
    expect(info.ensemble.planned).toBe(3);
    model.dispose();
  }, 120_000);

  it('checks the median on every series any member held out, not only on those all of them did', async () => {
    const H = 3;
    // Windows 40, 60, 30: the longest-window member holds out no stretch of the shortest series.
    const panel = cut(syntheticCollection(8, { series: 30, kind: 'hourly', length: [14, 70] }), H);
    const model = new GlobalEnsemble({ horizon: H, members: 3, prune: false, window: 40, steps: 5, units: 4, batchSize: 16 });
    await model.fit(panel, { horizon: H, season: 1 });
    const info = model.info();
    const counts = info.ensemble.members.map((m) => m.validation!.series);
    expect(Math.min(...counts)).toBeLessThan(Math.max(...counts));
    expect(info.validation!.series).toBe(Math.max(...counts));
    model.dispose();
  }, 120_000);

  it("leaves out of the median a member whose window misses the data's cycle (clearly worse on the validation stretch)", async () => {
    const H = 4;
    const period = 16;
    // A sawtooth of period 16 with a little noise: a window of 15 often does not see the last
    // drop, so it cannot tell when the next one comes; windows of 20 and 30 can.
    const rand = (() => {
      let x = 7;
      return () => ((x = (x * 16807) % 2147483647) / 2147483647 - 0.5) * 0.2;
    })();
    const series = Array.from({ length: 40 }, (_, k) => ({
      id: `s${k}`,
      values: Float64Array.from({ length: 200 }, (_, t) => 10 + ((t + k) % period) + rand()),
      times: null,
      features: {},
      lines: null,
    }));
    const panel: Panel = { target: 'y', idColumn: 'id', timeColumn: null, features: [], series, source: '<memory>' };
    const model = new GlobalEnsemble({ horizon: H, members: 3, window: 20, steps: 30, units: 8, batchSize: 64 });
    await model.fit(panel, { horizon: H, season: 1 });
    const info = model.info();
    expect(info.ensemble.planned).toBe(3);
    const pruned = info.ensemble.pruned ?? [];
    expect(pruned.map((p) => p.window)).toEqual([15]);
    expect(pruned[0]!.owa).toBeGreaterThan(pruned[0]!.best * 1.05);
    expect(info.ensemble.windows).toEqual([20, 30]);
    model.dispose();
  }, 120_000);
});
