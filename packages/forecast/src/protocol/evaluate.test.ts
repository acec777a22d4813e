import { SeqcastError } from '@seqcast/core';
import { describe, expect, it } from 'vitest';
import { fitLinearAR, linearARForecasts } from '../baselines/one-step.js';
import { evaluate } from './evaluate.js';
import { SeriesForecaster } from '../models/series-forecaster.js';
import { maseScale } from './metrics.js';
import { makeSeries } from '../series.js';
import { syntheticTrendSeasonal } from '../synthetic.js';

describe('evaluation protocol', () => {
  it('scores every test row one step ahead; baselines on the same rows; MASE scale from training rows only', async () => {
    const s = syntheticTrendSeasonal(120, 4, { period: 6 });
    const model = await SeriesForecaster.fit(s, { target: 'value', season: 6, window: 7, epochs: 0 });
    try {
      const y = s.values.value!;
      const r = evaluate(model, s);
      const trainEnd = Math.floor(0.8 * 120);
      expect(r.trainRows).toBe(trainEnd);
      expect(r.firstRow).toBe(trainEnd);
      expect(r.rows).toBe(120 - trainEnd);
      expect(r.actual).toEqual(Array.from(y.subarray(trainEnd)));
      // naive = previous true value, seasonal naive = value m rows back (true history, no refit)
      r.predictions.naive.forEach((p, i) => expect(p).toBe(y[trainEnd + i - 1]));
      r.predictions.seasonalNaive!.forEach((p, i) => expect(p).toBe(y[trainEnd + i - 6]));
      const ar = fitLinearAR(y, 7, trainEnd);
      const origins = Array.from({ length: r.rows }, (_, i) => trainEnd + i - 1);
      expect(r.predictions.linear).toEqual(Array.from(linearARForecasts(ar, y, origins)));
      expect(r.scale).toBeCloseTo(maseScale(y.subarray(0, trainEnd), 6), 12);
      expect(r.metrics.naive.mase).toBeCloseTo(r.metrics.naive.mae / r.scale, 12);

      // Changing test rows must not change the scale (it comes from training rows only).
      const changed = Float64Array.from(y);
      for (let i = trainEnd; i < 120; i++) changed[i] = changed[i]! * 3 + 50;
      const r2 = evaluate(model, makeSeries({ value: changed }));
      expect(r2.scale).toBe(r.scale);
      expect(r2.metrics.model.mase).not.toBe(r.metrics.model.mase);
    } finally {
      model.dispose();
    }
  });

  it('too few rows is a one-line BAD_INPUT error', async () => {
    const s = makeSeries({ v: Array.from({ length: 15 }, (_, i) => i) });
    const err = await SeriesForecaster.fit(s, { target: 'v' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeqcastError);
    expect((err as SeqcastError).code).toBe('BAD_INPUT');
    expect((err as SeqcastError).message).toMatch(/15 rows are too few/);
  });

  it('an unknown target names the available columns', async () => {
    const s = makeSeries({ a: Array.from({ length: 100 }, (_, i) => Math.sin(i)) });
    await expect(SeriesForecaster.fit(s, { target: 'b' })).rejects.toThrow(/no numeric column "b" \(columns: a\)/);
  });
});
