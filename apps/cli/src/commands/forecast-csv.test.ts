// CSVs as they come, end to end through the built CLI: a timestamp split across columns, a text
// (categorical) feature, and the season inferred from the dates. The data is a seeded look-alike
// of the hourly air-quality-with-weather layout (`seqcast data sample hourly-weather`).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleCsv } from '@seqcast/data';
import { panelToCsv, syntheticPanel } from '@seqcast/forecast';
import { runCli } from '../testing/run-cli.js';

let dir: string;
let weather: string;
const ROWS = 2400;
const TRAIN = ['--time-columns', 'year,month,day,hour', '--target', 'pm2.5', '--features', 'DEWP,TEMP,PRES,cbwd,Iws,Is,Ir', '--missing', 'ffill'];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'seqcast-cli-csv-'));
  weather = path.join(dir, 'weather.csv');
  await writeFile(weather, sampleCsv('hourly-weather', { rows: ROWS, seed: 3 }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('data inspect on the air-quality layout', () => {
  it('combines year, month, day, hour into the time and lists the wind direction as categorical', () => {
    const r = runCli(['data', 'inspect', '--csv', weather]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('date column year+month+day+hour (2010-01-01 00:00 .. 2010-04-10 23:00)');
    expect(r.stdout).toContain('order       oldest-first (by year+month+day+hour)');
    expect(r.stdout).toContain('time        combined from columns year, month, day, hour');
    expect(r.stdout).toMatch(/^categorical cbwd: 4 level\(s\): NE \d+, NW \d+, SE \d+, cv \d+$/m);
    expect(r.stdout).not.toContain('ignored');
    const j = JSON.parse(runCli(['data', 'inspect', '--csv', weather, '--json']).stdout) as {
      timeColumns: string[];
      dateIssues: unknown[];
      categorical: Record<string, { levels: string[]; counts: number[] }>;
    };
    expect(j.timeColumns).toEqual(['year', 'month', 'day', 'hour']);
    expect(j.dateIssues).toEqual([]);
    expect(j.categorical.cbwd!.counts.reduce((a, b) => a + b, 0)).toBe(ROWS);
  });
});

describe('forecast train/eval/predict with split time columns and a categorical feature', () => {
  it('trains with cbwd one-hot, infers season 24, and eval shows a one-step RMSE no worse than naive', async () => {
    const out = path.join(dir, 'aq');
    const r = runCli(['forecast', 'train', '--csv', weather, ...TRAIN, '--epochs', '0', '--out', out]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('season 24 inferred from the dates (hourly); --season M overrides it');
    expect(r.stdout).toMatch(/^saved .* features DEWP,TEMP,PRES,cbwd=NW,cbwd=SE,cbwd=cv,Iws,Is,Ir,pm2\.5, window 25, horizon 1, season 24\)$/m);
    const info = JSON.parse(await readFile(path.join(out, 'seqcast.json'), 'utf8')) as {
      extra: { info: { categorical: Record<string, string[]>; timeColumns: string[]; frequency: string; season: number } };
    };
    expect(info.extra.info.categorical).toEqual({ cbwd: ['NE', 'NW', 'SE', 'cv'] });
    expect(info.extra.info.timeColumns).toEqual(['year', 'month', 'day', 'hour']);
    expect(info.extra.info.frequency).toBe('hourly');

    // eval and predict read the file the way the model recorded (no --time-columns needed).
    const e = runCli(['forecast', 'eval', '--model', out, '--csv', weather, '--json']);
    expect(e.code).toBe(0);
    const m = (JSON.parse(e.stdout) as { metrics: Record<string, { rmse: number }> }).metrics;
    expect(m.model!.rmse).toBeLessThanOrEqual(m.naive!.rmse);
    const p = runCli(['forecast', 'predict', '--model', out, '--csv', weather, '--steps', '2', '--json']);
    expect(p.code).toBe(0);
    expect((JSON.parse(p.stdout) as { values: number[] }).values).toHaveLength(2);
  });

  it('a wind direction never seen in training is a one-line error naming it and its line, unless --unknown-level ignore', async () => {
    const out = path.join(dir, 'aq');
    const lines = (await readFile(weather, 'utf8')).split('\r\n');
    const last = lines.length; // file line of the last row
    lines[last - 1] = lines[last - 1]!.replace(/,(NE|NW|SE|cv),/, ',SW,');
    const unseen = path.join(dir, 'unseen.csv');
    await writeFile(unseen, lines.join('\r\n'));
    const r = runCli(['forecast', 'predict', '--model', out, '--csv', unseen, '--steps', '1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      `seqcast: error: ${unseen}:${last}: column "cbwd" has level "SW", not seen in training (levels: NE, NW, SE, cv); pass --unknown-level ignore to encode it as "NE"`,
    );
    const ok = runCli(['forecast', 'predict', '--model', out, '--csv', unseen, '--steps', '1', '--unknown-level', 'ignore', '--json']);
    expect(ok.code).toBe(0);
    const bad = runCli(['forecast', 'eval', '--model', out, '--csv', unseen, '--unknown-level', 'maybe']);
    expect(bad.stderr).toContain('--unknown-level must be error or ignore (received "maybe")');
  });
});

describe('season from the dates', () => {
  let monthly: string;
  beforeAll(async () => {
    monthly = path.join(dir, 'sales.csv');
    await writeFile(monthly, sampleCsv('monthly-sales'));
  });

  it('is inferred when --season is omitted and saved; an explicit --season wins', () => {
    const r = runCli(['forecast', 'train', '--csv', monthly, '--target', 'Sales', '--epochs', '0', '--out', path.join(dir, 's1')]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('season 12 inferred from the dates (monthly); --season M overrides it');
    expect(r.stdout).toMatch(/season 12\)$/m);
    const j = runCli(['forecast', 'train', '--csv', monthly, '--target', 'Sales', '--epochs', '0', '--json', '--out', path.join(dir, 's2')]);
    expect(j.stderr).toContain('season 12 inferred from the dates (monthly)');
    expect((JSON.parse(j.stdout) as { info: { season: number; frequency: string } }).info).toMatchObject({ season: 12, frequency: 'monthly' });
    const given = runCli(['forecast', 'train', '--csv', monthly, '--target', 'Sales', '--season', '3', '--epochs', '0', '--out', path.join(dir, 's3')]);
    expect(given.stdout).not.toContain('inferred');
    expect(given.stdout).toMatch(/season 3\)$/m);
  });

  it('without dates the season stays 1, and the command says so', async () => {
    const plain = path.join(dir, 'plain.csv');
    await writeFile(plain, ['v', ...Array.from({ length: 80 }, (_, t) => String(10 + Math.sin(t)))].join('\n') + '\n');
    const r = runCli(['forecast', 'train', '--csv', plain, '--target', 'v', '--epochs', '0', '--out', path.join(dir, 's4')]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('season 1 (no date column to infer it from; pass --season M to set one)');
    expect(r.stdout).toMatch(/season 1\)$/m);
  });

  it('panel train and backtest infer it from the time column', async () => {
    // Daily dates per series: the synthetic panel's integer times mapped onto days from 2020-01-01.
    const text = panelToCsv(syntheticPanel({ series: 3, length: 60, season: 7, seed: 2 }))
      .split('\n')
      .map((l, i) => {
        if (i === 0 || l === '') return l;
        const cells = l.split(',');
        cells[1] = new Date(Date.UTC(2020, 0, 1 + Number(cells[1]))).toISOString().slice(0, 10);
        return cells.join(',');
      })
      .join('\n');
    const panel = path.join(dir, 'daily-panel.csv');
    await writeFile(panel, text);
    const common = [
      '--csv',
      panel,
      '--id-column',
      'id',
      '--time-column',
      't',
      '--target',
      'y',
      '--horizon',
      '7',
      '--epochs',
      '1',
      '--minutes',
      '0.1',
      '--seed',
      '1',
    ];
    const t = runCli(['forecast', 'train', ...common, '--out', path.join(dir, 'p1')]);
    expect(t.code).toBe(0);
    expect(t.stdout.split('\n')[0]).toBe('season 7 inferred from the dates (daily); --season M overrides it');
    expect(t.stdout).toMatch(/^saved .*season 7, windows? [\d, ]+\)$/m);
    const b = runCli(['forecast', 'backtest', ...common, '--json']);
    expect(b.code).toBe(0);
    expect(b.stderr).toContain('season 7 inferred from the dates (daily)');

    // The same panel with its dates split into year, month, day columns: --time-columns, and
    // predict reads later files through the saved layout without the flag.
    const split = text
      .split('\n')
      .map((l, i) => {
        if (l === '') return l;
        const [id, t, y] = l.split(',');
        return i === 0 ? 'id,year,month,day,y' : [id, Number(t!.slice(0, 4)), Number(t!.slice(5, 7)), Number(t!.slice(8, 10)), y].join(',');
      })
      .join('\n');
    const splitCsv = path.join(dir, 'split-panel.csv');
    await writeFile(splitCsv, split);
    const flags = ['--csv', splitCsv, '--id-column', 'id', '--time-columns', 'year,month,day', ...common.slice(6)];
    const s = runCli(['forecast', 'train', ...flags, '--out', path.join(dir, 'p2')]);
    expect(s.code).toBe(0);
    expect(s.stdout.split('\n')[0]).toBe('season 7 inferred from the dates (daily); --season M overrides it');
    const p = runCli(['forecast', 'predict', '--model', path.join(dir, 'p2'), '--csv', splitCsv, '--steps', '7', '--json']);
    expect(p.code).toBe(0);
    expect((JSON.parse(p.stdout) as { forecasts: unknown[] }).forecasts).toHaveLength(3);
  });
});
