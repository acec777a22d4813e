import { describe, expect, it } from 'vitest';
import { syntheticCollection } from './synthetic-collection.js';

describe('syntheticCollection', () => {
  it('weekly-structured: the same seed gives the same panel, lengths stay in range, values are non-negative', () => {
    const a = syntheticCollection(5, { series: 60, kind: 'weekly-structured', length: [80, 600], intermittent: 0 });
    const b = syntheticCollection(5, { series: 60, kind: 'weekly-structured', length: [80, 600], intermittent: 0 });
    const c = syntheticCollection(6, { series: 60, kind: 'weekly-structured', length: [80, 600], intermittent: 0 });
    expect(a.series.map((s) => Array.from(s.values))).toEqual(b.series.map((s) => Array.from(s.values)));
    expect(Array.from(a.series[0]!.values)).not.toEqual(Array.from(c.series[0]!.values));
    for (const s of a.series) {
      expect(s.values.length).toBeGreaterThanOrEqual(80);
      expect(s.values.length).toBeLessThanOrEqual(600);
      expect(Math.min(...s.values)).toBeGreaterThanOrEqual(0);
    }
  });

  it('yearly, quarterly, monthly, stocks and smooth: default lengths per frequency, positive values far from zero', () => {
    const ranges = { yearly: [13, 40], quarterly: [24, 120], monthly: [48, 300], stocks: [80, 1000], smooth: [16, 300] } as const;
    for (const [kind, [lo, hi]] of Object.entries(ranges)) {
      const p = syntheticCollection(9, { series: 40, kind: kind as keyof typeof ranges, intermittent: 0 });
      for (const s of p.series) {
        expect(s.values.length).toBeGreaterThanOrEqual(lo);
        expect(s.values.length).toBeLessThanOrEqual(hi);
        expect(Math.min(...s.values)).toBeGreaterThan(0);
      }
    }
  });

  it('quarterly: the seasonal profile repeats every 4 points (lag-4 differences smaller than lag-2 ones)', () => {
    const p = syntheticCollection(9, { series: 40, kind: 'quarterly', intermittent: 0 });
    let lag4 = 0;
    let lag2 = 0;
    for (const s of p.series) {
      for (let t = 4; t < s.values.length; t++) lag4 += Math.abs(Math.log(s.values[t]! / s.values[t - 4]!));
      for (let t = 4; t < s.values.length; t++) lag2 += Math.abs(Math.log(s.values[t]! / s.values[t - 2]!));
    }
    expect(lag4).toBeLessThan(0.7 * lag2);
  });

  it('smooth: the trend carries on (the last 8 points follow the recent slope better than the last value)', () => {
    const p = syntheticCollection(9, { series: 100, kind: 'smooth', intermittent: 0 });
    let trendWins = 0;
    for (const s of p.series) {
      const n = s.values.length - 8;
      const last = s.values[n - 1]!;
      const span = Math.min(n - 1, 24);
      const slope = (last - s.values[n - 1 - span]!) / span;
      let flat = 0;
      let trend = 0;
      for (let h = 1; h <= 8; h++) {
        flat += Math.abs(s.values[n - 1 + h]! - last);
        trend += Math.abs(s.values[n - 1 + h]! - (last + h * slope));
      }
      if (trend < flat) trendWins++;
    }
    expect(trendWins).toBeGreaterThan(65);
  });
});
