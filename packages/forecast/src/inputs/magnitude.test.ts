// Break 4 (issue 28): history a forecast would overflow on is refused on every forecast path, and
// a forecast that is not finite is an error naming its series, never nulls or zeros.
import { isSeqcastError } from '@seqcast/core';
import type { Panel } from '@seqcast/data';
import { describe, expect, it } from 'vitest';
import { GlobalForecaster } from '../models/global/forecaster.js';
import { SeriesForecaster } from '../models/series-forecaster.js';
import { makeSeries } from '../series.js';
import { gaussian } from '../synthetic.js';
import { checkFiniteForecasts } from './magnitude.js';

async function error(p: Promise<unknown> | (() => unknown)): Promise<Error & { code?: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (isSeqcastError(e)) return e;
    throw e;
  }
  throw new Error('expected a SeqcastError');
}

function walks(n: number, length: number, seed: number): Panel {
  const g = gaussian(seed);
  const series = Array.from({ length: n }, (_, i) => {
    const values = new Float64Array(length);
    let v = 100 + i;
    for (let t = 0; t < length; t++) values[t] = v += 0.5 + g();
    return { id: `s${i}`, values, times: null, features: {}, lines: null };
  });
  return { source: 'walks', target: 'y', idColumn: 'id', timeColumn: null, features: [], series };
}

describe('break 4: forecasts from values near the float64 limit', () => {
  it('a panel forecast refuses history beyond ±1e300, naming the series and its file line', async () => {
    const panel = walks(12, 60, 5);
    const model = new GlobalForecaster({ horizon: 3, steps: 2, units: 8, batchSize: 16, seed: 3 });
    try {
      await model.fit(panel, { horizon: 3, season: 1 });
      const huge = Float64Array.from({ length: 20 }, (_, t) => 3e307 * (1 + t / 100));
      const request = { ...panel, source: 'request', series: [{ id: 'huge', values: huge, times: null, features: {}, lines: null }] };
      const e = await error(model.forecast(request, 3));
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message).toBe('series[0]: value 1 of series "huge" is 3e+307, beyond ±1e300, where a forecast would overflow');
      const file = { ...request, source: 'big.csv', series: [{ ...request.series[0]!, lines: Int32Array.from({ length: 20 }, (_, t) => t + 2) }] };
      expect((await error(model.forecast(file, 3))).message).toMatch(/^big\.csv:2: value 1 of series "huge"/);
      // Just inside the limit the forecast is finite and on the series' scale.
      const near = Float64Array.from({ length: 20 }, (_, t) => 1e299 * (1 + t / 100));
      const [f] = await model.forecast({ ...request, series: [{ ...request.series[0]!, values: near }] }, 3);
      for (const v of [...f!.values, ...f!.intervals!['95'].lower, ...f!.intervals!['95'].upper]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(1e298);
      }
    } finally {
      model.dispose();
    }
  });

  it('a forecast or interval bound that is not finite is an error naming the series and the step', async () => {
    const ok = { id: 'a', values: [1, 2], intervals: { '80': { lower: [0, 1], upper: [2, 3] }, '95': { lower: [0, 1], upper: [2, 3] } } };
    expect(() => checkFiniteForecasts([ok])).not.toThrow();
    const e = await error(() => checkFiniteForecasts([ok, { ...ok, id: 'b', intervals: { ...ok.intervals, '95': { lower: [0, NaN], upper: [2, 3] } } }]));
    expect(e.message).toBe(
      'series "b": 95% interval lower bound step 2 overflowed (not a finite number); its values are far outside the range the model was trained on',
    );
    expect((e as unknown as { details: { where: string } }).details.where).toBe('series[1]');
  });

  it('the one-series forecast refuses such rows the same way', async () => {
    const g = gaussian(2);
    let v = 100;
    const model = await SeriesForecaster.fit(makeSeries({ y: Float64Array.from({ length: 200 }, () => (v += g())) }), { target: 'y', window: 4, epochs: 0 });
    try {
      const rows = Array.from({ length: 4 }, () => ({ y: 3e307 }));
      const e = await error(() => model.forecast(rows, 1));
      expect(e.message).toBe('rows[0].y is 3e+307, beyond ±1e300, where a forecast would overflow');
      expect(model.forecast([{ y: 1e299 }, { y: 1e299 }, { y: 1e299 }, { y: 1e299 }], 1)[0]).toBeGreaterThan(1e298);
    } finally {
      model.dispose();
    }
  });
});
