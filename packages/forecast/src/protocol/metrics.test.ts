import { describe, expect, it } from 'vitest';
import { allMetrics, mae, mape, mase, maseScale, rmse, smape } from './metrics.js';

describe('metrics (hand-computed)', () => {
  const actual = [10, 20, 0, 40];
  const pred = [12, 18, 1, 36];
  // errors: 2, -2, 1, -4
  it('rmse and mae', () => {
    expect(rmse(actual, pred)).toBeCloseTo(Math.sqrt((4 + 4 + 1 + 16) / 4), 12);
    expect(mae(actual, pred)).toBeCloseTo((2 + 2 + 1 + 4) / 4, 12);
  });
  it('mape skips rows whose actual value is 0', () => {
    expect(mape(actual, pred)).toBeCloseTo((100 * (2 / 10 + 2 / 20 + 4 / 40)) / 3, 12);
    expect(Number.isNaN(mape([0, 0], [1, 2]))).toBe(true);
  });
  it('smape in percent, both-zero rows count as zero error', () => {
    const expected = (200 * (2 / 22) + 200 * (2 / 38) + 200 * (1 / 1) + 200 * (4 / 76)) / 4;
    expect(smape(actual, pred)).toBeCloseTo(expected, 12);
    expect(smape([0, 10], [0, 10])).toBe(0);
  });
  it('mase divides MAE by the given scale and demands one', () => {
    expect(mase(actual, pred, { scale: 1.5 })).toBeCloseTo(2.25 / 1.5, 12);
    expect(() => mase(actual, pred)).toThrow(/scale/);
  });
  it('maseScale is the in-sample MAE of the (seasonal) naive forecast', () => {
    expect(maseScale([1, 3, 2, 6], 1)).toBeCloseTo((2 + 1 + 4) / 3, 12);
    expect(maseScale([1, 2, 3, 5, 4, 9], 3)).toBeCloseTo((4 + 2 + 6) / 3, 12);
    expect(() => maseScale([1, 2], 2)).toThrow(/more than 2 training rows/);
  });
  it('allMetrics bundles the five; length mismatch is an error', () => {
    const m = allMetrics(actual, pred, 2);
    expect(Object.keys(m).sort()).toEqual(['mae', 'mape', 'mase', 'rmse', 'smape']);
    expect(m.mase).toBeCloseTo(2.25 / 2, 12);
    expect(() => rmse([1, 2], [1])).toThrow(/2 values but predicted has 1/);
  });
});
