// The web page in a real browser (Debian's Chromium via playwright-core) against a real
// `seqcast serve` over real, freshly trained models: every page's flow, line-exact CSV errors,
// live training, no console errors, no serious accessibility violations. Each page's
// screenshot is written to docs/ for the README.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CharLM } from '@seqcast/core';
import { readCsv, readPanelCsv, sampleCsv } from '@seqcast/data';
import { SeriesForecaster, GlobalForecaster, globalForecasterOptionsSchema, layoutOf, panelToCsv, syntheticPanel } from '@seqcast/forecast';
import { REPO, launchBrowser, seriousViolations, serve, tmpModels, watchErrors, type ServedModels } from './harness.js';

// Screenshots are always taken; they replace the README's pictures in docs/ only when asked
// (SEQCAST_SCREENSHOTS=1), so an ordinary test run leaves the checkout clean.
const DOCS = process.env.SEQCAST_SCREENSHOTS === '1' ? path.join(REPO, 'docs') : mkdtempSync(path.join(tmpdir(), 'seqcast-shots-'));
/** Monthly sales as `seqcast data sample monthly-sales` writes them: the file a user uploads. */
const CARS = path.join(mkdtempSync(path.join(tmpdir(), 'seqcast-web-data-')), 'monthly-car-sales.csv');
writeFileSync(CARS, sampleCsv('monthly-sales'));
const TOKEN = 'web-test-token';
const tmp = tmpModels();
let server: ServedModels;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
/** The failed requests a test provokes on purpose (Chromium logs each 4xx as a console error). */
let expectedErrors: string[];

beforeAll(async () => {
  // The lecture's hihello model (lab 12-1) and a forecaster of the car sales.
  const lm = await CharLM.train('hihello', { seqLength: 6, layers: 1, epochs: 100, learningRate: 0.1, seed: 777 });
  await lm.save(path.join(tmp.dir, 'hihello'));
  lm.dispose();
  const cars = await readCsv({ path: CARS });
  const fc = await SeriesForecaster.fit(cars, { target: 'Sales', season: 12, epochs: 5, seed: 1 });
  await fc.save(path.join(tmp.dir, 'cars'));
  fc.dispose();
  // Panel models (one global network; forecasts with 80%/95% intervals): the car sales as a
  // panel of one series, and a synthetic panel of three.
  await trainPanel(await readPanelCsv({ path: CARS }, { target: 'Sales' }), 'cars-panel', 12, 12, 200); // ~5 s
  await trainPanel(await readPanelCsv({ text: PANEL_CSV }, { target: 'y', idColumn: 'id' }), 'shops', 6, 12, 3);
  server = await serve(tmp.dir, TOKEN);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
}, 300_000); // four real models trained on a shared 2-core machine

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  tmp.cleanup();
});

const PANEL_CSV = panelToCsv(syntheticPanel({ series: 3, length: 80, season: 12, seed: 3 }));

async function trainPanel(panel: Awaited<ReturnType<typeof readPanelCsv>>, name: string, horizon: number, season: number, epochs: number): Promise<void> {
  const g = new GlobalForecaster({ horizon, season, epochs, seed: 1 });
  await g.fit(panel, { horizon, season });
  await g.save(path.join(tmp.dir, name), { layout: layoutOf(panel, 'error') });
  g.dispose();
}

type Intervals = Record<string, { lower: number[]; upper: number[] }>;

/** A numeric column of the page's forecast table (the exact numbers, from data-value). */
function column(key: string): Promise<number[]> {
  return page.$$eval(`#forecast-values td[data-key="${key}"]`, (tds) => tds.map((td) => Number(td.getAttribute('data-value'))));
}

async function open(hash: string): Promise<void> {
  page = await context.newPage();
  errors = watchErrors(page);
  expectedErrors = [];
  await page.goto(`${server.url}/${hash}`);
}

afterEach(async () => {
  // Every page: no console errors, no serious accessibility violations.
  if (!page) return;
  expect(await seriousViolations(page)).toEqual([]);
  expect(errors.sort()).toEqual(expectedErrors.sort());
  await page.close();
});

