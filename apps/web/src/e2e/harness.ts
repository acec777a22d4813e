/**
 * Browser-test harness: a real server (the `seqcast serve` CLI in its own process, as a user
 * starts it) over a temp models directory, and Debian's Chromium driven by playwright-core. The
 * browser comes from apt (`apt-get install chromium`), never downloaded by the test tool.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../../../..');
export const CHROMIUM = process.env.SEQCAST_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a root, sandbox-less, offline machine: no GPU, no background calls to Google. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set SEQCAST_CHROMIUM)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface ServedModels {
  url: string;
  dir: string;
  token: string;
  stop(): Promise<void>;
}

/** `seqcast serve --models DIR --port 0` with a token; resolves once it prints its URL. */
export async function serve(dir: string, token: string): Promise<ServedModels> {
  const cli = path.join(REPO, 'apps/cli/dist/main.js');
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve', '--models', dir, '--port', '0', '--quiet'], {
    env: { ...process.env, SEQCAST_TOKEN: token, SEQCAST_QUIET: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`seqcast serve exited ${code}: ${err.trim()}`)));
  });
  return {
    url,
    dir,
    token,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function tmpModels(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'seqcast-web-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Console errors and uncaught page errors, collected per page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  // Chromium logs every 4xx/5xx fetch as a console error without its URL: record which one it was.
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`response: ${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  return errors;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core on the current page: the serious and critical violations, as `id: help (n nodes)`. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the debugging protocol: an inline script tag is (rightly) refused by the page's CSP.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await (
      window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; help: string; nodes: unknown[] }[] }> } }
    ).axe.run();
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes} nodes)`);
}
