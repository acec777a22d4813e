import type { Panel } from '@seqcast/data';
import { describe, expect, it } from 'vitest';
import { NaiveModel, PANEL_BASELINES } from '../baselines/panel.js';
import type { PanelModel } from '../panel/model.js';
import { syntheticPanel } from '../panel/synthetic.js';
import { backtest, cutPanel, holdout } from './backtest.js';
import { MetricTotals, seasonalScale } from './panel-metrics.js';

const panelOf = (...series: number[][]): Panel => ({
  target: 'y',
  idColumn: 'id',
  timeColumn: null,
  features: [],
  source: '<memory>',
  series: series.map((v, i) => ({ id: `s${i}`, values: Float64Array.from(v), times: null, features: {}, lines: null })),
});

describe('panel metrics (hand-computed)', () => {
  it('sMAPE ×200, MASE on the in-sample seasonal-naive MAE, coverage and MSIS', () => {
    // Training 1, 3, 2, 6 with m = 2: |2−1| + |6−3| over 2 → scale 2.
    expect(seasonalScale([1, 3, 2, 6], 2)).toBe(2);
    const t = new MetricTotals();
    const actual = [10, 20];
    t.add(actual, { id: 'a', values: [10, 30], intervals: { '80': { lower: [9, 25], upper: [11, 35] }, '95': { lower: [8, 24], upper: [12, 36] } } }, 2);
    const r = t.result(t);
    // sMAPE: (0 + 200·10/50) / 2 = 20; MASE: (0 + 10/2) / 2 = 2.5.
    expect(r.smape).toBeCloseTo(20, 12);
    expect(r.mase).toBeCloseTo(2.5, 12);
    expect(r.owa).toBeCloseTo(1, 12);
    // 80%: 10 ∈ [9, 11], 20 ∉ [25, 35] → half. 95%: 10 ∈ [8, 12], 20 < 24 → half.
    expect(r.coverage80).toBe(0.5);
    expect(r.coverage95).toBe(0.5);
    // MSIS: ((12−8) + (36−24) + 40·(24−20)) / 2 / 2 points = (4 + 12 + 160) / 4 = 44.
    expect(r.msis).toBeCloseTo(44, 12);
  });

  it('OWA is the mean of the sMAPE and MASE ratios to Naive2, on totals over all series × horizons', () => {
    const model = new MetricTotals();
    const naive2 = new MetricTotals();
    model.add([100, 100], { id: 'a', values: [110, 90] }, 10); // sMAPE 200·10/210 + 200·10/190, MASE 1 + 1
    naive2.add([100, 100], { id: 'a', values: [120, 80] }, 10); // sMAPE 200·20/220 + 200·20/180, MASE 2 + 2
    const r = model.result(naive2);
    const sm = (200 * 10) / 210 + (200 * 10) / 190;
    const sn = (200 * 20) / 220 + (200 * 20) / 180;
    expect(r.owa).toBeCloseTo(0.5 * (sm / sn + 2 / 4), 12);
    expect(r.coverage80).toBeNull();
  });
});

