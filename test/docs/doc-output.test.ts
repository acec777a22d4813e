import { describe, expect, it } from 'vitest';
import { matchesDoc } from './doc-output.js';

describe('documented outputs', () => {
  it('pin result numbers within a tolerance that survives a change of ISA, and still catch a wrong one', () => {
    const doc = 'loss 0.2289, accuracy 0.994, 500 epochs, {"p":0.9999…}';
    expect(matchesDoc('loss 0.2291, accuracy 0.993, 500 epochs, {"p":0.99987}', doc)).toBeNull();
    expect(matchesDoc('loss 0.2501, accuracy 0.994, 500 epochs, {"p":0.99987}', doc)).toMatch(/0\.2501 where the doc shows 0\.2289/);
    expect(matchesDoc('loss 0.2289, accuracy 0.994, 499 epochs, {"p":0.99987}', doc)).toMatch(/does not match/);
  });

  it('forecasts of five or more digits move with the kernels; counts and dates do not', () => {
    const doc = '108 rows of Sales, 1960-01 .. 1968-12\nnext 3 months: 13818, 13356, 18332';
    expect(matchesDoc('108 rows of Sales, 1960-01 .. 1968-12\nnext 3 months: 13820, 13351, 18332', doc)).toBeNull();
    expect(matchesDoc('108 rows of Sales, 1960-01 .. 1968-12\nnext 3 months: 14818, 13356, 18332', doc)).toMatch(/14818 where/);
    expect(matchesDoc('107 rows of Sales, 1960-01 .. 1968-12\nnext 3 months: 13818, 13356, 18332', doc)).toMatch(/does not match/);
    expect(matchesDoc('108 rows of Sales, 1961-01 .. 1968-12\nnext 3 months: 13818, 13356, 18332', doc)).toMatch(/does not match/);
  });
});
