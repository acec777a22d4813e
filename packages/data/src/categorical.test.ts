import { describe, expect, it } from 'vitest';
import { isSeqcastError, type SeqcastError } from '@seqcast/core';
import { formatInspection, inspectCsv } from './inspect.js';
import { readPanelCsv } from './panel.js';
import { readCsv } from './read.js';
import { sampleCsv } from './samples.js';

async function fails(p: Promise<unknown>): Promise<SeqcastError> {
  try {
    await p;
  } catch (e) {
    if (isSeqcastError(e)) return e;
    throw e;
  }
  throw new Error('expected a SeqcastError');
}

const TEXT = 'Date,v,wind\n2020-01-01,1,NE\n2020-01-02,2,cv\n2020-01-03,3,NA\n2020-01-04,4,NE\n2020-01-05,5,SE\n';

describe('categorical columns', () => {
  it('named columns come back as sorted levels, codes and counts', async () => {
    const s = await readCsv({ text: TEXT }, { categorical: ['wind'], missing: 'keep' });
    expect(s.columns).toEqual(['v']);
    expect(s.categorical.wind!.levels).toEqual(['NE', 'SE', 'cv']);
    expect(Array.from(s.categorical.wind!.codes)).toEqual([0, 2, -1, 0, 1]);
    expect(s.categorical.wind!.counts).toEqual([2, 1, 1]);
    expect(s.missing).toEqual([{ column: 'wind', line: 4 }]);
    expect(s.ignored).toEqual([]);
  });

  it('missing cells follow the policy: error names the line, ffill carries the level, drop drops the row', async () => {
    const e = await fails(readCsv({ text: TEXT }, { categorical: ['wind'] }));
    expect(e.message).toBe('<text>:4: column "wind" has a missing cell (1 missing in all; choose missing: drop or ffill)');
    const f = await readCsv({ text: TEXT }, { categorical: ['wind'], missing: 'ffill' });
    expect(Array.from(f.categorical.wind!.codes)).toEqual([0, 2, 2, 0, 1]);
    const d = await readCsv({ text: TEXT }, { categorical: ['wind'], missing: 'drop' });
    expect(d.rows).toBe(4);
    expect(Array.from(d.values.v!)).toEqual([1, 2, 4, 5]);
    expect(d.dates).toEqual(['2020-01-01', '2020-01-02', '2020-01-04', '2020-01-05']);
    expect(Array.from(d.lines)).toEqual([2, 3, 5, 6]);
    expect(d.categorical.wind!.counts).toEqual([2, 1, 1]);
  });

  it("'auto' takes the text-only columns; without it they stay ignored", async () => {
    const s = await readCsv({ text: TEXT }, { categorical: 'auto', missing: 'keep' });
    expect(Object.keys(s.categorical)).toEqual(['wind']);
    const plain = await readCsv({ text: TEXT }, { missing: 'keep' });
    expect(plain.ignored).toEqual(['wind']);
    expect(plain.categorical).toEqual({});
  });

  it('inspect lists the wind direction with its level counts instead of "ignored"', async () => {
    const r = await inspectCsv({ text: sampleCsv('hourly-weather', { rows: 200 }) });
    expect(r.ignored).toEqual([]);
    expect(r.categorical.cbwd!.levels).toEqual(['NE', 'NW', 'SE', 'cv']);
    expect(r.categorical.cbwd!.counts.reduce((a, b) => a + b, 0)).toBe(200);
    const text = formatInspection(r).join('\n');
    expect(text).toMatch(/^categorical cbwd: 4 level\(s\): NE \d+, NW \d+, SE \d+, cv \d+$/m);
    expect(text).not.toContain('ignored');
  });

  it('panels return categorical features as codes per series with shared levels', async () => {
    const text = 'id,t,v,type\na,1,1,big\na,2,2,big\nb,1,3,small\nb,2,4,\n';
    const p = await readPanelCsv({ text }, { target: 'v', idColumn: 'id', timeColumn: 't', features: ['type'], categorical: ['type'], missing: 'ffill' });
    expect(p.categoricalLevels).toEqual({ type: ['big', 'small'] });
    expect(p.series.map((s) => Array.from(s.categorical!.type!))).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(p.series[0]!.features).toEqual({});
    const e = await fails(readPanelCsv({ text }, { target: 'v', idColumn: 'id', timeColumn: 't', features: ['type'], categorical: ['type'] }));
    expect(e.message).toBe('<text>:5: column "type" has a missing cell in series "b" (choose missing: drop or ffill)');
  });
});
