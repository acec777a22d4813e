// Covariates through the built CLI on the store-promo sample: train with future-known, static and
// calendar covariates (the info line says what reaches the network), predict with --future FILE,
// and the one-line errors of a missing or short future file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { sampleCsv } from '@seqcast/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

let dir: string;
let csv: string;
let future: string;
const ROWS = 1600; // 4 stores × 400 days

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'seqcast-cli-cov-'));
  csv = path.join(dir, 'stores.csv');
  future = path.join(dir, 'future.csv');
  await writeFile(csv, sampleCsv('store-promo', { rows: ROWS }));
  await writeFile(future, sampleCsv('store-promo-future', { rows: ROWS }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const common = ['--csv', '', '--id-column', 'store', '--time-column', 'date', '--target', 'sales', '--horizon', '7'];

describe('seqcast forecast with covariates (built CLI)', () => {
  it('trains with past, future-known, static and calendar covariates, predicts from a future file, and names a series the file does not cover', async () => {
    const out = path.join(dir, 'm');
    common[1] = csv;
    const r = runCli([
      'forecast',
      'train',
      ...common,
      '--features',
      'sales,visitors',
      '--future-features',
      'promo',
      '--static-features',
      'store_type',
      '--epochs',
      '1',
      '--minutes',
      '0.2',
      '--out',
      out,
    ]);
    expect(r.stderr).toContain('--features: sales is the target; the model reads its past in every window already');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      // Daily with season 7 and 400 days: the weekday is the season's, the day of year not yet covered twice.
      'features reach the network: past visitors (own window scale); future-known promo (as is); static store_type (one-hot: 2 levels)\n',
    );

    const p = runCli(['forecast', 'predict', '--model', out, '--csv', csv, '--future', future, '--steps', '7', '--json']);
    expect(p.code).toBe(0);
    const body = JSON.parse(p.stdout) as { forecasts: { id: string; values: number[] }[] };
    expect(body.forecasts.map((f) => f.id)).toEqual(['store_001', 'store_002', 'store_003', 'store_004']);
    expect(body.forecasts.every((f) => f.values.length === 7)).toBe(true);

    const none = runCli(['forecast', 'predict', '--model', out, '--csv', csv, '--steps', '7']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain(
      'forecast predict: this model reads future-known promo: give --future FILE with store, date and those columns for the next 7 step(s) of each series',
    );
    const short = path.join(dir, 'short.csv');
    const lines = sampleCsv('store-promo-future', { rows: ROWS }).split('\r\n');
    // store_002 loses its last 25 future days: 3 left.
    await writeFile(short, lines.filter((l) => !l.startsWith('store_002') || lines.indexOf(l) < 32).join('\n'));
    const s = runCli(['forecast', 'predict', '--model', out, '--csv', csv, '--future', short, '--steps', '7']);
    expect(s.code).not.toBe(0);
    expect(s.stderr).toMatch(
      /short\.csv: series "store_002" has 3 future row\(s\) after its last time 2023-02-04, the forecast of 7 step\(s\) needs 7 \(columns promo\)/,
    );
  }, 120_000);

  it('backtest fits the global model with future-known and static covariates; the table header names the models that ignore them', async () => {
    common[1] = csv;
    const covariates = ['--future-features', 'promo', '--static-features', 'store_type'];
    const r = runCli(['forecast', 'backtest', ...common, ...covariates, '--models', 'global,snaive', '--epochs', '1', '--minutes', '0.1']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith('method'));
    expect(lines[header - 1]).toBe('covariates (promo, store_type): read by model; ignored by snaive, naive2');
    expect(lines.slice(header + 1, header + 4).map((l) => l.split(/\s+/)[0])).toEqual(['model', 'snaive', 'naive2']);
    // Covariates that no model of the comparison reads are refused, not silently dropped.
    const none = runCli(['forecast', 'backtest', ...common, ...covariates, '--models', 'snaive']);
    expect(none.code).not.toBe(0);
    expect(none.stderr.trim().split('\n').at(-1)).toBe(
      'seqcast: error: forecast backtest: no model of --models (snaive) reads covariates; drop promo, store_type or add global to --models',
    );
  }, 120_000);
});
