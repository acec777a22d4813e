// `forecast predict --json` on a panel model: each series' forecasts carry the dates that follow
// its own time column at its own frequency (business days stay Mon–Fri, months stay months,
// integer times stay integers), through the built CLI.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

let dir: string;
const H = 3;

/** Business days (Mon–Fri) from Mon 2024-01-01, n of them. */
function businessDays(n: number): string[] {
  const out: string[] = [];
  for (let t = Date.UTC(2024, 0, 1); out.length < n; t += 86_400_000) {
    const day = new Date(t).getUTCDay();
    if (day !== 0 && day !== 6) out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

function months(n: number): string[] {
  return Array.from({ length: n }, (_, k) => `${2015 + Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}-01`);
}

/** A panel of two series with different frequencies: a Mon–Fri one and a monthly one. */
function panelCsv(): string {
  const lines = ['id,date,y'];
  const days = businessDays(80); // ends Fri 2024-04-19
  days.forEach((d, k) => lines.push(`shares,${d},${(100 + 5 * Math.sin(k / 3) + k * 0.1).toFixed(3)}`));
  months(80).forEach((d, k) => lines.push(`sales,${d},${(50 + 10 * Math.sin((2 * Math.PI * k) / 12)).toFixed(3)}`));
  return lines.join('\n') + '\n';
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'seqcast-cli-dates-'));
  await writeFile(path.join(dir, 'panel.csv'), panelCsv());
  await writeFile(path.join(dir, 'ints.csv'), ['id,t,y', ...Array.from({ length: 60 }, (_, k) => `a,${10 + 5 * k},${(k % 7) + 1}`)].join('\n') + '\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function trainAndPredict(csv: string, time: string): { forecasts: { id: string; dates?: string[]; values: number[] }[] } {
  const out = path.join(dir, `m-${time}-${path.basename(csv)}`);
  const fast = ['--epochs', '1', '--minutes', '0.1', '--seed', '1'];
  const t = runCli([
    'forecast',
    'train',
    '--csv',
    csv,
    '--id-column',
    'id',
    '--time-column',
    time,
    '--target',
    'y',
    '--horizon',
    String(H),
    ...fast,
    '--out',
    out,
  ]);
  expect(t.code, t.stderr).toBe(0);
  const p = runCli(['forecast', 'predict', '--model', out, '--csv', csv, '--steps', String(H), '--json']);
  expect(p.code, p.stderr).toBe(0);
  return JSON.parse(p.stdout) as { forecasts: { id: string; dates?: string[]; values: number[] }[] };
}

describe('panel predict --json carries forecast dates', () => {
  it('a Mon–Fri series continues Mon–Fri and a monthly one monthly, each at its own frequency', () => {
    const r = trainAndPredict(path.join(dir, 'panel.csv'), 'date');
    const byId = Object.fromEntries(r.forecasts.map((f) => [f.id, f.dates]));
    expect(byId.shares).toEqual(['2024-04-22', '2024-04-23', '2024-04-24']); // after Fri 2024-04-19: Mon, Tue, Wed
    expect(byId.sales).toEqual(['2021-09-01', '2021-10-01', '2021-11-01']); // after 2021-08-01
  }, 120_000);

  it('integer time columns continue as integers', () => {
    const r = trainAndPredict(path.join(dir, 'ints.csv'), 't');
    expect(r.forecasts[0]!.dates).toEqual(['310', '315', '320']); // last t = 10 + 5 * 59 = 305
  }, 120_000);
});
