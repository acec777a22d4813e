import { describe, expect, it } from 'vitest';
import { readCsv } from './read.js';
import { describeSeries, toDataFrame } from './describe.js';
import { formatInspection, inspectCsv } from './inspect.js';
import { sampleCsv } from './samples.js';

describe('describeSeries', () => {
  it('danfo and typed-array statistics agree, NaN cells skipped', async () => {
    const s = await readCsv({ text: 'Date,a,b\n2020-01-01,1,10\n2020-01-02,,20\n2020-01-03,4,60\n' }, { missing: 'keep' });
    const viaDanfo = await describeSeries(s, { engine: 'danfo' });
    const typed = await describeSeries(s, { engine: 'typed' });
    expect(viaDanfo).toEqual(typed);
    expect(typed.a).toEqual({ min: 1, max: 4, mean: 2.5, count: 2 });
    expect(typed.b).toEqual({ min: 10, max: 60, mean: 30, count: 3 });
  });

  it('agrees on the stock file', async () => {
    const s = await readCsv({ text: sampleCsv('stock-daily') });
    const a = await describeSeries(s, { engine: 'danfo' });
    const b = await describeSeries(s, { engine: 'typed' });
    for (const c of s.columns) {
      expect(a[c]!.min).toBe(b[c]!.min);
      expect(a[c]!.max).toBe(b[c]!.max);
      expect(a[c]!.mean).toBeCloseTo(b[c]!.mean, 6);
    }
  });

  it('toDataFrame indexes rows by date', async () => {
    const s = await readCsv({ text: sampleCsv('monthly-sales') });
    const df = await toDataFrame(s);
    expect(df.shape).toEqual([108, 1]);
    expect(df.index[0]).toBe('1960-01');
    expect(df.columns).toEqual(['Sales']);
  });
});

describe('inspectCsv', () => {
  it('reports missing cells with file lines instead of failing, and formats them', async () => {
    const r = await inspectCsv({ text: '# Open,Close\n1,2\n,3\n4,\n' });
    expect(r.rows).toBe(3);
    expect(r.columns).toEqual(['Open', 'Close']);
    expect(r.missing).toEqual([
      { column: 'Open', line: 3 },
      { column: 'Close', line: 4 },
    ]);
    expect(r.stats.Open).toEqual({ min: 1, max: 4, mean: 2.5 });
    const text = formatInspection(r).join('\n');
    expect(text).toContain('missing     2 cell(s): Open@3, Close@4');
    expect(text).toContain('commented header');
  });
});
