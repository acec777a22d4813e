// End to end through the built CLI: a panel CSV generated in code -> train -> predict --json ->
// backtest --json, the exact JSON shapes, the Naive2 verdict, and one-line input errors.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { panelToCsv, syntheticPanel, type Combination, type Naive2Verdict } from '@seqcast/forecast';
import { verdictLine } from './forecast-panel.js';
import { runCli } from '../testing/run-cli.js';

let dir: string;
let csv: string;
const SERIES = 6;
const H = 6;
const M = 12;
// Small budgets: the plumbing is under test here, not the accuracy (bench/panel-protocol.mjs).
const FAST = ['--epochs', '1', '--minutes', '0.2', '--seed', '1'];

/** stderr without the backend banner lines every command prints. */
const errLines = (s: string) => s.trim().split('\n');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'seqcast-cli-panel-'));
  csv = path.join(dir, 'panel.csv');
  await writeFile(csv, panelToCsv(syntheticPanel({ series: SERIES, length: 120, season: M, seed: 4 })));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('seqcast forecast on a panel (built CLI)', () => {
  it('train fits one model on every series, shows step progress, and says how it compares with Naive2', async () => {
    const out = path.join(dir, 'm');
    const r = runCli([
      'forecast',
      'train',
      '--csv',
      csv,
      '--id-column',
      'id',
      '--time-column',
      't',
      '--target',
      'y',
      '--horizon',
      String(H),
      '--season',
      String(M),
      ...FAST,
      '--out',
      out,
    ]);
    const [backendLine, kernelsLine, ...rest] = errLines(r.stderr);
    expect(backendLine).toMatch(/^seqcast: tfjs \S+ backend \w+/);
    expect(kernelsLine).toMatch(/^seqcast: recurrent kernels \w+/);
    expect(rest.filter((l) => !l.startsWith('forecast step'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^saved ${out} \\(target y, ${SERIES} series, horizon ${H}, season ${M}, windows \\d+, \\d+, \\d+\\)$`, 'm'));
    // The default is an ensemble of three networks of different input windows (issue 24).
    expect(r.stdout).toMatch(/^trained 3 networks \(lstm 64, windows \d+, \d+, \d+\): \d+ steps/m);
    expect(r.stderr).toMatch(/forecast step \d+\/\d+ loss \d+\.\d+ ETA/);
    // The read layout travels inside the model's own metadata (one directory, one unit).
    const meta = JSON.parse(await readFile(path.join(out, 'seqcast.json'), 'utf8')) as {
      extra: { layout: unknown; info: { combination: Combination; validation: { verdict: Naive2Verdict } } };
    };
    // The verdict printed is the one the model recorded, worded by the shared verdictLine.
    const { combination, validation } = meta.extra.info;
    expect(r.stdout).toContain(verdictLine(validation.verdict, combination, 'on the last horizon of the training series'));
    // Interval coverage on the stretch the widths were set on is in-sample: the line says so and
    // names the out-of-sample check.
    expect(r.stdout).toMatch(
      /coverage of the 80% interval [\d.]+%, of the 95% [\d.]+% \(in-sample: the widths were set on this stretch; forecast backtest --windows 3 measures them on later cutoffs\)$/m,
    );
    expect(meta.extra.layout).toEqual({ target: 'y', idColumn: 'id', timeColumn: 't', features: [], missing: 'error' });
  });

  it('predict --plot draws the series --series names (default the first) with its intervals; an unknown id is one line', async () => {
    const plot = path.join(dir, 'charts', 's003.svg');
    const r = runCli(['forecast', 'predict', '--model', path.join(dir, 'm'), '--csv', csv, '--steps', '4', '--plot', plot, '--series', 's003']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^chart of s003 written to ${plot.replace(/[.\\]/g, '\\$&')}$`, 'm'));
    const svg = await readFile(plot, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('s003: 4-step forecast with 80% and 95% intervals');
    const bad = runCli(['forecast', 'predict', '--model', path.join(dir, 'm'), '--csv', csv, '--steps', '4', '--plot', plot, '--series', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n').at(-1)).toBe(`seqcast: error: --series: no series "nope" in ${csv} (${SERIES} series, e.g. "s000")`);
  });

  it('predict --json prints the issue’s exact shape: H values and nested intervals per series, file order', () => {
    const r = runCli(['forecast', 'predict', '--model', path.join(dir, 'm'), '--csv', csv, '--steps', '4', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      target: string;
      steps: number;
      forecasts: { id: string; dates: string[]; values: number[]; intervals: Record<string, { lower: number[]; upper: number[] }> }[];
    };
    expect(Object.keys(j)).toEqual(['target', 'steps', 'forecasts']);
    expect(j.target).toBe('y');
    expect(j.steps).toBe(4);
    expect(j.forecasts.map((f) => f.id)).toEqual(Array.from({ length: SERIES }, (_, i) => `s00${i}`));
    for (const f of j.forecasts) {
      expect(Object.keys(f)).toEqual(['id', 'dates', 'values', 'intervals']);
      // The integer time column continues: the 4 times after the series' last one.
      const t0 = Number(f.dates[0]);
      expect(f.dates).toEqual([t0, t0 + 1, t0 + 2, t0 + 3].map(String));
      expect(Object.keys(f.intervals)).toEqual(['80', '95']);
      expect(f.values).toHaveLength(4);
      for (let h = 0; h < 4; h++) {
        expect(f.intervals['95']!.lower[h]!).toBeLessThanOrEqual(f.intervals['80']!.lower[h]!);
        expect(f.intervals['80']!.lower[h]!).toBeLessThanOrEqual(f.values[h]!);
        expect(f.values[h]!).toBeLessThanOrEqual(f.intervals['80']!.upper[h]!);
        expect(f.intervals['80']!.upper[h]!).toBeLessThanOrEqual(f.intervals['95']!.upper[h]!);
      }
    }
  });

  it('backtest --json prints the issue’s exact shape, every baseline scored on the same K windows', () => {
    const r = runCli([
      'forecast',
      'backtest',
      '--csv',
      csv,
      '--id-column',
      'id',
      '--time-column',
      't',
      '--target',
      'y',
      '--horizon',
      String(H),
      '--season',
      String(M),
      '--windows',
      '2',
      '--json',
      ...FAST,
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { metrics: Record<string, Record<string, number | null>>; series: number; windows: number };
    expect(Object.keys(j)).toEqual(['metrics', 'series', 'windows']);
    // Every kind the registry backtests by default, in its order (nothing left out of the JSON).
    expect(Object.keys(j.metrics)).toEqual(['model', 'naive2', 'snaive', 'naive', 'ses', 'theta', 'pooledLinear', 'drift']);
    for (const m of Object.values(j.metrics)) expect(Object.keys(m)).toEqual(['smape', 'mase', 'owa', 'coverage80', 'coverage95', 'msis']);
    expect(j.metrics.naive2!.owa).toBe(1);
    expect(j.metrics.model!.coverage95).toBeGreaterThan(0);
    expect(j.metrics.theta!.coverage80).toBeNull();
    expect(j.series).toBe(SERIES);
    expect(j.windows).toBe(2);
    // The verdict goes to stderr in JSON mode, so stdout stays one JSON document; "worse" needs
    // OWA above 1 by more than the band over series.
    if (r.stderr.includes('WORSE than Naive2')) expect(j.metrics.model!.owa!).toBeGreaterThan(1);
  });

  it('a duplicate (id, time) and a too-short series are one-line errors with file lines', async () => {
    const dup = path.join(dir, 'dup.csv');
    await writeFile(dup, 'id,t,y\na,1,1\na,2,2\nb,1,3\na,2,5\n');
    const d = runCli([
      'forecast',
      'train',
      '--csv',
      dup,
      '--id-column',
      'id',
      '--time-column',
      't',
      '--target',
      'y',
      '--horizon',
      '1',
      '--out',
      path.join(dir, 'x'),
    ]);
    expect(d.code).toBe(3);
    expect(errLines(d.stderr)).toEqual([`seqcast: error: ${dup}:5: series "a" has time "2" twice (also line 3)`]);
    const short = path.join(dir, 'short.csv');
    await writeFile(short, 'id,y\na,1\na,2\na,3\na,4\nb,1\n');
    const s = runCli([
      'forecast',
      'train',
      '--csv',
      short,
      '--id-column',
      'id',
      '--target',
      'y',
      '--horizon',
      '2',
      '--short',
      'error',
      '--out',
      path.join(dir, 'x'),
    ]);
    expect(s.code).toBe(3);
    expect(errLines(s.stderr)).toEqual([
      `seqcast: error: ${short}:6: series "b" has 1 rows but needs at least 4 (2 inputs + horizon 2); pass short: skip to leave such series out`,
    ]);
  });
});

describe('seqcast forecast train --missing (one series)', () => {
  it('a dated file with two empty cells trains with --missing ffill and fails without it, naming the line', async () => {
    const gaps = path.join(dir, 'gaps.csv');
    const rows = ['Date,Close'];
    const two = (n: number) => String(n).padStart(2, '0');
    // 80 days (28 per month), Close empty on file lines 32 and 52.
    for (let t = 0; t < 80; t++)
      rows.push(`2024-${two(1 + Math.floor(t / 28))}-${two(1 + (t % 28))},${t === 30 || t === 50 ? '' : (100 + Math.sin(t)).toFixed(2)}`);
    await writeFile(gaps, rows.join('\n') + '\n');
    const fail = runCli(['forecast', 'train', '--csv', gaps, '--target', 'Close', '--epochs', '0', '--out', path.join(dir, 'g')]);
    expect(fail.code).toBe(3);
    expect(errLines(fail.stderr)).toEqual([`seqcast: error: ${gaps}:32: column "Close" has a missing cell (2 missing in all; choose missing: drop or ffill)`]);
    const ok = runCli(['forecast', 'train', '--csv', gaps, '--target', 'Close', '--epochs', '0', '--missing', 'ffill', '--out', path.join(dir, 'g')]);
    expect(ok.code).toBe(0);
    // predict reads the file with the policy the model was trained with.
    const p = runCli(['forecast', 'predict', '--model', path.join(dir, 'g'), '--csv', gaps, '--steps', '2', '--json']);
    expect(p.code).toBe(0);
    expect((JSON.parse(p.stdout) as { values: number[] }).values).toHaveLength(2);
  });
});
