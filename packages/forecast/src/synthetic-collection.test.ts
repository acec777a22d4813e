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
});
