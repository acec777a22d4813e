// `seqcast forecast train` on its input, end to end through the built CLI: the training memory
// budget stops reading a long CSV (break 3 of issue 28), duplicate dates are refused with their
// file lines, and --features can name a column whose name has a comma.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forecastFitMaxRows } from '@seqcast/forecast';
import { runCli } from '../testing/run-cli.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'seqcast-forecast-input-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A random-walk CSV with the columns (Date,Open,High,Low,Volume,Close), minute bars. */
function walkCsv(rows: number, name: string, header = 'Date,Open,High,Low,Volume,Close'): string {
  const lines = [header];
  let c = 100;
  let seed = 7;
  const t0 = Date.UTC(2000, 0, 1);
  for (let i = 0; i < rows; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const o = c;
    c = Math.max(1, c + seed / 2147483648 - 0.5);
    const date = new Date(t0 + i * 60_000).toISOString().slice(0, 16) + 'Z';
    lines.push(`${date},${o.toFixed(2)},${(Math.max(o, c) + 0.1).toFixed(2)},${(Math.min(o, c) - 0.1).toFixed(2)},${1000 + (i % 50)},${c.toFixed(2)}`);
  }
  const file = path.join(tmp, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('break 3: forecast train stops reading at the training memory budget', () => {
  it('a CSV longer than the budget allows exits 3 at the first row over it, naming the budget variable', () => {
    const csv = walkCsv(20_000, 'long.csv');
    const max = forecastFitMaxRows({ window: 20, horizon: 5, season: 1, features: 1 }, 2 * 2 ** 20);
    expect(max).toBeLessThan(20_000);
    const out = path.join(tmp, 'long-model');
    const r = runCli(['forecast', 'train', '--csv', csv, '--target', 'Close', '--window', '20', '--horizon', '5', '--epochs', '1', '--out', out], {
      SEQCAST_TRAIN_MEMORY_MB: '2',
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // The header is line 1, so the first row over the limit is file line max + 2.
    expect(r.stderr.trim()).toMatch(
      new RegExp(
        `^seqcast: error: ${csv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${max + 2}: more than ${max} rows, over the limit \\(the 2 MiB training memory budget at about \\d+ bytes a row for window 20, 1 feature, horizon 5; train on fewer rows or raise SEQCAST_TRAIN_MEMORY_MB\\)$`,
      ),
    );
  });
});

describe('confusing answers: forecast train input', () => {
  it('duplicate dates in a one-series CSV are refused naming the first duplicate and its file lines', () => {
    const lines = ['Date,Close'];
    const day = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    for (let i = 0; i < 150; i++) lines.push(`${day(i)},${100 + (i % 7)}`);
    for (let i = 0; i < 50; i++) lines.push(`${day(100 + i)},${90 + (i % 5)}`); // 50 dates again
    const csv = path.join(tmp, 'dups.csv');
    writeFileSync(csv, lines.join('\n') + '\n');
    const r = runCli(['forecast', 'train', '--csv', csv, '--target', 'Close', '--window', '4', '--epochs', '0', '--out', path.join(tmp, 'dups-model')]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.trim()).toBe(
      `seqcast: error: ${csv}:152: date "2020-04-10" repeats line 102 (50 duplicate dates in all); a series needs one row per date: remove or aggregate the duplicates`,
    );
  });

  it('--features names a column with a comma when it is quoted as in CSV', () => {
    const csv = walkCsv(400, 'comma.csv', 'Date,Open,High,Low,Volume,"Close, USD"');
    const out = path.join(tmp, 'comma-model');
    const r = runCli([
      'forecast',
      'train',
      '--csv',
      csv,
      '--target',
      'Close, USD',
      '--features',
      '"Close, USD", Open',
      '--window',
      '4',
      '--epochs',
      '0',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`saved ${out} (target Close, USD, features Close, USD,Open,`);
    const unclosed = runCli(['forecast', 'train', '--csv', csv, '--target', 'Open', '--features', '"Close, USD', '--out', path.join(tmp, 'x')]);
    expect(unclosed.code).toBe(2);
    expect(unclosed.stderr.trim()).toBe('seqcast: error: --features: the quote at character 1 is not closed (received "\\"Close, USD")');
  });
});
