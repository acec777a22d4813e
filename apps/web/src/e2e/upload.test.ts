// Issue 29 item 4 in a real browser: a 20 MB panel CSV chosen on the Training page is uploaded as
// the request body (POST /v1/jobs/csv) and trains with the server's default limits; before, the
// page sent it inside a JSON body and showed "request body is over the 1mb limit".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Browser } from 'playwright-core';
import { launchBrowser, seriousViolations, serve, tmpModels, watchErrors, type ServedModels } from './harness.js';

const TOKEN = 'upload-test-token';
const models = tmpModels();
const data = mkdtempSync(path.join(tmpdir(), 'seqcast-web-upload-'));
const BIG = path.join(data, 'panel-20mb.csv');
let server: ServedModels;
let browser: Browser;

/** A long-format panel (`id,date,y`): 250 daily series of 3,800 rows, ~21 MB. */
function writePanel(file: string): void {
  const days = Array.from({ length: 3800 }, (_, d) => new Date(Date.UTC(2000, 0, 1 + d)).toISOString().slice(0, 10));
  const parts = ['id,date,y\n'];
  for (let s = 0; s < 250; s++) {
    const id = `s${String(s).padStart(3, '0')}`;
    parts.push(
      days.map((day, d) => `${id},${day},${(50 + (s % 40) + 10 * Math.sin((2 * Math.PI * d) / 7) + ((s * 31 + d * 17) % 13) / 4).toFixed(2)}`).join('\n'),
      '\n',
    );
  }
  writeFileSync(file, parts.join(''));
}

beforeAll(async () => {
  writePanel(BIG);
  server = await serve(models.dir, TOKEN);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  models.cleanup();
  rmSync(data, { recursive: true, force: true });
});

describe('Training page upload in Chromium', () => {
  it('a 20 MB panel CSV chosen as a file trains through POST /v1/jobs/csv with the default limits', async () => {
    expect(statSync(BIG).size).toBeGreaterThan(20_000_000);
    const page = await (await browser.newContext()).newPage();
    const errors = watchErrors(page);
    const posted: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posted.push(`${new URL(r.url()).pathname} ${r.headers()['content-type'] ?? ''}`);
    });
    await page.goto(`${server.url}/#/training`);
    await page.fill('#token', TOKEN);
    await page.selectOption('#job-kind', 'panel');
    await page.fill('#job-name', 'big');
    await page.setInputFiles('#job-file', BIG);
    // Too big to show: the box says the file goes as it is, and holds none of it.
    await page.waitForFunction(() => (document.getElementById('job-content') as HTMLTextAreaElement).placeholder.startsWith('panel-20mb.csv ('));
    await expect(page.inputValue('#job-content')).resolves.toBe('');
    await page.fill('#job-target', 'y');
    await page.fill('#job-id-column', 'id');
    await page.fill('#opt-horizon', '7');
    await page.fill('#opt-season', '7');
    await page.fill('#opt-epochs', ''); // the time budget alone stops it: a short test
    await page.fill('#opt-minutes', '0.02');
    await page.click('#job-submit');
    await page.locator('#job-state').filter({ hasText: 'succeeded' }).waitFor({ timeout: 150_000 });
    await expect(page.locator('#job-result').textContent()).resolves.toMatch(/^Published big version 1 after \d+ steps/);
    expect(posted).toEqual(['/v1/jobs/csv text/csv']);
    const model = (await (await fetch(`${server.url}/v1/models/big`)).json()) as { kind: string };
    expect(model.kind).toBe('panel');
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 200_000);
});
