// The Forecast page with a panel model trained with future-known (a planned promotion) and static
// (a store type) covariates, in Chromium against `seqcast serve`: the future CSV is uploaded next
// to the history, both are read by the server as `forecast predict --future` reads them, and the
// page's numbers are the panel forecast API's for the same future values. A missing or short
// future file is shown under the future CSV field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { readPanelCsv, sampleCsv } from '@seqcast/data';
import { GlobalForecaster, layoutOf, readFutureCsv } from '@seqcast/forecast';
import { launchBrowser, seriousViolations, serve, tmpModels, watchErrors, type ServedModels } from './harness.js';

const TOKEN = 'future-test-token';
const H = 7;
const models = tmpModels();
const data = mkdtempSync(path.join(tmpdir(), 'seqcast-web-future-'));
// 3 stores × 400 days, and the same stores' next 28 days of planned promotions.
const HISTORY = sampleCsv('store-promo', { rows: 1200 });
const FUTURE = path.join(data, 'store-promo-future.csv');
const read = { target: 'sales', idColumn: 'store', timeColumn: 'date', features: ['promo', 'store_type'], categorical: 'auto' as const };
let server: ServedModels;
let browser: Browser;

beforeAll(async () => {
  writeFileSync(FUTURE, sampleCsv('store-promo-future', { rows: 1200 }));
  const panel = await readPanelCsv({ text: HISTORY }, read);
  const model = new GlobalForecaster({ horizon: H, season: 7, steps: 60, units: 16, batchSize: 32, minutes: 2, seed: 1 });
  await model.fit(panel, { horizon: H, season: 7, covariates: { futureFeatures: ['promo'], staticFeatures: ['store_type'] } });
  await model.save(path.join(models.dir, 'promo'), { layout: layoutOf(panel, 'error') });
  model.dispose();
  server = await serve(models.dir, TOKEN);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  models.cleanup();
  rmSync(data, { recursive: true, force: true });
});

async function openForecast(): Promise<{ page: Page; errors: string[] }> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/#/forecast`);
  await page.locator('#forecast-model option[value="promo"]').waitFor({ state: 'attached' });
  await page.selectOption('#forecast-model', 'promo');
  await page.fill('#forecast-steps', String(H));
  await page.fill('#csv-text', HISTORY);
  await page.locator('#csv-text').blur();
  await page.locator('#forecast-series').waitFor();
  return { page, errors };
}

describe('Forecast page: a future CSV next to the history', () => {
  it("forecasts from an uploaded future file; the numbers are the API's for the same future values", async () => {
    const { page, errors } = await openForecast();
    await expect(page.locator('#future-hint').textContent()).resolves.toBe(
      `This model reads promo known in advance: give a future CSV with the id and time columns and promo for the next ${H} steps of each series (no sales).`,
    );
    await page.setInputFiles('#future-file', FUTURE);
    await page.waitForFunction(() => (document.getElementById('future-text') as HTMLTextAreaElement).value.startsWith('store,date,promo'));
    await page.selectOption('#forecast-series', { index: 1 });
    await page.click('#forecast-go');
    await page.locator('#forecast-values').waitFor();
    const shown = await page.$$eval('#forecast-values td[data-key="forecast"]', (tds) => tds.map((td) => Number(td.getAttribute('data-value'))));
    const dates = await page.$$eval('#forecast-values tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));

    const panel = await readPanelCsv({ text: HISTORY }, read);
    const future = await readFutureCsv(FUTURE, panel, { idColumn: 'store', timeColumn: 'date', columns: ['promo'], categorical: [], steps: H });
    const s = panel.series[1]!;
    const promo = Array.from(future.get(s.id)!.columns.promo as ArrayLike<number>);
    const type = panel.categoricalLevels!.store_type![s.categorical!.store_type![0]!]!;
    const body = {
      series: [
        {
          id: s.id,
          times: [...s.times!],
          rows: Array.from(s.values, (sales, r) => ({ sales, promo: s.features.promo![r]!, store_type: type })),
          future: promo.map((p) => ({ promo: p })),
        },
      ],
      steps: H,
    };
    const res = await fetch(`${server.url}/v1/models/promo/forecast`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const api = (await res.json()) as { forecasts: { values: number[]; dates: string[] }[] };
    expect(shown).toEqual(api.forecasts[0]!.values);
    expect(dates).toEqual(api.forecasts[0]!.dates);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('no future CSV, or one that does not cover the steps, is shown under the future CSV field', async () => {
    const { page, errors } = await openForecast();
    await page.click('#forecast-go');
    const error = page.locator('#future-error');
    await expect(error.textContent()).resolves.toBe(`This model needs promo for the next ${H} steps: upload or paste the future CSV.`);
    await expect(page.locator('#future-text').getAttribute('aria-invalid')).resolves.toBe('true');
    // Three days of promotions for a seven-day forecast.
    const short = sampleCsv('store-promo-future', { rows: 1200 }).split(/\r?\n/);
    await page.fill('#future-text', [short[0], ...short.slice(1).filter((l) => /,2023-02-0[567],/.test(l))].join('\n'));
    await page.click('#forecast-go');
    await error.filter({ hasText: 'future row' }).waitFor();
    await expect(error.textContent()).resolves.toMatch(
      /^<future>: series "store_001" has 3 future row\(s\) after its last time 2023-02-04, the forecast of 7 step\(s\) needs 7 \(columns promo\)$/,
    );
    expect(await page.locator('#forecast-values').count()).toBe(0);
    // The one 400 is the future file's check this test provoked (logged by Chromium in either order).
    expect(errors.sort()).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)', 'response: 400 POST /v1/csv']);
    await page.close();
  }, 60_000);

  it("'Try a sample CSV' fills the history and the future CSV of a covariate model; they forecast", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.url}/#/forecast`);
    await page.locator('#forecast-model option[value="promo"]').waitFor({ state: 'attached' });
    await page.selectOption('#forecast-model', 'promo');
    await page.click('#forecast-sample');
    await page.locator('#forecast-series').waitFor();
    await expect(page.inputValue('#future-text')).resolves.toMatch(/^store,date,promo\n/);
    await page.click('#forecast-go');
    await page.locator('#forecast-values').waitFor();
    expect(await page.locator('#forecast-values td[data-key="forecast"]').count()).toBe(H);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
