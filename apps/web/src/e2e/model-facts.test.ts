// What the page shows about models and forecasts is true and complete, in Debian's Chromium
// against a real `seqcast serve`: the Models page gives each model's validation score against its
// baselines; a first visit to the Forecast tab can load a sample CSV; the chart shows a recent
// stretch of a long history; a Mon–Fri panel series is forecast on Mon–Fri dates the server gives;
// a panel job ended by its time budget says so; a space candidate reads "space", not a box.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CharLM } from '@seqcast/core';
import { readPanelCsv } from '@seqcast/data';
import { SeriesForecaster, GlobalForecaster, layoutOf, syntheticStockSeries } from '@seqcast/forecast';
import { launchBrowser, seriousViolations, serve, tmpModels, watchErrors, type ServedModels } from './harness.js';

const TOKEN = 'facts-token';
const tmp = tmpModels();
let server: ServedModels;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];

/** Business days (Mon–Fri) from Mon 2024-01-01. */
function businessDays(n: number): string[] {
  const out: string[] = [];
  for (let t = Date.UTC(2024, 0, 1); out.length < n; t += 86_400_000) {
    const day = new Date(t).getUTCDay();
    if (day !== 0 && day !== 6) out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** Two tickers of 80 business days each, the last a Friday (2024-04-19). */
const TICKERS_CSV = [
  'ticker,date,close',
  ...['AAA', 'BBB'].flatMap((id, j) => businessDays(80).map((d, k) => `${id},${d},${(100 + 10 * j + 3 * Math.sin(k / 4) + 0.05 * k).toFixed(3)}`)),
].join('\n');

beforeAll(async () => {
  const stock = await SeriesForecaster.fit(syntheticStockSeries(400, 3), { target: 'Close', window: 10, horizon: 5, epochs: 2, seed: 1 });
  await stock.save(path.join(tmp.dir, 'stock'));
  stock.dispose();
  const panel = await readPanelCsv({ text: TICKERS_CSV }, { target: 'close', idColumn: 'ticker', timeColumn: 'date' });
  const g = new GlobalForecaster({ horizon: 3, season: 5, epochs: 2, seed: 1 });
  await g.fit(panel, { horizon: 3, season: 5 });
  await g.save(path.join(tmp.dir, 'tickers'), { layout: layoutOf(panel, 'error') });
  g.dispose();
  const lm = await CharLM.train('hi hi hi hi hi ', { seqLength: 3, layers: 1, epochs: 60, learningRate: 0.1, seed: 1 });
  await lm.save(path.join(tmp.dir, 'hi'));
  lm.dispose();
  server = await serve(tmp.dir, TOKEN);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  tmp.cleanup();
});

async function open(hash: string): Promise<void> {
  page = await context.newPage();
  errors = watchErrors(page);
  await page.goto(`${server.url}/${hash}`);
}

afterEach(async () => {
  if (!page) return;
  expect(await seriousViolations(page)).toEqual([]);
  expect(errors).toEqual([]);
  await page.close();
});

const cells = (key: string) => page.$$eval(`#forecast-values td[data-key="${key}"]`, (tds) => tds.map((td) => Number(td.getAttribute('data-value'))));

describe('pages tell the truth about models and forecasts', () => {
  it("Models: each forecasting model's validation score against its baselines, and what it ships", async () => {
    await open('#/models');
    const stock = page.locator('tr[data-model="stock"] td[data-key="quality"]');
    await stock.waitFor();
    await expect(stock.textContent()).resolves.toMatch(/^validation MASE \d+\.\d{3} vs best baseline \w+ \d+\.\d{3}: /);
    const tickers = (await page.locator('tr[data-model="tickers"] td[data-key="quality"]').textContent()) ?? '';
    expect(tickers).toMatch(/^validation OWA \d+\.\d{3} vs Naive2 1.*; ships /);
    await expect(page.locator('tr[data-model="hi"] td[data-key="quality"]').textContent()).resolves.toBe('–');
  });

  it('Forecast: a first visit loads a sample CSV for the model; the chart shows a recent stretch, the whole history on request', async () => {
    await open('#/forecast');
    await page.locator('#forecast-model option[value="stock"]').waitFor({ state: 'attached' });
    await page.selectOption('#forecast-model', 'stock');
    await page.click('#forecast-sample');
    await page.locator('#forecast-status').filter({ hasText: '250 rows' }).waitFor();
    await page.fill('#forecast-steps', '5');
    await page.click('#forecast-go');
    await page.locator('#forecast-values').waitFor();
    expect(await cells('forecast')).toHaveLength(5);
    // 5 steps after 250 days: the last 48 days are drawn (8 × steps, at least 48), not all 250.
    await expect(page.locator('#forecast-shown').textContent()).resolves.toBe('Showing the last 48 of 250 observed values.');
    await page.check('#forecast-all-history');
    await page.locator('#forecast-shown').filter({ hasText: 'Showing 250 observed values.' }).waitFor();
  });

  it('Forecast: a Mon–Fri panel series is forecast on the Mon–Fri dates the server gives', async () => {
    await open('#/forecast');
    await page.locator('#forecast-model option[value="tickers"]').waitFor({ state: 'attached' });
    await page.selectOption('#forecast-model', 'tickers');
    await page.fill('#csv-text', TICKERS_CSV);
    await page.locator('#csv-text').blur();
    await page.locator('#forecast-series option').first().waitFor({ state: 'attached' });
    await page.click('#forecast-go');
    await page.locator('#forecast-values').waitFor();
    const dates = await page.$$eval('#forecast-values tbody tr', (trs) => trs.map((tr) => tr.querySelectorAll('td')[1]!.textContent));
    expect(dates).toEqual(['2024-04-22', '2024-04-23', '2024-04-24']); // after Friday 2024-04-19: Mon, Tue, Wed
  });

  it('Training: a panel job ended by its time budget says so in the jobs list and the result', async () => {
    const res = await fetch(`${server.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'panel',
        name: 'hurried',
        csv: TICKERS_CSV,
        csvOptions: { idColumn: 'ticker', timeColumn: 'date' },
        options: { target: 'close', horizon: 3, season: 5, minutes: 0.01, seed: 1 },
      }),
    });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as { id: string }).id;
    for (let t0 = Date.now(); ;) {
      const r = (await (await fetch(`${server.url}/v1/jobs/${id}`)).json()) as { state: string };
      if (r.state === 'succeeded') break;
      expect(['queued', 'running']).toContain(r.state);
      expect(Date.now() - t0).toBeLessThan(90_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await open('#/training');
    const row = page.locator('tr', { hasText: 'hurried' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/\d+\/12000 steps \(time budget\)/); // 3 networks × 4,000 steps planned
  }, 120_000);

  it('Characters: a space among the next characters reads "space", not a missing-glyph box', async () => {
    await open('#/chars');
    await page.locator('#chars-model option[value="hi"]').waitFor({ state: 'attached' });
    await page.selectOption('#chars-model', 'hi');
    await page.locator('#chars-text').pressSequentially('hi hi', { delay: 30 });
    const space = page.locator('#next-chars li[data-char=" "] .ch');
    await space.waitFor();
    await expect(space.textContent()).resolves.toBe('space');
    await expect(page.locator('#chars-vocab').textContent()).resolves.toContain('[space]');
  });
});