describe('backtest', () => {
  it('cuts each series K·H, H, … points before its end and scores the next H', () => {
    const c = cutPanel(panelOf([1, 2, 3, 4, 5, 6, 7], [1, 2]), 4, 2);
    expect(c.train.series.map((s) => Array.from(s.values))).toEqual([[1, 2, 3]]); // the 2-point series is left out
    expect(c.actual.map((a) => Array.from(a))).toEqual([[4, 5]]);
  });

  it('fits a fresh model per cutoff on data before it only, and adds Naive2 for OWA', async () => {
    const seen: number[][] = [];
    const spy = (): PanelModel => {
      const inner = new NaiveModel();
      return {
        name: 'model',
        fit: (train, spec) => {
          seen.push(train.series.map((s) => s.values.length));
          return inner.fit(train, spec);
        },
        forecast: (h, n) => inner.forecast(h, n),
        dispose: () => void disposed++,
      };
    };
    let disposed = 0;
    const r = await backtest(panelOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), [spy], { horizon: 2, season: 1, windows: 3 });
    expect(disposed).toBe(4); // the one asked its name, then one per cutoff: each freed
    expect(seen).toEqual([[4], [6], [8]]);
    expect(Object.keys(r.metrics)).toEqual(['model', 'naive2']);
    // Naive on 1..10 misses by 1 and 2 every window: MASE (1 + 2) / 2 with scale 1.
    expect(r.metrics.model!.mase).toBeCloseTo(1.5, 12);
    expect(r.metrics.model!.owa).toBeCloseTo(1, 12);
    expect(r.windows).toBe(3);
    expect(r.worseThanNaive2).toEqual([]);
    // Naive is Naive2 on a non-seasonal series: no measurable difference, over series × cutoffs.
    expect(r.verdicts.model).toEqual({ verdict: 'same', owa: r.metrics.model!.owa, low: r.metrics.model!.owa, high: r.metrics.model!.owa });
  });

  it('on a seasonal synthetic panel every baseline scores, and seasonal naive beats naive', async () => {
    const panel = syntheticPanel({ series: 12, length: 200, season: 12, seed: 3 });
    const r = await holdout(panel, Object.values(PANEL_BASELINES), { horizon: 12, season: 12 });
    expect(Object.keys(r.metrics)).toEqual(['naive2', 'snaive', 'naive', 'ses', 'theta', 'pooledLinear']);
    for (const m of Object.values(r.metrics)) expect(Number.isFinite(m.owa)).toBe(true);
    expect(r.metrics.snaive!.owa).toBeLessThan(r.metrics.naive!.owa);
    // Every model but Naive2 gets a verdict with a band around its OWA.
    expect(Object.keys(r.verdicts)).toEqual(['snaive', 'naive', 'ses', 'theta', 'pooledLinear']);
    expect(r.verdicts.naive!.low).toBeLessThanOrEqual(r.metrics.naive!.owa);
    expect(r.verdicts.naive!.high).toBeGreaterThanOrEqual(r.metrics.naive!.owa);
    // A share of the held-out points, not merely present.
    expect(r.metrics.naive2!.coverage95).toBeGreaterThan(0);
    expect(r.metrics.naive2!.coverage95).toBeLessThanOrEqual(1);
    expect(r.metrics.theta!.coverage95).toBeNull();
    expect(r.series).toBe(12);
  });

  it('fits the models that read covariates with them and gives each cutoff its future values; baselines get none', async () => {
    // y is the planned promotion × 10 plus 1: a model that reads the future promo forecasts it exactly.
    const promo = [0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1];
    const panel: Panel = {
      target: 'y',
      idColumn: 'id',
      timeColumn: null,
      features: ['promo', 'size'],
      source: '<memory>',
      series: [0, 1].map((k) => ({
        id: `s${k}`,
        values: Float64Array.from(promo, (p) => 10 * p + 1 + k),
        times: null,
        features: { promo: Float64Array.from(promo), size: Float64Array.from(promo, () => k) },
        lines: null,
      })),
    };
    const fitted: unknown[] = [];
    const given: (number[] | undefined)[] = [];
    const oracle = (): PanelModel => {
      let size: Map<string, number> = new Map();
      return {
        name: 'oracle',
        takesCovariates: true,
        fit: async (train, spec) => {
          fitted.push(spec.covariates);
          size = new Map(train.series.map((s) => [s.id, s.features.size![0]!]));
        },
        forecast: async (history, h, future) => {
          given.push(future ? Array.from(future.get('s0')!.columns.promo as ArrayLike<number>) : undefined);
          return history.series.map((s) => ({
            id: s.id,
            values: Array.from({ length: h }, (_, j) => 10 * Number(future!.get(s.id)!.columns.promo![j]) + 1 + size.get(s.id)!),
          }));
        },
        dispose: () => undefined,
      };
    };
    const baselineFutures: unknown[] = [];
    const naive = (): PanelModel => {
      const inner = new NaiveModel();
      return {
        name: 'naive',
        fit: (t, s) => inner.fit(t, s),
        forecast: (h, n, future) => (baselineFutures.push(future), inner.forecast(h, n)),
        dispose: () => undefined,
      };
    };
    const covariates = { futureFeatures: ['promo'], staticFeatures: ['size'] };
    const r = await backtest(panel, [oracle, naive], { horizon: 3, season: 1, windows: 2, covariates });
    expect(fitted).toEqual([covariates, covariates]);
    // The promotions of the 3 steps after each cutoff (points 10–12, then 13–15).
    expect(given).toEqual([promo.slice(10, 13), promo.slice(13, 16)]);
    expect(baselineFutures).toEqual([undefined, undefined]);
    expect(r.metrics.oracle!.mase).toBe(0);
    expect(r.metrics.naive!.mase).toBeGreaterThan(0);
    expect(r.readCovariates).toEqual(['oracle']);
  });
});
