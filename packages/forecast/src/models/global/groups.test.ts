// The combination with Naive2/Theta chosen per group of series by history length (validate.ts).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { seededRandom } from '@seqcast/core';
import type { Panel } from '@seqcast/data';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricTotals, seasonalScale } from '../../protocol/panel-metrics.js';
import { GlobalForecaster } from './forecaster.js';
import { ensembleShipped } from './ensemble.js';
import { combinationFor, type CombinationGroup, type GlobalInfo } from './info.js';
import { chooseByLength, lengthBounds, MIN_GROUP_SERIES } from './validate.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const H = 6;

/**
 * Short series of noise around a level (Theta's smoothing wins; a network trained mostly on
 * cycles is useless on them) and longer ones of a period-6 cycle (season 1 given, so Naive2 and
 * Theta forecast it flat; the network learns it).
 */
function mixedPanel(short: number, long: number, seed = 7): Panel {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const series = [];
  for (let i = 0; i < short; i++) {
    const n = 18 + Math.floor(rand() * 6) + H;
    const level = 50 + 50 * rand();
    const slope = (rand() < 0.5 ? -1 : 1) * (0.5 + rand());
    series.push(Float64Array.from({ length: n }, (_, t) => level + slope * t + 3 * gauss()));
  }
  for (let i = 0; i < long; i++) {
    const n = (i % 2 === 0 ? 60 : 120) + Math.floor(rand() * 20) + H;
    const level = 50 + 50 * rand();
    const phase = rand() * 2 * Math.PI;
    series.push(Float64Array.from({ length: n }, (_, t) => level + 10 * Math.sin((2 * Math.PI * t) / 6 + phase) + 0.3 * gauss()));
  }
  return {
    target: 'y',
    idColumn: 'id',
    timeColumn: null,
    features: [],
    source: '<memory>',
    series: series.map((values, i) => ({ id: `s${i}`, values, times: null, features: {}, lines: null })),
  };
}

function cut(p: Panel): Panel {
  return { ...p, series: p.series.map((s) => ({ ...s, values: s.values.subarray(0, s.values.length - H) })) };
}

/** OWA-free error of forecasts of the last H on the series `rows`: summed MASE terms. */
function mase(full: Panel, forecasts: { values: number[] }[], rows: number[]): number {
  const t = new MetricTotals();
  for (const i of rows) {
    const v = full.series[i]!.values;
    const history = v.subarray(0, v.length - H);
    t.add(v.subarray(v.length - H), { id: String(i), values: forecasts[i]!.values }, seasonalScale(history, 1));
  }
  return t.result(undefined).mase;
}