async function postJson(p: string, body: unknown): Promise<unknown> {
  const r = await fetch(server.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(r.status).toBe(200);
  return r.json();
}

describe('web page in Chromium', () => {
  it('Models lists every served model with kind, version and contract, without a token', async () => {
    await open('#/models');
    await page.locator('tr[data-model="hihello"]').waitFor();
    const cars = page.locator('tr[data-model="cars"]');
    await expect(cars.locator('td').nth(1).textContent()).resolves.toBe('forecast');
    await expect(cars.textContent()).resolves.toContain('target Sales');
    await expect(page.locator('tr[data-model="hihello"] td').nth(1).textContent()).resolves.toBe('chars');
    await page.screenshot({ path: path.join(DOCS, 'web-models.png') });
    // Deleting without the token says so and deletes nothing.
    await page.getByRole('button', { name: 'Delete hihello' }).click();
    await expect(page.getByRole('alert').first().textContent()).resolves.toBe('Enter the token (top right) to delete a model.');
  });

  it('Forecast: the car sales CSV with the per-series model gives a chart and a table whose numbers equal the API answer', async () => {
    await open('#/forecast');
    await page.locator('#forecast-model option[value="cars"]').waitFor({ state: 'attached' });
    await page.selectOption('#forecast-model', 'cars');
    await page.fill('#forecast-steps', '12');
    await page.setInputFiles('#csv-file', CARS);
    await page.locator('#forecast-status').filter({ hasText: '108 rows' }).waitFor();
    await page.click('#forecast-go');
    await page.locator('#forecast-values').waitFor();

    // The same request straight to the API: every row of the file, 12 steps.
    const series = await readCsv({ path: CARS });
    const rows = Array.from(series.values.Sales!, (v) => ({ Sales: v }));
    const api = (await postJson('/v1/models/cars/forecast', { rows, steps: 12 })) as {
      forecast: number[];
      intervals?: Record<string, { lower: number[]; upper: number[] }>;
    };
    expect(await column('forecast')).toEqual(api.forecast);
    // Baselines beside it: naive = the last value, seasonal naive = the same month a year before.
    const last = series.values.Sales![series.rows - 1]!;
    expect(await column('naive')).toEqual(Array(12).fill(last));
    expect(await column('seasonal naive (m=12)')).toEqual(Array.from(series.values.Sales!.slice(series.rows - 12)));
    // Future dates continue the monthly history.
    await expect(page.locator('#forecast-values tbody tr').first().locator('td').nth(1).textContent()).resolves.toBe('1969-01');
    // The SeriesForecaster answers values only; the page says so instead of inventing bands.
    expect(api.intervals).toBeUndefined();
    await page.locator('#no-intervals').waitFor();
    // The chart: one Vega SVG with history, forecast and both baselines in its legend, and a
    // forecast point per step carrying the API's number for the hover read-out.
    const svg = page.locator('#forecast-chart svg[role="img"]');
    await svg.waitFor();
    const legend = await page.locator('#forecast-chart .role-legend-label text').allTextContents();
    expect(legend).toEqual(expect.arrayContaining(['history', 'forecast', 'naive', 'seasonal naive (m=12)']));
    expect(await page.locator('#forecast-chart g.mark-symbol.role-mark path').count()).toBe(12);
    await page.locator('#forecast-chart g.mark-symbol.role-mark path').nth(11).hover();
    const tip = page.locator('#vg-tooltip-element');
    await tip.waitFor({ state: 'visible' });
    const tipText = (await tip.textContent()) ?? '';
    expect(tipText).toContain('step12');
    expect(tipText.replace(/,/g, '')).toContain(String(Number(api.forecast[11]!.toFixed(4))));
    await page.mouse.move(0, 0);
  });

  it('Forecast: a panel model on the car sales draws its 80%/95% intervals, numbers equal to the API answer', async () => {
    await open('#/forecast');
    await page.locator('#forecast-model option[value="cars-panel"]').waitFor({ state: 'attached' });
    await page.selectOption('#forecast-model', 'cars-panel');
    await expect(page.locator('#forecast-steps').inputValue()).resolves.toBe('12'); // the model's horizon
    await page.setInputFiles('#csv-file', CARS);
    await page.locator('#forecast-status').filter({ hasText: '108 rows' }).waitFor();
    await page.click('#forecast-go');
    await page.locator('#forecast-values').waitFor();

    const series = await readCsv({ path: CARS });
    const rows = Array.from(series.values.Sales!, (v) => ({ Sales: v }));
    const api = (await postJson('/v1/models/cars-panel/forecast', { series: [{ id: 'series', rows }], steps: 12 })) as {
      forecasts: { values: number[]; intervals: Intervals }[];
    };
    const f = api.forecasts[0]!;
    expect(await column('forecast')).toEqual(f.values);
    for (const level of ['80', '95']) {
      expect(await column(`${level}-lower`)).toEqual(f.intervals[level]!.lower);
      expect(await column(`${level}-upper`)).toEqual(f.intervals[level]!.upper);
    }
    // Each forecast lies inside its bands.
    const lo80 = await column('80-lower');
    const hi95 = await column('95-upper');
    expect(f.values.every((v, k) => lo80[k]! <= v && v <= hi95[k]!)).toBe(true);
    // Drawn: one band per level, named in the legend; no "no intervals" note.
    expect(await page.locator('#forecast-chart g.mark-area.role-mark path').count()).toBe(2);
    const legend = await page.locator('#forecast-chart .role-legend-label text').allTextContents();
    expect(legend).toEqual(expect.arrayContaining(['80% interval', '95% interval', 'forecast', 'naive', 'seasonal naive (m=12)']));
    expect(await page.locator('#no-intervals').count()).toBe(0);
    // Hover a forecast point: its numbers, intervals included.
    await page.locator('#forecast-chart g.mark-symbol.role-mark path').nth(0).hover();
    const tip = page.locator('#vg-tooltip-element');
    await tip.waitFor({ state: 'visible' });
    expect(await tip.textContent()).toContain('80% lower');
    await page.mouse.move(0, 0);
    await tip.waitFor({ state: 'hidden' });
    await page.screenshot({ path: path.join(DOCS, 'web-forecast.png'), fullPage: true });
  });

  it('Forecast: a panel CSV offers its series; the one picked is forecast, numbers equal to the API answer', async () => {
    await open('#/forecast');
    await page.locator('#forecast-model option[value="shops"]').waitFor({ state: 'attached' });
    await page.selectOption('#forecast-model', 'shops');
    await page.fill('#csv-text', PANEL_CSV);
    await page.locator('#csv-text').blur();
    await page.locator('#forecast-series').waitFor();
    const options = await page.locator('#forecast-series option').allTextContents();
    expect(options.map((o) => o.split(' ')[0])).toEqual(['s000', 's001', 's002']);
    await page.selectOption('#forecast-series', { index: 1 });
    await page.click('#forecast-go');
    await page.locator('#forecast-values').waitFor();
    const panel = await readPanelCsv({ text: PANEL_CSV }, { target: 'y', idColumn: 'id' });
    const s1 = panel.series[1]!;
    const api = (await postJson('/v1/models/shops/forecast', { series: [{ id: s1.id, rows: Array.from(s1.values, (y) => ({ y })) }], steps: 6 })) as {
      forecasts: { values: number[]; intervals: Intervals }[];
    };
    expect(await column('forecast')).toEqual(api.forecasts[0]!.values);
    expect(await column('95-upper')).toEqual(api.forecasts[0]!.intervals['95']!.upper);
    expect(await column('naive')).toEqual(Array(6).fill(s1.values[s1.values.length - 1]));
  });

  it("Forecast: a bad CSV shows the server's line-exact error under the CSV, with that line", async () => {
    await open('#/forecast');
    await page.locator('#forecast-model option[value="cars"]').waitFor({ state: 'attached' });
    const lines = readFileSync(CARS, 'utf8').split('\n');
    lines[41] = '"1963-05",12x34'; // file line 42
    await page.fill('#csv-text', lines.join('\n'));
    await page.click('#forecast-go');
    const error = page.locator('#csv-error');
    await error.waitFor();
    await expect(error.locator('span').first().textContent()).resolves.toBe('<text>:42: column "Sales": "12x34" is not a number');
    await expect(page.locator('#csv-error-line').textContent()).resolves.toBe('"1963-05",12x34');
    await expect(page.locator('#csv-text').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await page.locator('#forecast-values').count()).toBe(0);
    await page.screenshot({ path: path.join(DOCS, 'web-forecast-error.png') });
    // The one 400 is the CSV check this test provoked; nothing else failed or logged an error.
    expectedErrors = ['console: Failed to load resource: the server responded with a status of 400 (Bad Request)', 'response: 400 POST /v1/csv'];
  });

  it('Characters: typing "hihel" puts "l" on top, with the API\'s probabilities; same seed, same text', async () => {
    await open('#/chars');
    await page.locator('#chars-model option[value="hihello"]').waitFor({ state: 'attached' });
    await page.locator('#chars-text').pressSequentially('hihel', { delay: 30 });
    const first = page.locator('#next-chars li').first();
    await page.waitForFunction(
      () => document.querySelectorAll('#next-chars li').length > 0 && (document.getElementById('chars-text') as HTMLInputElement).value === 'hihel',
    );
    await page.locator('#next-chars').waitFor();
    // Wait until the list answers the whole text (answers to earlier keystrokes are dropped).
    const api = (await postJson('/v1/models/hihello/next', { text: 'hihel', top: 5 })) as { next: { char: string; p: number }[] };
    await page.waitForFunction((p) => document.querySelector('#next-chars li')?.getAttribute('data-p') === String(p), api.next[0]!.p);
    await expect(first.getAttribute('data-char')).resolves.toBe('l');
    const shown = await page.$$eval('#next-chars li', (lis) => lis.map((li) => ({ char: li.getAttribute('data-char'), p: Number(li.getAttribute('data-p')) })));
    expect(shown).toEqual(api.next);

    await page.fill('#gen-prefix', 'hi');
    await page.fill('#gen-length', '20');
    await page.fill('#gen-seed', '7');
    await page.click('form button[type="submit"]');
    const out = page.locator('#gen-continuation');
    await out.waitFor();
    const once = await out.textContent();
    const viaApi = (await postJson('/v1/models/hihello/generate', { prefix: 'hi', length: 20, temperature: 0.7, seed: 7 })) as { text: string };
    expect(once).toBe(viaApi.text);
    expect(once).toHaveLength(20);
    await page.click('form button[type="submit"]');
    await page.waitForFunction(() => !(document.querySelector('form button[type="submit"]') as HTMLButtonElement).disabled);
    await expect(out.textContent()).resolves.toBe(once);
    await page.screenshot({ path: path.join(DOCS, 'web-chars.png') });
  });

  it('Training: a job followed live over SSE to completion, loss curve drawn, model published; a second one cancelled', async () => {
    await open('#/training');
    await page.fill('#token', TOKEN);
    await page.selectOption('#job-kind', 'chars');
    await page.fill('#job-name', 'hi2');
    await page.fill('#job-content', 'hihello');
    await page.fill('#opt-epochs', '80');
    await page.click('#job-submit');
    await page.locator('#job-state').filter({ hasText: 'succeeded' }).waitFor({ timeout: 120_000 });
    await expect(page.locator('#job-step').textContent()).resolves.toBe('80 / 80');
    await expect(page.locator('#job-unit').textContent()).resolves.toBe('epochs');
    await expect(page.locator('#job-result').textContent()).resolves.toMatch(/^Published hi2 version 1 after 80 epochs/);
    // The loss curve has a point per epoch the stream reported (progress is sent at most every
    // so often, so not necessarily all 80), and ends at the job's final loss.
    const marks = await page.locator('#loss-chart g.mark-symbol.role-mark path').count();
    expect(marks).toBeGreaterThan(1);
    const job = ((await (await fetch(`${server.url}/v1/jobs`)).json()) as { jobs: { name: string; state: string; loss: number }[] }).jobs.find(
      (j) => j.name === 'hi2',
    )!;
    expect(job.state).toBe('succeeded');
    // The token never leaves page memory.
    expect(page.url()).not.toContain(TOKEN);
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie)).not.toContain(TOKEN);
    await page.screenshot({ path: path.join(DOCS, 'web-training.png'), fullPage: true });

    // The published model is served: the Models page lists it.
    await page.click('a[href="#/models"]');
    await page.locator('tr[data-model="hi2"]').waitFor();

    // A global (panel) model from the car sales CSV, uploaded as a file.
    await page.click('a[href="#/training"]');
    await page.selectOption('#job-kind', 'panel');
    // A field left empty shows the server's default, read from the served OpenAPI document.
    const minutes = page.locator('#opt-minutes + .hint');
    await minutes.waitFor();
    await expect(minutes.textContent()).resolves.toBe(`default ${globalForecasterOptionsSchema.shape.minutes.def.defaultValue}`);
    await page.fill('#job-name', 'cars2');
    await page.setInputFiles('#job-file', CARS);
    await page.waitForFunction(() => (document.getElementById('job-content') as HTMLTextAreaElement).value.startsWith('"Month","Sales"'));
    await page.fill('#job-target', 'Sales');
    await page.fill('#opt-season', '12');
    await page.fill('#opt-epochs', '2');
    await page.click('#job-submit');
    await page.locator('#job-state').filter({ hasText: 'succeeded' }).waitFor({ timeout: 120_000 });
    await expect(page.locator('#job-result').textContent()).resolves.toMatch(/^Published cars2 version 1 after \d+ steps/);
    const cars2 = (await (await fetch(`${server.url}/v1/models/cars2`)).json()) as { kind: string };
    expect(cars2.kind).toBe('panel');

    // A long job (two layers of 64 over 560 windows: 40 s or more), cancelled from the page.
    await page.selectOption('#job-kind', 'chars');
    await page.fill('#job-name', 'long');
    await page.fill('#job-content', 'if you want to build a ship, '.repeat(20));
    await page.fill('#opt-seqLength', '20');
    await page.fill('#opt-layers', '2');
    await page.fill('#opt-hidden', '64');
    await page.fill('#opt-epochs', '1000');
    await page.click('#job-submit');
    await page
      .locator('#job-state')
      .filter({ hasText: /queued|running/ })
      .waitFor();
    await page.click('#job-cancel');
    await page.locator('#job-state').filter({ hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
    await expect(page.locator('#job-result').textContent()).resolves.toBe('Job cancelled.');
  }, 300_000); // three real training jobs

  it('Training: the form offers every registered panel model kind with its own options; the drift model trains from it', async () => {
    await open('#/training');
    await page.fill('#token', TOKEN);
    await page.selectOption('#job-kind', 'panel');
    await page.locator('#job-model option[value="drift"]').waitFor({ state: 'attached' });
    const kinds = await page.locator('#job-model option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    const served = ((await (await fetch(`${server.url}/v1/model-kinds`)).json()) as { kinds: { kind: string }[] }).kinds.map((k) => k.kind);
    expect(kinds).toEqual(served);
    expect(kinds).toEqual(expect.arrayContaining(['global', 'naive2', 'theta', 'drift']));
    await page.selectOption('#job-model', 'drift');
    // The drift model's own option, and none of the global model's.
    await page.locator('#opt-lookback').waitFor();
    expect(await page.locator('#opt-minutes').count()).toBe(0);
    await page.fill('#job-name', 'drift1');
    await page.fill('#job-content', PANEL_CSV);
    await page.fill('#job-target', 'y');
    await page.fill('#job-id-column', 'id');
    await page.fill('#opt-season', '12');
    await page.fill('#opt-lookback', '24');
    await page.click('#job-submit');
    await page.locator('#job-state').filter({ hasText: 'succeeded' }).waitFor({ timeout: 60_000 });
    const job = (
      (await (await fetch(`${server.url}/v1/jobs`)).json()) as { jobs: { name: string; modelKind?: string; options: Record<string, unknown> }[] }
    ).jobs.find((j) => j.name === 'drift1')!;
    expect(job.modelKind).toBe('drift');
    expect(job.options).toMatchObject({ lookback: 24, horizon: 12, season: 12 });
    const model = (await (await fetch(`${server.url}/v1/models/drift1`)).json()) as { kind: string; metrics: { modelKind?: string } };
    expect(model.kind).toBe('panel');
    expect(model.metrics.modelKind).toBe('drift');
  }, 120_000);

  it('Models: deleting with the token removes the model', async () => {
    await open('#/models');
    await page.fill('#token', TOKEN);
    await page.getByRole('button', { name: 'Delete hi2' }).click();
    await page.getByRole('button', { name: 'Delete hi2', exact: true }).last().click();
    await page.locator('p[role="status"]').filter({ hasText: 'Deleted hi2.' }).waitFor();
    expect(await page.locator('tr[data-model="hi2"]').count()).toBe(0);
    expect((await fetch(`${server.url}/v1/models/hi2`)).status).toBe(404);
  });
});
