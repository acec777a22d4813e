// The model registry through the built CLI: a kind registered in one place (the drift model)
// trains with `forecast train --model drift`, predicts from its saved directory, and is scored by
// `forecast backtest` (table and JSON) beside every other registered kind, none left out.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBacktestKinds, modelKind, panelToCsv, syntheticPanel } from '@seqcast/forecast';
import { runCli } from '../testing/run-cli.js';

let dir: string;
let csv: string;
const PANEL = ['--id-column', 'id', '--time-column', 't', '--target', 'y', '--horizon', '6', '--season', '12'];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'seqcast-cli-models-'));
  csv = path.join(dir, 'panel.csv');
  await writeFile(csv, panelToCsv(syntheticPanel({ series: 4, length: 100, season: 12, seed: 2 })));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('seqcast forecast with registered model kinds (built CLI)', () => {
  it('train --model drift saves a drift model (its own option as a flag); predict --json forecasts from it', () => {
    const out = path.join(dir, 'drift');
    const t = runCli(['forecast', 'train', '--csv', csv, ...PANEL, '--model', 'drift', '--lookback', '24', '--out', out]);
    expect(t.stderr.split('\n').filter((l) => !l.startsWith('seqcast:') && l.trim() !== '')).toEqual([]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(new RegExp(`^saved ${out} \\(model drift, target y, 4 series, horizon 6, season 12\\)`, 'm'));
    const p = runCli(['forecast', 'predict', '--model', out, '--csv', csv, '--steps', '3', '--json']);
    expect(p.code).toBe(0);
    const j = JSON.parse(p.stdout) as { target: string; steps: number; forecasts: { id: string; values: number[]; intervals: unknown }[] };
    expect(j).toMatchObject({ target: 'y', steps: 3 });
    expect(j.forecasts).toHaveLength(4);
    expect(j.forecasts.every((f) => f.values.length === 3 && f.intervals !== undefined)).toBe(true);
  });

  it('a model option the kind does not take, or an unknown kind, is one line naming the flag', () => {
    const a = runCli(['forecast', 'train', '--csv', csv, ...PANEL, '--model', 'drift', '--units', '8', '--out', path.join(dir, 'x')]);
    expect(a.code).not.toBe(0);
    expect(a.stderr.trim().split('\n').at(-1)).toBe('seqcast: error: --units is not an option of model drift');
    const b = runCli(['forecast', 'backtest', '--csv', csv, ...PANEL, '--models', 'drift,nbeats']);
    expect(b.code).not.toBe(0);
    expect(b.stderr.trim().split('\n').at(-1)).toMatch(/^seqcast: error: --models: unknown model kind "nbeats" \(known: global, naive2, .*drift/);
  });

  it('a kind that reads no covariates refuses covariate flags instead of ignoring them', async () => {
    const withX = path.join(dir, 'with-x.csv');
    const text = panelToCsv(syntheticPanel({ series: 4, length: 100, season: 12, seed: 2 }));
    await writeFile(
      withX,
      text
        .trimEnd()
        .split('\n')
        .map((l, i) => `${l},${i === 0 ? 'x' : i % 7}`)
        .join('\n') + '\n',
    );
    const r = runCli(['forecast', 'train', '--csv', withX, ...PANEL, '--model', 'drift', '--features', 'x', '--out', path.join(dir, 'drift-x')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('seqcast: error: forecast train: model drift reads no covariates; drop x or train the global model');
  });

  it('backtest scores every default kind in the table and the JSON (drift included), or just --models', () => {
    const fast = ['--epochs', '1', '--minutes', '0.1', '--seed', '1'];
    const j = runCli(['forecast', 'backtest', '--csv', csv, ...PANEL, ...fast, '--json']);
    expect(j.code).toBe(0);
    const names = defaultBacktestKinds().map((k) => modelKind(k).name);
    expect(Object.keys((JSON.parse(j.stdout) as { metrics: object }).metrics)).toEqual(names);
    expect(names).toContain('drift');
    const t = runCli(['forecast', 'backtest', '--csv', csv, ...PANEL, '--models', 'drift,theta', '--lookback', '30']);
    expect(t.code).toBe(0);
    const rows = t.stdout.split('\n').filter((l) => /^(drift|theta|naive2|model) /.test(l));
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(['drift', 'theta', 'naive2']);
    expect(t.stdout).toMatch(/against Naive2 over 1 backtest window\(s\): drift (better|same|worse) \(OWA [\d.]+\), theta /);
  });
});
