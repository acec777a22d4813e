import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { errorOf } from '@seqcast/core/testing';
import { readCsv, type Series } from './read.js';
import { makeWindows, prepareWindows, splitChronological } from './windows.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const STOCK = path.resolve(REPO, '../shared/data/stock_daily.csv');
const tmp = mkdtempSync(path.join(tmpdir(), 'seqcast-windows-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** rows 0..n-1: a = i, b = 100 + i. */
function ramp(n: number): { values: Record<string, Float64Array> } {
  return { values: { a: Float64Array.from({ length: n }, (_, i) => i), b: Float64Array.from({ length: n }, (_, i) => 100 + i) } };
}

describe('makeWindows', () => {
  it('multivariate windows are views into one row-major matrix; targets follow the window', () => {
    const w = makeWindows(ramp(10), { window: 3, features: ['a', 'b'], target: 'a' });
    expect(w.xShape).toEqual([7, 3, 2]);
    expect(w.yShape).toEqual([7, 1]);
    expect(Array.from(w.x(2))).toEqual([2, 102, 3, 103, 4, 104]);
    expect(w.x(2).buffer).toBe(w.matrix.buffer); // a view, not a copy
    expect(Array.from(w.y)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    const b = w.batch(5, 7);
    expect(Array.from(b)).toEqual([...w.x(5), ...w.x(6)]);
  });

  it('horizon and stride', () => {
    const w = makeWindows(ramp(12), { window: 4, horizon: 3, stride: 2, features: ['b'], target: 'a' });
    expect(Array.from(w.starts)).toEqual([0, 2, 4]);
    expect(Array.from(w.y)).toEqual([4, 5, 6, 6, 7, 8, 8, 9, 10]);
  });

  it('fewer rows than one window is a one-line error', () => {
    expect(errorOf(() => makeWindows(ramp(3), { window: 3, target: 'a' }))).toBe(
      'BAD_INPUT: the series has 3 rows, fewer than one window needs (window 3 + horizon 1 = 4)',
    );
    expect(errorOf(() => makeWindows(ramp(9), { window: 3, horizon: 0, target: 'a' }))).toBe('BAD_ARGUMENT: horizon must be an integer >= 1 (received 0)');
    expect(errorOf(() => makeWindows(ramp(9), { window: 3, target: 'Close' }))).toBe('BAD_ARGUMENT: unknown target column "Close" (available: a, b)');
  });
});

describe('splitChronological', () => {
  it("reproduces the lecture's train_size and train_size - seq_length", () => {
    const sp = splitChronological(732, { train: 0.7, validation: 0, window: 7 });
    expect(sp.trainEnd).toBe(512);
    expect(sp.validation).toBeNull();
    expect(sp.test.inputs).toEqual({ start: 505, end: 732 });
    expect(sp.test.targets).toEqual({ start: 512, end: 732 });
  });

  it('a training part smaller than one window is an error', () => {
    expect(errorOf(() => splitChronological(10, { window: 7, train: 0.5 }))).toMatch(
      /^BAD_INPUT: the training part has 5 of 10 rows, fewer than one window needs/,
    );
  });
});

describe('prepareWindows', () => {
  it('validation and test windows look back into earlier rows for inputs but predict only their own rows', () => {
    const s = { ...ramp(100), columns: ['a', 'b'], rows: 100 };
    const p = prepareWindows(s, { target: 'a', window: 5, train: 0.6, validation: 0.2, scaler: 'none' });
    expect(p.split.trainEnd).toBe(60);
    expect(p.split.validationEnd).toBe(80);
    // Training targets stay below trainEnd.
    expect(p.train.starts[p.train.count - 1]! + 5).toBe(59);
    // First validation window starts 5 rows before trainEnd, its target is row 60.
    expect(p.validation!.starts[0]).toBe(55);
    expect(p.validation!.y[0]).toBe(60);
    expect(p.test.starts[0]).toBe(75);
    expect(p.test.y[0]).toBe(80);
    expect(p.test.y[p.test.count - 1]).toBe(99);
  });

  it('missing values and unknown columns are refused', async () => {
    const s = await readCsv({ text: 'a,b\n1,2\n,3\n4,5\n' }, { missing: 'keep' });
    expect(errorOf(() => prepareWindows(s, { target: 'a', window: 1 }))).toBe(
      'BAD_INPUT: column "a" has missing values (row 1); read the CSV with missing: drop or ffill',
    );
    expect(errorOf(() => prepareWindows(s, { target: 'Close', window: 1 }))).toBe('BAD_ARGUMENT: unknown column "Close" (available: a, b)');
  });

  it('leak-free: changing only test rows leaves the fitted scaler and the training windows unchanged', async () => {
    const series = await readCsv({ path: STOCK }, { newestFirst: true });
    const opts = { target: 'Close', window: 7, horizon: 2, train: 0.7, validation: 0.1 } as const;
    const base = prepareWindows(series, opts);
    const testStart = base.split.validationEnd;

    // Same series, every test row replaced by wild values far outside the training range.
    const changed: Series = { ...series, values: {} };
    for (const c of series.columns) {
      const v = Float64Array.from(series.values[c]!);
      for (let i = testStart; i < v.length; i++) v[i] = v[i]! * 10 + 12345;
      changed.values[c] = v;
    }
    const after = prepareWindows(changed, opts);
    expect(after.scaler!.toJSON()).toEqual(base.scaler!.toJSON());
    expect(after.train.count).toBe(base.train.count);
    expect(after.train.batch(0, after.train.count)).toEqual(base.train.batch(0, base.train.count));
    expect(after.train.y).toEqual(base.train.y);
    expect(after.validation!.y).toEqual(base.validation!.y);
    // ...while the test windows did see the change (so the comparison above is not vacuous).
    expect(after.test.y).not.toEqual(base.test.y);

    // Control: changing ONE training row does move the scaler.
    const trainChanged: Series = { ...series, values: { ...series.values, Close: Float64Array.from(series.values.Close!) } };
    trainChanged.values.Close![0] = 10_000;
    expect(prepareWindows(trainChanged, opts).scaler!.toJSON()).not.toEqual(base.scaler!.toJSON());
  });

  it('scaled training windows lie in [0, 1]; the scaler inverts the test targets to prices', async () => {
    const series = await readCsv({ path: STOCK }, { newestFirst: true });
    const p = prepareWindows(series, { target: 'Close', features: ['Open', 'High', 'Low', 'Volume', 'Close'], window: 7, validation: 0 });
    const x = p.train.batch(0, p.train.count);
    expect(Math.min(...x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...x)).toBeLessThanOrEqual(1 + 1e-6);
    expect(p.train.xShape).toEqual([505, 7, 5]);
    const last = p.scaler!.inverseValue('Close', p.test.y[p.test.count - 1]!);
    expect(last).toBeCloseTo(series.values.Close![series.rows - 1]!, 3);
  });
});

describe('small files end to end', () => {
  it('fewer rows than one window: a one-line error saying how many rows a window needs', async () => {
    const p = path.join(tmp, 'short.csv');
    writeFileSync(p, 'Date,Close\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n2020-01-04,4\n');
    const s = await readCsv({ path: p });
    expect(errorOf(() => prepareWindows(s, { target: 'Close', window: 7 }))).toBe(
      'BAD_INPUT: the series has 4 rows, fewer than one window needs (window 7 + horizon 1 = 8)',
    );
    expect(errorOf(() => makeWindows(s, { target: 'Close', window: 4 }))).toBe(
      'BAD_INPUT: the series has 4 rows, fewer than one window needs (window 4 + horizon 1 = 5)',
    );
  });

  it('a constant column scales to a constant, never NaN/Infinity', async () => {
    const p = path.join(tmp, 'flat.csv');
    const lines = ['x,flat'];
    for (let i = 0; i < 40; i++) lines.push(`${i},5`);
    writeFileSync(p, lines.join('\r\n'));
    const s = await readCsv({ path: p });
    for (const scaler of ['minmax', 'standard'] as const) {
      const prep = prepareWindows(s, { target: 'x', window: 3, scaler });
      expect(prep.scaled.flat!.every((v) => v === 0)).toBe(true);
      expect(prep.train.batch(0, prep.train.count).every(Number.isFinite)).toBe(true);
      expect(prep.scaler!.inverseValue('flat', 0)).toBe(5);
    }
  });
});
