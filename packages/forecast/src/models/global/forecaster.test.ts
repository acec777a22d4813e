import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Panel } from '@seqcast/data';
import { leakedTensors } from '@seqcast/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticCollection } from '../../synthetic-collection.js';
import { defaultWindow, ensembleMedian, GlobalForecaster, validationWarnings } from './forecaster.js';
import { partnerForecast } from './validation.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function cut(p: Panel, h: number): Panel {
  return { ...p, series: p.series.map((s) => ({ ...s, values: s.values.subarray(0, s.values.length - h) })) };
}

function smape(a: ArrayLike<number>, f: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]!) + Math.abs(f[i]!);
    if (d > 0) s += (200 * Math.abs(a[i]! - f[i]!)) / d;
  }
  return s / a.length;
}

describe('GlobalForecaster', () => {
  it('learns across an hourly-like panel: beats Naive2 on the held-out horizon, intervals nest, save/load gives the same forecasts', async () => {
    const H = 24;
    const full = syntheticCollection(3, { series: 40, kind: 'hourly', length: [300, 400], intermittent: 0 });
    const train = cut(full, H);
    const model = new GlobalForecaster({ horizon: H, season: 24, steps: 250, units: 32, seed: 1 });
    const seen: number[] = [];
    await model.fit(train, { horizon: H, season: 24 }, { onProgress: (p) => seen.push(p.step) });
    expect(seen.at(-1)).toBe(250);
    expect(model.info().validation?.series).toBe(40);
    const f = await model.forecast(train, H);
    expect(f).toHaveLength(40);
    let ours = 0;
    let bench = 0;
    full.series.forEach((s, i) => {
      const actual = s.values.subarray(s.values.length - H);
      ours += smape(actual, f[i]!.values);
      bench += smape(actual, partnerForecast(train.series[i]!.values, H, 24, 'naive2'));
      const iv = f[i]!.intervals!;
      for (let h = 0; h < H; h++) {
        expect(iv['95'].lower[h]!).toBeLessThanOrEqual(iv['80'].lower[h]! + 1e-9);
        expect(iv['80'].lower[h]!).toBeLessThanOrEqual(f[i]!.values[h]! + 1e-9);
        expect(iv['80'].upper[h]!).toBeGreaterThanOrEqual(f[i]!.values[h]! - 1e-9);
        expect(iv['95'].upper[h]!).toBeGreaterThanOrEqual(iv['80'].upper[h]! - 1e-9);
      }
    });
    expect(ours).toBeLessThan(bench);

    const dir = await mkdtemp(path.join(tmpdir(), 'seqcast-global-'));
    dirs.push(dir);
    await model.save(path.join(dir, 'm'));
    const again = await GlobalForecaster.load(path.join(dir, 'm'));
    const g = await again.forecast(train, 12);
    expect(g[5]!.values).toEqual(f[5]!.values.slice(0, 12));
    expect(again.info().window).toBe(model.info().window);
    // Forecasting leaks no tensors.
    expect(await leakedTensors(() => again.forecast(train, H), 3)).toBe(0);
    again.dispose();
    model.dispose();
  });

  it('ensemble members are combined by their element-wise median, so one stray member barely moves the forecast', () => {
    // Three members × two outputs: the third member is far off on the first output.
    expect(Array.from(ensembleMedian(Float32Array.from([1, 5, 2, 6, 100, 7]), 3))).toEqual([2, 6]);
    expect(Array.from(ensembleMedian(Float32Array.from([1, 5, 3, 9]), 2))).toEqual([2, 7]);
    expect(Array.from(ensembleMedian(Float32Array.from([4, 8]), 1))).toEqual([4, 8]);
  });

  it('several members train and forecast; none leaks tensors', async () => {
    const p = syntheticCollection(4, { series: 10, kind: 'weekly-structured', length: [60, 200] });
    const model = new GlobalForecaster({ horizon: 5, steps: 4, units: 8, batchSize: 16, members: 3 });
    expect(await leakedTensors(() => model.fit(p, { horizon: 5, season: 1 }), 2)).toBe(0);
    expect(model.info().members).toBe(3);
    const f = await model.forecast(p, 5);
    expect(f.every((s) => s.values.length === 5 && s.values.every(Number.isFinite))).toBe(true);
    expect(await leakedTensors(() => model.forecast(p, 5), 2)).toBe(0);
    model.dispose();
  });

  it('where the network is no help, its forecasts are the best statistical partner alone, and info says so', async () => {
    // Noisy straight lines, which Theta follows, and a barely trained network (2 steps, no linear start).
    let seed = 7;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const series = Array.from({ length: 30 }, (_, i) => {
      const v = new Float64Array(160);
      const slope = 0.5 + i / 10;
      for (let t = 0; t < v.length; t++) v[t] = 100 + slope * t + (rand() - 0.5) * 2;
      return { id: `w${i}`, values: v };
    });
    const panel = { source: 'walks', target: 'y', series, skipped: [] } as unknown as Panel;
    const model = new GlobalForecaster({ horizon: 8, steps: 2, units: 8, batchSize: 16, linearStart: false, seed: 3 });
    await model.fit(panel, { horizon: 8, season: 1 });
    const i = model.info();
    expect(i.combination).toEqual({ partner: 'theta', weight: 0 });
    expect(i.validation!.owa).toBeLessThan(i.validation!.modelOwa - 0.005);
    // The network alone beats Naive2 here (Theta beats it more): nothing to warn about.
    expect(i.validation!.networkVerdict.verdict).not.toBe('worse');
    expect(i.warnings).toEqual([]);
    const f = await model.forecast(panel, 8);
    f.forEach((s, k) => {
      const expected = partnerForecast(series[k]!.values, 8, 1, i.combination.partner);
      s.values.forEach((v, h) => expect(v).toBeCloseTo(expected[h]!, 6));
    });
    model.dispose();
  });

  it('a network worse than Naive2 beyond noise is a warning in info even when the fallback hides it', () => {
    const band = (verdict: 'better' | 'same' | 'worse', owa: number) => ({ verdict, owa, low: owa - 0.2, high: owa + 0.2 });
    const v = {
      series: 300,
      smape: 9,
      mase: 1,
      naive2Smape: 10,
      naive2Mase: 1.1,
      owa: 0.907,
      modelOwa: 5.098,
      worseThanNaive2: false,
      verdict: band('better', 0.907),
      networkVerdict: band('worse', 5.098),
      coverage80: 0.8,
      coverage95: 0.95,
    };
    expect(validationWarnings(v, { partner: 'theta', weight: 0 })).toEqual([
      "the network alone is WORSE than Naive2 on its validation stretch (OWA 5.098, 90% band 4.898–5.298 over series); the forecasts shipped are Theta's alone (OWA 0.907)",
    ]);
    // Within noise of Naive2: no warning.
    expect(validationWarnings({ ...v, networkVerdict: band('same', 1.05) }, { partner: 'theta', weight: 0 })).toEqual([]);
  });

  it('short series are padded and masked; training leaks no tensors', async () => {
    const p = syntheticCollection(5, { series: 12, kind: 'weekly', length: [20, 200] });
    const model = new GlobalForecaster({ horizon: 6, steps: 5, units: 8, batchSize: 16 });
    expect(await leakedTensors(() => model.fit(p, { horizon: 6, season: 1 }), 2)).toBe(0);
    const f = await model.forecast(p, 6);
    expect(f.every((s) => s.values.length === 6 && s.values.every(Number.isFinite))).toBe(true);
    model.dispose();
  });

  it('forecasts 60 steps directly; the default window is whole seasons, several seasons and horizons long, within most series', async () => {
    expect(defaultWindow(48, 24, [800, 900, 960])).toBe(168);
    expect(defaultWindow(13, 1, [80, 500, 2600])).toBe(46);
    expect(defaultWindow(48, 24, [100, 120, 130])).toBe(72);
    const p = syntheticCollection(9, { series: 10, kind: 'weekly', length: [150, 300] });
    const model = new GlobalForecaster({ horizon: 60, steps: 10, units: 8, batchSize: 32 });
    await model.fit(p, { horizon: 60, season: 1 });
    const f = await model.forecast(p, 60);
    expect(f[3]!.values).toHaveLength(60);
    expect(f[3]!.intervals!['95'].upper).toHaveLength(60);
    model.dispose();
  });

  it('a network over the training memory budget is refused before training, naming the option (the one planner every training consults)', async () => {
    const panel = cut(syntheticCollection(2, { series: 6, kind: 'hourly', length: [60, 80] }), 4);
    const model = new GlobalForecaster({ horizon: 4, units: 50_000, steps: 1 });
    await expect(model.fit(panel, { horizon: 4, season: 1 })).rejects.toThrow(
      /^units 50000 × members 1 × recurrent steps \(window ÷ season\) \d+ needs about \d+ MiB for one training window, over the \d+ MiB training memory budget/,
    );
    model.dispose();
  });

  it('rejects bad options, unusable panels, a longer horizon and a corrupt directory with one-line errors', async () => {
    expect(() => new GlobalForecaster({ horizon: 0 })).toThrow(/horizon must be a positive integer/);
    expect(() => new GlobalForecaster({ horizon: 4, cell: 'rnn' as 'lstm' })).toThrow(/cell must be one of "lstm", "gru" \(received "rnn"\)/);
    const tiny = syntheticCollection(1, { series: 3, length: 5 });
    const m = new GlobalForecaster({ horizon: 4, steps: 2 });
    await expect(m.fit(tiny, { horizon: 4, season: 1 })).rejects.toThrow(/no series of <memory> is long enough/);
    await expect(m.forecast(tiny, 4)).rejects.toThrow(/not been trained/);
    const ok = syntheticCollection(2, { series: 4, kind: 'weekly', length: 60 });
    await m.fit(ok, { horizon: 4, season: 1 });
    await expect(m.forecast(ok, 5)).rejects.toThrow(/steps must be an integer in 1\.\.4/);
    const dir = await mkdtemp(path.join(tmpdir(), 'seqcast-global-'));
    dirs.push(dir);
    await m.save(dir);
    const meta = JSON.parse(await readFile(path.join(dir, 'seqcast.json'), 'utf8'));
    meta.config.network.units = 0;
    await writeFile(path.join(dir, 'seqcast.json'), JSON.stringify(meta));
    await expect(GlobalForecaster.load(dir)).rejects.toThrow(/config\.network\.units" is missing or invalid/);
    m.dispose();
  });
});
