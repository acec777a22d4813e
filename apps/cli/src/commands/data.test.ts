import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCli, type CliResult } from '../testing/run-cli.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'seqcast-cli-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A sample file written by `seqcast data sample KIND` itself, and its data rows' cells. */
function sample(kind: string): { path: string; rows: number[][] } {
  const r = runCli(['data', 'sample', kind]);
  expect(r.stderr).toBe('');
  const p = path.join(tmp, `${kind}.csv`);
  writeFileSync(p, r.stdout);
  const rows = r.stdout
    .split(/\r?\n/)
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('"Month"') && !l.startsWith('"Date"'))
    .map((l) => l.split(',').map((c) => Number(c.replaceAll('"', ''))));
  return { path: p, rows };
}
const STOCK = sample('stock-daily');
const BIRTHS = sample('daily-births');

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

describe('seqcast data sample', () => {
  it('prints a seeded CSV of each kind, the same for the same seed; a wrong kind is one line', () => {
    expect(STOCK.rows).toHaveLength(732);
    expect(BIRTHS.rows).toHaveLength(365);
    const a = runCli(['data', 'sample', 'monthly-sales', '--rows', '24', '--seed', '5']);
    expect(a.stdout.startsWith('"Month","Sales"\r\n"1960-01",')).toBe(true);
    expect(a.stdout.trim().split('\r\n')).toHaveLength(25);
    expect(runCli(['data', 'sample', 'monthly-sales', '--rows', '24', '--seed', '5']).stdout).toBe(a.stdout);
    const bad = runCli(['data', 'sample', 'weekly']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'seqcast: error: data sample needs one of monthly-sales, stock-daily, daily-births, hourly-weather, store-promo, store-promo-future (received "weekly")\n',
    );
  });
});

describe('output into a pipe that closes early', () => {
  it('`data sample … | head -1` ends quietly with exit 0, no EPIPE stack trace', async () => {
    const child = spawn(process.execPath, [CLI, 'data', 'sample', 'stock-daily', '--rows', '200000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy()); // as head does after its line
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('seqcast data inspect', () => {
  it('the lecture stock layout --json: 732 rows, Open,High,Low,Volume,Close, no date column', () => {
    const r = runCli(['data', 'inspect', '--csv', STOCK.path, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as InspectJson;
    expect(j.rows).toBe(732);
    expect(j.columns).toEqual(['Open', 'High', 'Low', 'Volume', 'Close']);
    expect(j.dateColumn).toBeNull();
    expect(j.order).toBe('unknown');
    expect(j.missing).toEqual([]);
    const volumes = STOCK.rows.map((cells) => cells[3]!);
    expect(j.stats.Volume!.min).toBe(Math.min(...volumes));
    expect(j.stats.Volume!.max).toBe(Math.max(...volumes));
  });

  it('--newest-first, and human output for a dated file', async () => {
    const tabbed = file('tabbed.tsv', 'when\tsym\ta\tb\n2020-01-02\tX\t1\t2\n2020-01-01\tX\t3\t4\n');
    const [n, r, t] = await runAll([
      ['data', 'inspect', '--csv', STOCK.path, '--json', '--newest-first'],
      ['data', 'inspect', '--csv', BIRTHS.path],
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
    const births = BIRTHS.rows.map((cells) => cells[1]!);
    const mean = births.reduce((a, b) => a + b, 0) / births.length;
    expect(r.stdout).toMatch(new RegExp(`Births\\s+${Math.min(...births)}\\s+${Math.max(...births)}\\s+${mean.toPrecision(6)}`));
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
      ['data', 'inspect', '--csv', STOCK.path, '--delimiter', '|'],
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
