import { describe, expect, it } from 'vitest';
import { naive2Verdict, type ScoredUnit } from './verdict.js';

/** Units whose errors are Naive2's times `ratio`, with some spread across series. */
function units(n: number, ratio: (i: number) => number): { model: ScoredUnit[]; naive2: ScoredUnit[] } {
  const naive2 = Array.from({ length: n }, (_, i) => ({ smape: 10 + (i % 7), mase: 1 + (i % 5) / 4 }));
  const model = naive2.map((u, i) => ({ smape: u.smape * ratio(i), mase: u.mase * ratio(i) }));
  return { model, naive2 };
}

describe('naive2Verdict', () => {
  it('calls a consistent gain better and a consistent loss worse, with a band around the OWA', () => {
    const good = units(100, () => 0.8);
    const g = naive2Verdict(good.model, good.naive2);
    expect(g.verdict).toBe('better');
    expect(g.owa).toBeCloseTo(0.8, 10);
    const bad = units(100, (i) => 1.2 + (i % 3) * 0.1);
    const b = naive2Verdict(bad.model, bad.naive2);
    expect(b.verdict).toBe('worse');
    expect(b.low).toBeLessThanOrEqual(b.owa);
    expect(b.high).toBeGreaterThanOrEqual(b.owa);
  });

  it('finds no measurable difference where series win and lose about equally', () => {
    // Half the series 30% better, half 30% worse: OWA near 1, the band straddles it.
    const mixed = units(40, (i) => (i % 2 === 0 ? 0.7 : 1.32));
    const m = naive2Verdict(mixed.model, mixed.naive2);
    expect(m.verdict).toBe('same');
    expect(m.low).toBeLessThan(1);
    expect(m.high).toBeGreaterThan(1);
  });

  it("is Naive2's own forecast: exactly 1, no difference", () => {
    const same = units(10, () => 1);
    expect(naive2Verdict(same.model, same.naive2)).toEqual({ verdict: 'same', owa: 1, low: 1, high: 1 });
  });

  it('one bad series among many moves OWA above 1 but not beyond the band', () => {
    const one = units(60, (i) => (i === 0 ? 8 : 0.97));
    const o = naive2Verdict(one.model, one.naive2);
    expect(o.owa).toBeGreaterThan(1);
    expect(o.verdict).toBe('same');
  });
});
