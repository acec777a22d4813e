// The Forecast page reads a file exactly as `seqcast forecast predict` does (the same reader and
// the model's saved read layout), checked in Debian's Chromium against a real `seqcast serve`:
// a lecture-style stock CSV (two comment lines, newest row first, CRLF, no dates) forecast on
// the page gives the CLI's numbers to the printed digits, and its history runs oldest to newest.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { syntheticStockSeries } from '@seqcast/forecast';
import { REPO, launchBrowser, serve, tmpModels, watchErrors, type ServedModels } from './harness.js';

const CLI = path.join(REPO, 'apps/cli/dist/main.js');
const tmp = tmpModels();
let server: ServedModels;
let browser: Browser;
let page: Page;
let errors: string[];

/** The lecture's stock file layout: two comment lines, newest row first, CRLF, no date column. */
function lectureStockCsv(rows: number, seed: number): string {
  const s = syntheticStockSeries(rows, seed);
  const cols = ['Open', 'High', 'Low', 'Volume', 'Close'];
  const lines = Array.from({ length: rows }, (_, r) => cols.map((c) => s.values[c]![r]!.toFixed(6)).join(','));
  return ['# http://finance.yahoo.com/quote/GOOG/history?ltr=1', '# Open,High,Low,Volume,Close', ...lines.reverse()].join('\r\n') + '\r\n';
}

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, SEQCAST_QUIET: '1' } });
  if (r.status !== 0) throw new Error(`seqcast ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** The CLI's number format (forecast.ts fmt). */
function printed(v: number): string {
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(1) : a >= 1 ? v.toFixed(4) : v.toPrecision(4);
}

const TRAIN = path.join(tmp.dir, 'train-stock.csv');
const UNSEEN = path.join(tmp.dir, 'unseen-stock.csv');
const UNSEEN_CSV = lectureStockCsv(300, 11);

beforeAll(async () => {
  writeFileSync(TRAIN, lectureStockCsv(400, 5));
  writeFileSync(UNSEEN, UNSEEN_CSV);
  cli([
    'forecast',
    'train',
    '--csv',
    TRAIN,
    '--target',
    'Close',
    '--newest-first',
    '--epochs',
    '5',
    '--seed',
    '1',
    '--out',
    path.join(tmp.dir, 'models', 'stock-nf'),
  ]);
  server = await serve(path.join(tmp.dir, 'models'), 'read-test-token');
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  errors = watchErrors(page);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  tmp.cleanup();
});

afterEach(() => {
  expect(errors).toEqual([]);
});

describe('Forecast page reads a CSV as the CLI does', () => {
  it('a newest-first stock CSV (comments, CRLF) on a --newest-first model: the forecast equals `forecast predict` to the printed digits', async () => {
    const out = cli(['forecast', 'predict', '--model', path.join(tmp.dir, 'models', 'stock-nf'), '--csv', UNSEEN, '--steps', '5']);
    const cliValues = out
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/).pop()!);
    expect(cliValues).toHaveLength(5);

    await page.goto(`${server.url}/#/forecast`);
    await page.locator('#forecast-model option[value="stock-nf"]').waitFor({ state: 'attached' });
    await page.selectOption('#forecast-model', 'stock-nf');
    await expect(page.locator('#forecast-contract').textContent()).resolves.toContain('newest row first');
    await page.fill('#forecast-steps', '5');
    await page.setInputFiles('#csv-file', UNSEEN);
    await page.locator('#forecast-status').filter({ hasText: '300 rows' }).waitFor();
    await expect(page.locator('#forecast-status').textContent()).resolves.toContain('read newest row first');
    await page.click('#forecast-go');
    await page.locator('#forecast-values').waitFor();
    const shown = await page.$$eval('#forecast-values td[data-key="forecast"]', (tds) => tds.map((td) => Number(td.getAttribute('data-value'))));
    expect(shown.map(printed)).toEqual(cliValues);
    // The history ends at the file's first data row (its newest close): naive repeats it.
    const newestClose = Number(UNSEEN_CSV.split('\r\n')[2]!.split(',')[4]);
    const naive = await page.$$eval('#forecast-values td[data-key="naive"]', (tds) => tds.map((td) => Number(td.getAttribute('data-value'))));
    expect(naive).toEqual(Array(5).fill(newestClose));
  });
});
