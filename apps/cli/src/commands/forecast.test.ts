// End to end through the built CLI (child processes): train -> eval (table, JSON, plot) -> predict.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

let dir: string;
let csv: string;
const ROWS = 150;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'seqcast-cli-fc-'));
  csv = path.join(dir, 'sales.csv');
  // A small monthly series with trend, season 12 and deterministic "noise", dated 2000-01 onwards.
  const lines = ['"Month","Sales"'];
  for (let t = 0; t < ROWS; t++) {
    const month = `${2000 + Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
    const v = 200 + 1.5 * t + 25 * Math.sin((2 * Math.PI * t) / 12) + 4 * Math.sin(t * 2.3);
    lines.push(`"${month}",${v.toFixed(2)}`);
  }
  await writeFile(csv, lines.join('\n') + '\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('seqcast forecast (built CLI)', () => {
  it('train prints validation metrics next to the baselines and saves the model', () => {
    const r = runCli(['forecast', 'train', '--csv', csv, '--target', 'Sales', '--season', '12', '--epochs', '3', '--seed', '1', '--out', path.join(dir, 'm')]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/validation metrics \(one step ahead, \d+ rows/);
    for (const m of ['model', 'naive', 'seasonalNaive', 'linear']) expect(r.stdout).toMatch(new RegExp(`^\\s*${m}\\s+\\d`, 'm'));
    expect(r.stderr).toMatch(/forecast .*epoch \d+\/3/);
  });

  it('eval --json has exactly the protocol keys; the table says who wins; --plot writes an SVG chart', async () => {
    const j = runCli(['forecast', 'eval', '--model', path.join(dir, 'm'), '--csv', csv, '--json']);
    expect(j.code).toBe(0);
    const out = JSON.parse(j.stdout) as { metrics: Record<string, Record<string, number>>; rows: number };
    expect(Object.keys(out)).toEqual(['metrics', 'rows']);
    expect(Object.keys(out.metrics)).toEqual(['model', 'naive', 'seasonalNaive', 'linear']);
    for (const m of Object.values(out.metrics)) expect(Object.keys(m).sort()).toEqual(['mae', 'mape', 'mase', 'rmse', 'smape']);
    expect(out.rows).toBe(ROWS - Math.floor(0.8 * ROWS));
    const best = Math.min(out.metrics.naive!.mase!, out.metrics.seasonalNaive!.mase!, out.metrics.linear!.mase!);
    expect(out.metrics.model!.mase).toBeLessThanOrEqual(best * 1.05);

    const svg = path.join(dir, 'chart.svg');
    const t = runCli(['forecast', 'eval', '--model', path.join(dir, 'm'), '--csv', csv, '--plot', svg]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^method\s+RMSE\s+MAE\s+MAPE\s+SMAPE\s+MASE$/m);
    expect(t.stdout).toMatch(/model (matches or beats every baseline|LOSES to)/);
    const text = await readFile(svg, 'utf8');
    expect(text.startsWith('<svg')).toBe(true);
    for (const label of ['actual', 'model (MASE', 'naive (MASE', 'Sales', 'date']) expect(text).toContain(label);
  });

  it('predict gives the next N values with the next dates', () => {
    const r = runCli(['forecast', 'predict', '--model', path.join(dir, 'm'), '--csv', csv, '--steps', '3', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { values: number[]; dates: string[]; target: string };
    expect(out.target).toBe('Sales');
    expect(out.values).toHaveLength(3);
    expect(out.values.every((v) => Number.isFinite(v) && v > 300 && v < 600)).toBe(true);
    expect(out.dates).toEqual(['2012-07', '2012-08', '2012-09']);
  });

  it("predict --plot draws the web page's forecast chart (history, forecast, baselines) as SVG", async () => {
    const svg = path.join(dir, 'predict.svg');
    const r = runCli(['forecast', 'predict', '--model', path.join(dir, 'm'), '--csv', csv, '--steps', '3', '--plot', svg]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`chart written to ${svg}`);
    const text = await readFile(svg, 'utf8');
    expect(text.startsWith('<svg')).toBe(true);
    for (const label of ['history', 'forecast', 'naive', 'Sales: history and 3-step forecast']) expect(text).toContain(label);
  });

  it('mistakes are one line on stderr with a non-zero exit', () => {
    const noTarget = runCli(['forecast', 'train', '--csv', csv, '--out', path.join(dir, 'x')]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toBe('seqcast: error: forecast train: --target is required\n');
    // Ranges come from SeriesForecaster.fit's options table, worded for the flag; nothing is written.
    const zeroWindow = runCli(['forecast', 'train', '--csv', csv, '--target', 'Sales', '--window', '0', '--out', path.join(dir, 'x')]);
    expect(zeroWindow.code).toBe(2);
    expect(zeroWindow.stderr).toBe('seqcast: error: --window must be a positive integer (received 0)\n');
    const panelHorizon = runCli([
      'forecast',
      'train',
      '--csv',
      csv,
      '--id-column',
      'Month',
      '--target',
      'Sales',
      '--horizon',
      '1001',
      '--out',
      path.join(dir, 'x'),
    ]);
    expect(panelHorizon.stderr).toBe('seqcast: error: --horizon must be an integer <= 1000 (received 1001)\n');
    const badCol = runCli(['forecast', 'train', '--csv', csv, '--target', 'Nope', '--out', path.join(dir, 'x')]);
    expect(badCol.code).toBe(3);
    expect(badCol.stderr).toMatch(/no numeric column "Nope" \(columns: Sales\)/);
    const noModel = runCli(['forecast', 'eval', '--model', path.join(dir, 'missing'), '--csv', csv]);
    expect(noModel.code).toBe(4);
    expect(noModel.stderr).not.toMatch(/\n\s+at /);
  });

  it('an error after start-up (backend and kernels ready, model loaded) is still the only stderr line', async () => {
    const other = path.join(dir, 'other.csv');
    await writeFile(other, 'Month,Units\n2000-01,1\n2000-02,2\n');
    const r = runCli(['forecast', 'predict', '--model', path.join(dir, 'm'), '--csv', other, '--steps', '3']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^seqcast: error: .*"Sales"/)]);
    // and a command that works still names its backend and kernels
    const ok = runCli(['forecast', 'predict', '--model', path.join(dir, 'm'), '--csv', csv, '--steps', '3']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/^seqcast: tfjs \S+ backend \w+.*\nseqcast: recurrent kernels \w+/);
  });
});
