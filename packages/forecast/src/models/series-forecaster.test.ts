import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { leakedTensors } from '@seqcast/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate } from '../protocol/evaluate.js';
import { SeriesForecaster } from './series-forecaster.js';
import { makeSeries } from '../series.js';
import { gaussian, syntheticAR2, syntheticLogisticMap, syntheticStockSeries, syntheticTrendSeasonal } from '../synthetic.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('SeriesForecaster', () => {
  it('AR(2) with unit noise: one-step RMSE close to the noise level, not worse than the baselines', async () => {
    const s = syntheticAR2(1500, 11);
    const m = await SeriesForecaster.fit(s, { target: 'value', epochs: 0 });
    try {
      const r = evaluate(m, s);
      expect(r.metrics.model.rmse).toBeLessThan(1.1);
      expect(r.metrics.model.mase).toBeLessThanOrEqual(r.metrics.naive.mase);
      expect(r.metrics.model.mase).toBeLessThanOrEqual(r.metrics.linear.mase * 1.01);
    } finally {
      m.dispose();
    }
  });

  it('one-step linear path chosen by leave-one-out CV: white noise around a level -> the linear AR, reported in info', async () => {
    // Naive chases the noise (its MAE is ~1.41x the AR's here), so leave-one-out on the
    // training rows must find the AR, and the model must then BE the linear AR baseline.
    const g = gaussian(7);
    const s = makeSeries({ value: Array.from({ length: 300 }, () => 5 + g()) });
    const m = await SeriesForecaster.fit(s, { target: 'value', epochs: 0 });
    try {
      expect(m.info.linear.paths).toEqual(['linear AR']);
      expect(m.info.linear.arOnly).toEqual([true]);
      const r = evaluate(m, s);
      expect(r.predictions.model).toEqual(r.predictions.linear);
      expect(r.beatenBy).toEqual([]);
    } finally {
      m.dispose();
    }
  });

  it('the recurrent path is kept where it helps (a nonlinear map) and beats the linear baseline there', async () => {
    const s = syntheticLogisticMap(400, 5);
    const epochs: number[] = [];
    const m = await SeriesForecaster.fit(s, { target: 'value', window: 4, units: 16, epochs: 40, seed: 1 }, { onEpoch: (p) => epochs.push(p.epoch) });
    try {
      expect(epochs[0]).toBe(1);
      expect(m.info.rnn.used).toBe(true);
      const r = evaluate(m, s);
      expect(r.metrics.model.mase).toBeLessThan(0.5 * r.metrics.linear.mase);
      // save -> load -> identical forecasts, through the recurrent path
      const dir = await mkdtemp(path.join(tmpdir(), 'seqcast-fc-'));
      dirs.push(dir);
      await m.save(path.join(dir, 'm'));
      const again = await SeriesForecaster.load(path.join(dir, 'm'));
      try {
        const rows = m.rowsOf(s);
        expect(again.forecast(rows, 5)).toEqual(m.forecast(rows, 5));
        expect(evaluate(again, s).predictions.model).toEqual(r.predictions.model);
        expect(again.info.metrics.validation).toEqual(m.info.metrics.validation);
        expect(await leakedTensors(() => again.forecast(rows, 3))).toBe(0);
        expect(await leakedTensors(() => evaluate(again, s))).toBe(0);
      } finally {
        again.dispose();
      }
    } finally {
      m.dispose();
    }
  });

  it('multivariate stock-like series, horizon 3: direct then recursive steps; abort stops training', async () => {
    const s = syntheticStockSeries(300, 2);
    const m = await SeriesForecaster.fit(s, {
      target: 'Close',
      features: ['Open', 'High', 'Low', 'Volume', 'Close'],
      window: 5,
      horizon: 3,
      epochs: 2,
      units: 8,
    });
    try {
      expect(m.info.features).toEqual(['Open', 'High', 'Low', 'Volume', 'Close']);
      const rows = m.rowsOf(s);
      const direct = m.predictOrigins(m.columnsOf(s), [s.rows - 1]);
      const f = m.forecast(rows, 7);
      expect(f).toHaveLength(7);
      expect(f.slice(0, 3)).toEqual(Array.from(direct));
      expect(f.every(Number.isFinite)).toBe(true);
      expect(() => m.forecast(rows.slice(0, 2), 1)).toThrow(/at least 5 rows/);
      expect(() => m.forecast([...rows.slice(0, -1), { Close: 1 }], 1)).toThrow(/rows\[4\]\.Open must be a finite number/);
    } finally {
      m.dispose();
    }
    const ac = new AbortController();
    const p = SeriesForecaster.fit(
      syntheticTrendSeasonal(200, 1),
      { target: 'value', season: 12, epochs: 50 },
      { signal: ac.signal, onEpoch: () => ac.abort() },
    );
    await expect(p).rejects.toThrow(/abort/i);
  });
});
