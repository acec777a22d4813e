import { describe, expect, it } from 'vitest';
import { isSeqcastError } from '@seqcast/core';
import { readPanelCsv, type ReadPanelOptions } from './panel.js';

/** The one-line error a user would see, or 'no error'. */
async function errorOf(text: string, options: ReadPanelOptions): Promise<string> {
  try {
    await readPanelCsv({ text }, options);
  } catch (e) {
    if (isSeqcastError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

const read = (text: string, options: ReadPanelOptions) => readPanelCsv({ text }, options);

describe('readPanelCsv', () => {
  it('groups a long file by id, orders each series by integer time, keeps file lines and features', async () => {
    const p = await read('id,t,y,x\nb,2,20,0.2\na,1,1,0.1\nb,1,10,0.1\na,3,3,0.3\na,2,2,0.2\n', {
      idColumn: 'id',
      timeColumn: 't',
      target: 'y',
      features: ['x'],
    });
    expect(p.series.map((s) => s.id)).toEqual(['b', 'a']);
    const [b, a] = p.series;
    expect(Array.from(a!.values)).toEqual([1, 2, 3]);
    expect(a!.times).toEqual(['1', '2', '3']);
    expect(Array.from(a!.lines!)).toEqual([3, 6, 5]);
    expect(Array.from(a!.features.x!)).toEqual([0.1, 0.2, 0.3]);
    expect(Array.from(b!.values)).toEqual([10, 20]);
    expect(p.timeColumn).toBe('t');
  });

  it('orders by dates (integer order would be wrong: "2024-01-10" < "2024-01-9" as text)', async () => {
    const p = await read('store,date,sales\nx,2024-01-10,10\nx,2024-01-09,9\nx,2024-01-08,8\n', { idColumn: 'store', timeColumn: 'date', target: 'sales' });
    expect(Array.from(p.series[0]!.values)).toEqual([8, 9, 10]);
  });

  it('detects a date column when no time column is given', async () => {
    const p = await read('id,Date,v\na,2020-03-01,3\na,2020-01-01,1\nb,2020-02-01,5\na,2020-02-01,2\n', { idColumn: 'id', target: 'v' });
    expect(p.timeColumn).toBe('Date');
    expect(Array.from(p.series.find((s) => s.id === 'a')!.values)).toEqual([1, 2, 3]);
  });

  it('orders by month-name dates, given or detected (a stock file laid out as "Jan 1 2000")', async () => {
    const text = 'symbol,date,price\nMSFT,Feb 1 2000,36.35\nMSFT,Jan 1 2000,39.81\nIBM,Jan 1 2000,100.52\nMSFT,Mar 1 2000,43.22\n';
    for (const timeColumn of ['date', undefined]) {
      const p = await read(text, { idColumn: 'symbol', target: 'price', ...(timeColumn ? { timeColumn } : {}) });
      expect(p.timeColumn).toBe('date');
      expect(Array.from(p.series.find((s) => s.id === 'MSFT')!.values)).toEqual([39.81, 36.35, 43.22]);
    }
  });

  it('reads a file with no id column as one series named after the file', async () => {
    const p = await read('Month,Sales\n1960-01,5\n1960-02,6\n', { target: 'Sales' });
    expect(p.series).toHaveLength(1);
    expect(p.series[0]!.id).toBe('<text>');
    expect(Array.from(p.series[0]!.values)).toEqual([5, 6]);
  });

  it('series of unequal lengths stay unequal', async () => {
    const p = await read('id,y\na,1\na,2\na,3\nb,7\n', { idColumn: 'id', timeColumn: null, target: 'y' });
    expect(p.series.map((s) => s.values.length)).toEqual([3, 1]);
  });

  it('a duplicate (id, time) is a one-line error naming both lines', async () => {
    expect(await errorOf('id,t,y\na,1,1\nb,1,5\na,2,2\na,1,9\n', { idColumn: 'id', timeColumn: 't', target: 'y' })).toBe(
      'BAD_INPUT: <text>:5: series "a" has time "1" twice (also line 2)',
    );
  });

  it('a non-numeric target cell names its line and column', async () => {
    expect(await errorOf('id,t,y\na,1,1\na,2,abc\n', { idColumn: 'id', timeColumn: 't', target: 'y' })).toBe(
      'BAD_INPUT: <text>:3: column "y": "abc" is not a number',
    );
  });

  it('a missing cell fails by default; ffill carries within the series only; drop removes the row', async () => {
    const text = 'id,t,y\na,1,1\na,2,\nb,1,\nb,2,4\n';
    expect(await errorOf(text, { idColumn: 'id', timeColumn: 't', target: 'y' })).toBe(
      'BAD_INPUT: <text>:3: column "y" has a missing cell in series "a" (choose missing: drop or ffill)',
    );
    const f = await read(text, { idColumn: 'id', timeColumn: 't', target: 'y', missing: 'ffill' });
    // b's leading gap has nothing of b's own to carry: the row is dropped, not filled with a's 1.
    expect(f.series.map((s) => Array.from(s.values))).toEqual([[1, 1], [4]]);
    const d = await read(text, { idColumn: 'id', timeColumn: 't', target: 'y', missing: 'drop' });
    expect(d.series.map((s) => Array.from(s.lines!))).toEqual([[2], [5]]);
  });

  it('a series too short is skipped with a warning, or fatal when asked', async () => {
    const text = 'id,y\na,1\na,2\na,3\nb,7\n';
    const p = await read(text, { idColumn: 'id', timeColumn: null, target: 'y', minRows: 3, minRowsReason: 'window 2 + horizon 1' });
    expect(p.series.map((s) => s.id)).toEqual(['a']);
    expect(p.skipped).toEqual([{ id: 'b', rows: 1, line: 5 }]);
    expect(p.warnings).toEqual(['<text>: skipped 1 series shorter than 3 rows (window 2 + horizon 1): "b" (1 rows, line 5)']);
    expect(await errorOf(text, { idColumn: 'id', timeColumn: null, target: 'y', minRows: 3, minRowsReason: 'window 2 + horizon 1', short: 'error' })).toBe(
      'BAD_INPUT: <text>:5: series "b" has 1 rows but needs at least 3 (window 2 + horizon 1); pass short: skip to leave such series out',
    );
  });

  it('an unusable time cell names its line', async () => {
    expect(await errorOf('id,when,y\na,2020-01-01,1\na,soon,2\n', { idColumn: 'id', timeColumn: 'when', target: 'y' })).toBe(
      'BAD_INPUT: <text>:3: time column "when": "soon" is neither a date nor an integer (choose missing: drop to skip such rows)',
    );
  });

  it('a time column with no date in it lists the date layouts instead of advising to drop every row', async () => {
    expect(await errorOf('id,when,y\na,soon,1\na,later,2\n', { idColumn: 'id', timeColumn: 'when', target: 'y' })).toBe(
      'BAD_INPUT: <text>:2: time column "when": "soon" is neither a date nor an integer (no cell of the column is a date seqcast reads, e.g. 2020-01-31, 2020-01-31 09:30, 31.01.2020, 1/31/2020, Jan 31 2020, 31-Jan-2020)',
    );
  });

  it('an unknown id column lists the columns', async () => {
    expect(await errorOf('id,y\na,1\n', { idColumn: 'store', target: 'y' })).toBe('BAD_ARGUMENT: unknown column "store" in <text> (available: id, y)');
  });

  it("categorical 'auto' reads the text features as levels and codes (the numeric ones as numbers), and refuses a text target", async () => {
    const p = await readPanelCsv(
      { text: 'id,t,type,promo,y\na,1,big,0,5\na,2,big,1,9\nb,1,small,0,2\nb,2,small,0,3\n' },
      { idColumn: 'id', timeColumn: 't', target: 'y', features: ['type', 'promo'], categorical: 'auto' },
    );
    expect(p.categoricalLevels).toEqual({ type: ['big', 'small'] });
    expect(Array.from(p.series[1]!.categorical!.type!)).toEqual([1, 1]);
    expect(Array.from(p.series[0]!.features.promo!)).toEqual([0, 1]);
    expect(await errorOf('id,y,x\na,up,1\n', { idColumn: 'id', target: 'y', features: ['x'], categorical: 'auto' })).toBe(
      'BAD_INPUT: <text>: target column "y" holds text, not numbers',
    );
  });
});