describe('the combination by length group', () => {
  it('a panel of short noisy series and long cyclic ones: the short group ships Theta-heavy forecasts, the long ones the network, and each does no worse on the holdout than the panel-wide choice', async () => {
    const full = mixedPanel(70, 140);
    const train = cut(full);
    const model = new GlobalForecaster({ horizon: H, season: 1, steps: 300, units: 16, batchSize: 32, seed: 3 });
    await model.fit(train, { horizon: H, season: 1 });
    const c = model.info().combination;
    const groups = c.groups!;
    expect(groups).toHaveLength(3);
    const [short, ...long] = groups as [CombinationGroup, ...CombinationGroup[]];
    expect(short.maxLength).toBeLessThan(30);
    expect(short.own).toBe(true);
    expect(short.partner).toBe('theta');
    expect(short.weight).toBeLessThanOrEqual(0.25);
    for (const g of long) expect(g.weight).toBe(1);
    expect(short.owa).toBeLessThan(short.panelOwa);

    // The same network with the groups taken out of its saved record ships the panel-wide choice.
    const dir = await mkdtemp(path.join(tmpdir(), 'seqcast-groups-'));
    dirs.push(dir);
    await model.save(path.join(dir, 'm'));
    const json = path.join(dir, 'm', 'seqcast.json');
    const saved = JSON.parse(await readFile(json, 'utf8'));
    const meta = structuredClone(saved);
    delete meta.extra.info.combination.groups;
    await writeFile(json, JSON.stringify(meta));
    const panelWide = await GlobalForecaster.load(path.join(dir, 'm'));
    const grouped = await model.forecast(train, H);
    const before = await panelWide.forecast(train, H);
    const rowsOf = (g: CombinationGroup, k: number) =>
      train.series.flatMap((s, i) => {
        const n = s.values.length;
        const lo = k === 0 ? 0 : groups[k - 1]!.maxLength!;
        return n > lo && (g.maxLength === null || n <= g.maxLength) ? [i] : [];
      });
    groups.forEach((g, k) => {
      const rows = rowsOf(g, k);
      expect(mase(full, grouped, rows)).toBeLessThanOrEqual(mase(full, before, rows) + 1e-9);
    });
    expect(mase(full, grouped, rowsOf(short, 0))).toBeLessThan(mase(full, before, rowsOf(short, 0)));

    // A damaged record of the groups is a one-line error naming the field, not a wrong forecast.
    for (const [damage, field] of [
      [(g: Record<string, unknown>[]) => (g[0]!.maxLength = 'short'), 'extra.info.combination.groups[0].maxLength'],
      [(g: Record<string, unknown>[]) => (g[2]!.maxLength = 50), 'extra.info.combination.groups[2].maxLength'],
      [(g: Record<string, unknown>[]) => (g[1]!.maxLength = g[0]!.maxLength), 'extra.info.combination.groups[1].maxLength'],
      [(g: Record<string, unknown>[]) => (g[1]!.partner = 'arima'), 'extra.info.combination.groups[1]'],
      [(g: Record<string, unknown>[]) => (g[0]!.weight = 2), 'extra.info.combination.groups[0]'],
      [(g: Record<string, unknown>[]) => g.splice(1), 'extra.info.combination.groups'],
    ] as const) {
      const broken = structuredClone(saved);
      damage(broken.extra.info.combination.groups);
      await writeFile(json, JSON.stringify(broken));
      await expect(GlobalForecaster.load(path.join(dir, 'm'))).rejects.toThrow(`${json}: field "${field}" is missing or invalid`);
    }
    model.dispose();
    panelWide.dispose();
  }, 60_000);

  it('a group too small keeps the panel-wide choice, however much its own would score better', () => {
    // 40 short series where Theta alone is far better than the network, 80 longer where the network is.
    const lengths = [...Array.from({ length: 40 }, () => 20), ...Array.from({ length: 80 }, (_, i) => 60 + i)];
    const score = (rows: readonly number[], c: { partner: string; weight: number }) => {
      const t = new MetricTotals();
      for (const i of rows) {
        const networkGood = lengths[i]! > 20;
        const error = c.weight === 0 && c.partner === 'naive2' ? 2 : c.weight === 0 ? (networkGood ? 1.5 : 0.2) : networkGood ? 0.5 : 3;
        t.add(Float64Array.of(10), { id: String(i), values: [10 + error] }, 1);
      }
      return t;
    };
    const choose = (rows: number[]) =>
      rows.every((i) => lengths[i] === 20) ? { partner: 'theta' as const, weight: 0 } : { partner: 'naive2' as const, weight: 1 };
    const groups = chooseByLength(lengths, { partner: 'naive2', weight: 1 }, choose, score)!;
    expect(groups[0]!.series).toBeLessThan(MIN_GROUP_SERIES);
    expect(groups[0]).toMatchObject({ maxLength: 20, partner: 'naive2', weight: 1, own: false });
    // The same short series, 60 of them: now the group is large enough to get Theta.
    const more = [...Array.from({ length: 60 }, () => 20), ...Array.from({ length: 120 }, (_, i) => 60 + i)];
    lengths.splice(0, lengths.length, ...more);
    const again = chooseByLength(lengths, { partner: 'naive2', weight: 1 }, choose, score)!;
    expect(again[0]).toMatchObject({ maxLength: 20, partner: 'theta', weight: 0, own: true });
  });

  it('a group whose own choice scores only a little better (within the margin) keeps the panel-wide one', () => {
    const lengths = Array.from({ length: 300 }, (_, i) => 20 + i);
    // Theta alone is 1% better than the network on every series: real, but within GROUP_MARGIN.
    const score = (rows: readonly number[], c: { partner: string; weight: number }) => {
      const t = new MetricTotals();
      for (const i of rows)
        t.add(Float64Array.of(10), { id: String(i), values: [c.partner === 'naive2' && c.weight === 0 ? 12 : c.weight === 0 ? 10.99 : 11] }, 1);
      return t;
    };
    const groups = chooseByLength(lengths, { partner: 'naive2', weight: 1 }, () => ({ partner: 'theta', weight: 0 }), score)!;
    expect(groups.map((g) => g.own)).toEqual([false, false, false]);
  });

  it('length bounds: terciles, ties collapsed, none when every series is as long', () => {
    expect(lengthBounds(Array.from({ length: 9 }, (_, i) => i + 1))).toEqual([3, 6]);
    expect(lengthBounds([5, 5, 5, 5, 5, 5, 9, 9, 9])).toEqual([5]);
    expect(lengthBounds([7, 7, 7, 7])).toEqual([]);
    const c = {
      partner: 'naive2' as const,
      weight: 1,
      groups: [
        { maxLength: 20, series: 60, partner: 'theta' as const, weight: 0, own: true, owa: 0.8, panelOwa: 0.9 },
        { maxLength: null, series: 60, partner: 'naive2' as const, weight: 1, own: false, owa: 0.7, panelOwa: 0.7 },
      ],
    };
    expect(combinationFor(c, 3)).toEqual({ partner: 'theta', weight: 0 });
    expect(combinationFor(c, 20)).toEqual({ partner: 'theta', weight: 0 });
    expect(combinationFor(c, 21)).toEqual({ partner: 'naive2', weight: 1 });
    expect(combinationFor({ partner: 'theta', weight: 0.5 }, 21)).toEqual({ partner: 'theta', weight: 0.5 });
    // An ensemble's label shows a member's groups where they chose their own.
    const member = (window: number, combination: typeof c | { partner: 'theta'; weight: number }) => ({ window, combination }) as GlobalInfo;
    expect(ensembleShipped('median', [member(12, c), member(18, { partner: 'theta', weight: 0.5 })])).toBe(
      'the median of the forecasts of 2 networks (windows 12, 18; as each chose on the stretch: [≤ 20 values: Theta alone; > 20 values: network], network 0.5 + Theta 0.5)',
    );
  });
});
