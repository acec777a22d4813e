import { seededRandom } from '@seqcast/core';
import { describe, expect, it } from 'vitest';
import { calibrateWidth, type IntervalCase } from './validation.js';

/** A case around median 0 with raw bounds ±1 whose actual value needs factor `need` to be covered. */
function needing(need: number, up: boolean): IntervalCase {
  return { actual: up ? need : -need, median: 0, lower: -1, upper: 1 };
}

describe('calibrateWidth', () => {
  it('covers the level on new cases, not only on the cases it was chosen on (finite-sample rank)', () => {
    // 20 calibration cases and one new case from the same distribution, many times over: the
    // plain 95% quantile of 20 needs (the 19th) covers a new case 19/21 = 90.5% of the time.
    const rand = seededRandom(5);
    const draw = () => needing(0.5 + 2 * rand(), rand() < 0.5);
    let covered = 0;
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      const k = calibrateWidth(Array.from({ length: 20 }, draw), 0.95);
      const fresh = draw();
      if (Math.abs(fresh.actual) <= k) covered++;
    }
    expect(covered / trials).toBeGreaterThanOrEqual(0.94);
    expect(covered / trials).toBeLessThan(0.97);
  });

  it('takes the ⌈(n + 1)·level⌉-th smallest need', () => {
    const cases = [0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3, 1.4, 1.5].map((n, i) => needing(n, i % 2 === 0));
    // n = 10: rank ⌈11 · 0.8⌉ = 9 → 1.4 (the plain quantile's rank 8 would give 1.3).
    expect(calibrateWidth(cases, 0.8)).toBeCloseTo(1.4, 12);
  });

  it('with fewer cases than the level can be certified with, widens to the largest need instead of keeping the raw widths', () => {
    // 12 cases (one series, H = 12), each needing twice the raw width: factor 1 would cover none.
    const cases = Array.from({ length: 12 }, (_, i) => needing(2 + i / 100, i % 2 === 0));
    expect(calibrateWidth(cases, 0.95)).toBeCloseTo(2.11, 12);
    expect(calibrateWidth([], 0.95)).toBe(1);
  });

  it('never shrinks below a third, and widens as far as the stretch needs (no cap that would undercover)', () => {
    expect(
      calibrateWidth(
        Array.from({ length: 40 }, () => needing(0.01, true)),
        0.8,
      ),
    ).toBeCloseTo(1 / 3, 12);
    // A network whose widths are 50× too narrow: a factor of 5 would cover none of these points;
    // rank ⌈41 · 0.8⌉ = 33 of the needs 50..89 is 82.
    expect(
      calibrateWidth(
        Array.from({ length: 40 }, (_, i) => needing(50 + i, false)),
        0.8,
      ),
    ).toBe(82);
  });

  it('a zero-width side the actual value falls on needs an infinite factor: the largest finite need stands in, or 1', () => {
    const zeroUpper = { actual: 1, median: 0, lower: -1, upper: 0 };
    expect(calibrateWidth([...Array.from({ length: 30 }, () => zeroUpper), needing(3, true), needing(2, false)], 0.8)).toBe(3);
    expect(
      calibrateWidth(
        Array.from({ length: 10 }, () => zeroUpper),
        0.8,
      ),
    ).toBe(1);
  });
});
