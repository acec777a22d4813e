import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, runCli, type CliResult } from '../testing/run-cli.js';

const SHARED = path.resolve(REPO_ROOT, '../shared/data');
const tmp = mkdtempSync(path.join(tmpdir(), 'seqcast-cli-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, content);
  return p;
}

/** Several CLI runs at once (each start-up costs ~1-2 s; they are independent). */
function runAll(argvs: string[][]): Promise<CliResult[]> {
  return Promise.all(
    argvs.map(
      (args) =>
        new Promise<CliResult>((resolve) => {
          execFile(process.execPath, [CLI, ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
            resolve({ code, stdout, stderr });
          });
        }),
    ),
  );
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

  it('--newest-first, and human output for a dated file', async () => {
    const tabbed = file('tabbed.tsv', 'when\tsym\ta\tb\n2020-01-02\tX\t1\t2\n2020-01-01\tX\t3\t4\n');
    const [n, r, t] = await runAll([
      ['data', 'inspect', '--csv', path.join(SHARED, 'stock_daily.csv'), '--json', '--newest-first'],
      ['data', 'inspect', '--csv', path.join(SHARED, 'daily-total-female-births.csv')],
      ['data', 'inspect', '--csv', tabbed, '--json', '--delimiter', 'tab', '--date-column', 'none', '--columns', 'b'],
    ]);
    expect((JSON.parse(n!.stdout) as InspectJson).order).toBe('newest-first');
    const tj = JSON.parse(t!.stdout) as InspectJson & { delimiter: string };
    expect([tj.columns, tj.dateColumn, tj.order, tj.delimiter, tj.stats.b]).toEqual([['b'], null, 'unknown', '\t', { min: 2, max: 4, mean: 3 }]);
    if (!r) throw new Error('no result');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rows        365');
    expect(r.stdout).toContain('date column Date (1959-01-01 .. 1959-12-31)');
    expect(r.stdout).toMatch(/order {7}oldest-first/);
    expect(r.stdout).toMatch(/Births\s+23\s+73\s+41\.98/);
  });

  it('lists missing cells with file lines (exit 0), or fails on them with --missing error', async () => {
    const p = file('gaps.csv', 'Month,Sales,Cost\r\n"1960-02",,5\r\n"1960-01",3,\r\n"1960-03",4,6\r\n');
    const [r, strict] = await runAll([
      ['data', 'inspect', '--csv', p, '--json'],
      ['data', 'inspect', '--csv', p, '--missing', 'error'],
    ]);
    if (!r || !strict) throw new Error('no result');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as InspectJson;
    expect(j.dateColumn).toBe('Month');
    expect(j.order).toBe('unknown');
    expect(j.missing).toEqual([
      { column: 'Sales', line: 2 },
      { column: 'Cost', line: 3 },
    ]);
    expect(strict.code).toBe(3);
    expect(strict.stderr).toBe(`seqcast: error: ${p}:2: column "Sales" has a missing cell (2 missing in all; choose missing: drop or ffill)\n`);
  });

  it('an unusable file exits non-zero with one line naming the problem and its line', async () => {
    const cases: [string, string, string][] = [
      ['text.csv', 'Open,Close\n1,2\n3,abc\n', ':3: column "Close": "abc" is not a number'],
      ['empty.csv', '', ': empty input (no rows)'],
      ['words.csv', 'name,city\nann,rome\nbob,oslo\n', ': no numeric column (columns: name, city)'],
    ];
    const paths = cases.map(([name, content]) => file(name, content));
    const results = await runAll(paths.map((p) => ['data', 'inspect', '--csv', p]));
    results.forEach((r, i) => {
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`seqcast: error: ${paths[i]}${cases[i]![2]}\n`);
    });
  });

  it('flag mistakes and a missing file are one-line errors', async () => {
    const [bad, none, noCsv] = await runAll([
      ['data', 'inspect', '--csv', path.join(SHARED, 'stock_daily.csv'), '--delimiter', '|'],
      ['data', 'inspect', '--csv', path.join(tmp, 'absent.csv')],
      ['data', 'inspect'],
    ]);
    expect(bad!.code).toBe(2);
    expect(bad!.stderr).toBe('seqcast: error: --delimiter must be one of , ; tab (received "|")\n');
    expect(none!.code).toBe(4);
    expect(none!.stderr).toBe(`seqcast: error: ${path.join(tmp, 'absent.csv')}: no such file\n`);
    expect(noCsv!.code).toBe(2);
    expect(noCsv!.stderr).toBe('seqcast: error: data inspect: --csv is required\n');
  });
});
