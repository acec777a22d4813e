// Break 3 (issue 28): a long series fits without overflowing the call stack, and the training
// memory budget bounds the rows of a fit before any of its arrays exist.
import { isSeqcastError, TRAINING_MEMORY_ENV } from '@seqcast/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SeriesForecaster } from './series-forecaster.js';
import { checkFitRows, forecastFitBytesPerRow, forecastFitMaxRows } from './fit-memory.js';
import { makeSeries } from '../series.js';
import { gaussian } from '../synthetic.js';

function randomWalk(rows: number, seed: number): Float64Array {
  const g = gaussian(seed);
  const y = new Float64Array(rows);
  let v = 100;
  for (let i = 0; i < rows; i++) y[i] = v += 0.5 * g();
  return y;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('break 3: long series and the training memory budget', () => {
  it('a 300,000-row series fits (no argument list as long as the series)', async () => {
    const series = makeSeries({ Close: randomWalk(300_000, 3) });
    const model = await SeriesForecaster.fit(series, { target: 'Close', window: 2, horizon: 1, epochs: 0 });
    try {
      expect(model.info.rows).toBe(300_000);
      expect(model.info.linear.paths).toHaveLength(1);
    } finally {
      model.dispose();
    }
  }, 60_000);

  it('rows over the budget are TOO_LARGE naming the budget variable, before the design is built', async () => {
    vi.stubEnv(TRAINING_MEMORY_ENV, '1');
    const shape = { window: 20, horizon: 5, season: 1, features: 1 };
    const max = forecastFitMaxRows(shape, 2 ** 20);
    expect(max).toBe(Math.floor(2 ** 20 / forecastFitBytesPerRow(shape)));
    const series = makeSeries({ Close: randomWalk(max + 1, 4) }, null, 'big.csv');
    let error: unknown;
    try {
      await SeriesForecaster.fit(series, { target: 'Close', window: 20, horizon: 5, epochs: 1 });
    } catch (e) {
      error = e;
    }
    expect(isSeqcastError(error) && error.code).toBe('TOO_LARGE');
    expect((error as Error).message).toBe(
      `big.csv: ${max + 1} rows are over the ${max} that fit the 1 MiB training memory budget at about ${forecastFitBytesPerRow(shape)} bytes a row ` +
        `for window 20, 1 feature, horizon 5; train on fewer rows or raise SEQCAST_TRAIN_MEMORY_MB`,
    );
    expect(() => checkFitRows(max, shape, 2 ** 20, 'ok.csv')).not.toThrow();
  });

  it('the cost per row grows with the window and the features', () => {
    const base = forecastFitBytesPerRow({ window: 20, horizon: 5, season: 1, features: 1 });
    expect(forecastFitBytesPerRow({ window: 40, horizon: 5, season: 1, features: 1 })).toBeGreaterThan(base);
    expect(forecastFitBytesPerRow({ window: 20, horizon: 5, season: 1, features: 3 })).toBeGreaterThan(base);
  });
});
