import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../testing/run-cli.js';

const SHARED = path.resolve(REPO_ROOT, '../shared/data');
const tmp = mkdtempSync(path.join(tmpdir(), 'seqcast-cli-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, content);
  return p;
}

interface InspectJson {
  rows: number;
  columns: string[];
  dateColumn: string | null;
  order: string;
  missing: { column: string; line: number }[];
  stats: Record<string, { min: number; max: number; mean: number }>;
}

describe('seqcast data inspect', () => {
  it('stock_daily.csv --json: 732 rows, Open,High,Low,Volume,Close, no date column', () => {
    const r = runCli(['data', 'inspect', '--csv', path.join(SHARED, 'stock_daily.csv'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as InspectJson;
    expect(j.rows).toBe(732);
    expect(j.columns).toEqual(['Open', 'High', 'Low', 'Volume', 'Close']);
    expect(j.dateColumn).toBeNull();
    expect(j.order).toBe('unknown');
    expect(j.missing).toEqual([]);
    expect(j.stats.Volume!.min).toBe(7900);
    expect(j.stats.Volume!.max).toBe(11164900);
  });

  it('--newest-first, and human output for a dated file', () => {
    const nf = JSON.parse(runCli(['data', 'inspect', '--csv', path.join(SHARED, 'stock_daily.csv'), '--json', '--newest-first']).stdout) as InspectJson;
    expect(nf.order).toBe('newest-first');
    const r = runCli(['data', 'inspect', '--csv', path.join(SHARED, 'daily-total-female-births.csv')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rows        365');
    expect(r.stdout).toContain('date column Date (1959-01-01 .. 1959-12-31)');
    expect(r.stdout).toMatch(/order {7}oldest-first/);
    expect(r.stdout).toMatch(/Births\s+23\s+73\s+41\.98/);
  });

  it('lists missing cells with file lines (exit 0), or fails on them with --missing error', () => {
    const p = file('gaps.csv', 'Month,Sales,Cost\r\n"1960-02",,5\r\n"1960-01",3,\r\n"1960-03",4,6\r\n');
    const r = runCli(['data', 'inspect', '--csv', p, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as InspectJson;
    expect(j.dateColumn).toBe('Month');
    expect(j.order).toBe('unknown');
    expect(j.missing).toEqual([
      { column: 'Sales', line: 2 },
      { column: 'Cost', line: 3 },
    ]);
    const strict = runCli(['data', 'inspect', '--csv', p, '--missing', 'error']);
    expect(strict.code).toBe(3);
    expect(strict.stderr).toBe(`seqcast: error: ${p}:2: column "Sales" has a missing cell (2 missing in all; choose missing: drop or ffill)\n`);
  });

  it('an unusable file exits non-zero with one line naming the problem and its line', () => {
    const cases: [string, string, string][] = [
      ['text.csv', 'Open,Close\n1,2\n3,abc\n', ':3: column "Close": "abc" is not a number'],
      ['empty.csv', '', ': empty input (no rows)'],
      ['words.csv', 'name,city\nann,rome\nbob,oslo\n', ': no numeric column (columns: name, city)'],
    ];
    for (const [name, content, problem] of cases) {
      const p = file(name, content);
      const r = runCli(['data', 'inspect', '--csv', p]);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`seqcast: error: ${p}${problem}\n`);
    }
  });

  it('flag mistakes and a missing file are one-line errors', () => {
    const bad = runCli(['data', 'inspect', '--csv', path.join(SHARED, 'stock_daily.csv'), '--delimiter', '|']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('seqcast: error: --delimiter must be one of , ; tab (received "|")\n');
    const none = runCli(['data', 'inspect', '--csv', path.join(tmp, 'absent.csv')]);
    expect(none.code).toBe(4);
    expect(none.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(none.stderr).toContain('absent.csv: no such file');
    const noCsv = runCli(['data', 'inspect']);
    expect(noCsv.code).toBe(2);
    expect(noCsv.stderr).toBe('seqcast: error: data inspect: --csv is required\n');
  });
});
