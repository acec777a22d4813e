/**
 * README.md says which commands print the backend line on stderr and which keep stderr for
 * errors (between `<!-- backend-line:yes -->` / `<!-- backend-line:no -->` and
 * `<!-- /backend-line -->`). This runs every command listed and checks that it does as it says.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(REPO, 'apps/cli/dist/main.js');
const README = readFileSync(path.join(REPO, 'README.md'), 'utf8');
const BACKEND_LINE = /^seqcast: tfjs \S+ backend (node|wasm|cpu)\b/m;
const dir = mkdtempSync(path.join(os.tmpdir(), 'seqcast-backend-line-'));
const CARS = path.join(dir, 'monthly-sales.csv');
writeFileSync(CARS, execFileSync(process.execPath, [CLI, 'data', 'sample', 'monthly-sales']));
const M = path.join(dir, 'models');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function listed(kind: 'yes' | 'no'): string[] {
  const m = new RegExp(`<!-- backend-line:${kind} -->([\\s\\S]*?)<!-- /backend-line -->`).exec(README);
  expect(m, `README: backend-line:${kind} list`).not.toBeNull();
  return [...m![1]!.matchAll(/`([^`]+)`/g)].map((x) => x[1]!);
}

/** Arguments that make each command do its job; servers are stopped once they serve. */
const ARGS: Record<string, string[]> = {
  'chars train': ['--inline', 'hihello', '--seq', '6', '--layers', '1', '--epochs', '100', '--lr', '0.1', '--seed', '777', '--out', `${M}/hihello`],
  'forecast train': ['--csv', CARS, '--target', 'Sales', '--season', '12', '--epochs', '2', '--out', `${M}/cars`],
  'forecast eval': ['--model', `${M}/cars`, '--csv', CARS],
  'forecast predict': ['--model', `${M}/cars`, '--csv', CARS, '--steps', '2'],
  demo: [],
  serve: ['--models', M, '--port', '0', '--quiet'],
  start: ['--models', M, '--port', '0', '--quiet'],
  'chars predict': ['--model', `${M}/hihello`, '--text', 'hihell'],
  'chars eval': ['--model', `${M}/hihello`, '--inline', 'hihello'],
  'chars next': ['--model', `${M}/hihello`, '--text', 'hihel'],
  'chars generate': ['--model', `${M}/hihello`, '--prefix', 'hi', '--length', '3', '--seed', '1'],
  'data inspect': ['--csv', CARS],
  'data sample': ['monthly-sales'],
};

function run(command: string): Promise<{ code: number | null; stderr: string }> {
  const env = { ...process.env };
  delete env.SEQCAST_QUIET;
  const child = spawn(process.execPath, [CLI, ...command.split(' '), ...ARGS[command]!], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let stopped = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    // A server: it has started; one SIGTERM (a second one would cut the graceful shutdown short).
    if (!stopped && /serving \d+ models? from/.test(stdout)) stopped = child.kill('SIGTERM');
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe("README's backend-line promise", () => {
  it('every listed command has arguments here (a new command must be added to the test)', () => {
    for (const c of [...listed('yes'), ...listed('no')]) expect(Object.keys(ARGS), c).toContain(c);
  });

  it('the commands listed as printing it do, once, on stderr', async () => {
    // In list order: chars train and forecast train make the models the later commands use.
    for (const c of listed('yes')) {
      const r = await run(c);
      expect(r.code, `${c}: ${r.stderr.slice(-500)}`).toBe(0);
      expect(r.stderr.match(new RegExp(BACKEND_LINE, 'gm'))?.length, `${c} stderr: ${r.stderr.slice(0, 300)}`).toBe(1);
    }
  });

  it('the quick queries listed keep stderr empty', async () => {
    for (const c of listed('no')) {
      const r = await run(c);
      expect(r.code, `${c}: ${r.stderr.slice(-500)}`).toBe(0);
      expect(r.stderr, c).toBe('');
    }
  });
});
