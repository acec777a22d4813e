/**
 * Consumption from outside the monorepo, as a new user would do it: `pnpm -r pack`, then a fresh
 * `npm init -y` project ("type": "module") that runs `npm i <every tarball>` against the npm
 * registry only — no overrides, no flags — and uses the packages: the README's "Use it in your
 * project" example (its code and its output are compared with the README, so neither drifts),
 * require() from CommonJS, the server started and stopped, `npx seqcast info`, all with the
 * fused kernels that the install hook of @seqcast/kernels built.
 *
 * Slow by nature (an npm install and a native compile: about 1–3 minutes), so it runs once, in
 * its own vitest project, inside `pnpm test`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesDoc } from '../docs/doc-output.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
/** The example's data, written in the project by `npx seqcast data sample` as the README says. */
const CARS = 'monthly-car-sales.csv';
const PACKAGES = ['cli', 'core', 'data', 'forecast', 'kernels', 'server', 'web'];
/** Packages whose tarball is a browser bundle: no TypeScript, so no source maps to check. */
const BUNDLES = new Set(['seqcast-web-0.1.0.tgz']);

/** The parent's environment without pnpm's/npm's per-script settings and without seqcast switches. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|PNPM_|SEQCAST_|VITEST|TURBO_)/i.test(k) || k === 'NODE_OPTIONS' || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  return env;
}

let work: string;
let app: string;
let tarballs: string[];
let install: { code: number; ms: number; output: string };

/** Run a command in the consumer project without blocking the worker (an npm install takes minutes). */
function run(cmd: string, args: string[], cwd = app, timeout = 600_000): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', (e) => (stderr += String(e)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'seqcast-consumer-'));
  const dest = path.join(work, 'tarballs');
  mkdirSync(dest);
  const pack = await run('pnpm', ['-r', 'pack', '--pack-destination', dest], REPO);
  if (pack.code !== 0) throw new Error(`pnpm -r pack failed: ${pack.stderr.slice(-1000)}`);
  tarballs = readdirSync(dest)
    .filter((f) => f.endsWith('.tgz'))
    .map((f) => path.join(dest, f));
  app = path.join(work, 'app');
  mkdirSync(app);
  await run('npm', ['init', '-y']);
  const pkg = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ ...pkg, type: 'module' }, null, 2));
  const r = await run('npm', ['i', ...tarballs]);
  install = { code: r.code, ms: r.ms, output: `${r.stdout}\n${r.stderr}`.trim() };
  for (const f of ['example.mjs', 'checks.mjs']) copyFileSync(path.join(HERE, f), path.join(app, f));
  const sample = await run('npx', ['--no-install', 'seqcast', 'data', 'sample', 'monthly-sales']);
  writeFileSync(path.join(app, CARS), sample.stdout);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packed packages in a fresh npm project', () => {
  it('packs every public package, each with LICENSE, README and source maps that point at shipped files', () => {
    expect(tarballs.map((t) => path.basename(t)).sort()).toEqual(PACKAGES.map((p) => `seqcast-${p}-0.1.0.tgz`));
    for (const t of tarballs) {
      const files = new Set(execFileSync('tar', ['-tzf', t], { encoding: 'utf8' }).trim().split('\n'));
      expect(files, path.basename(t)).toContain('package/LICENSE');
      expect(files, path.basename(t)).toContain('package/README.md');
      const maps = [...files].filter((f) => f.endsWith('.map'));
      if (!BUNDLES.has(path.basename(t))) expect(maps.length, path.basename(t)).toBeGreaterThan(0);
      for (const m of maps) {
        const map = JSON.parse(execFileSync('tar', ['-xzOf', t, m], { encoding: 'utf8' })) as { sources: string[] };
        for (const s of map.sources) {
          const target = path.posix.normalize(path.posix.join(path.posix.dirname(m), s));
          expect(files.has(target), `${path.basename(t)}: ${m} -> ${s}`).toBe(true);
        }
      }
      expect(JSON.parse(execFileSync('tar', ['-xzOf', t, 'package/package.json'], { encoding: 'utf8' })).license).toBe('MIT');
    }
  });

  it('`npm i <all tarballs>` exits 0 with no overrides, and the kernels built at install', () => {
    expect(install.code, install.output.slice(-3000)).toBe(0);
    const status = JSON.parse(readFileSync(path.join(app, 'node_modules/@seqcast/kernels/build/status.json'), 'utf8')) as { ok: boolean; reason: string };
    expect(status, install.output.slice(-2000)).toMatchObject({ ok: true, reason: 'built' });
    // danfojs-node (whose install needs more than the registry) is an optional peer: not installed.
    expect(existsSync(path.join(app, 'node_modules/danfojs-node'))).toBe(false);
  });

  it("runs the README's example with the fused kernels and prints what the README shows", async () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Use it in your project'));
    const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    const shown = /```text\n\$ node example\.mjs\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code, 'README: the example code block').toBe(readFileSync(path.join(HERE, 'example.mjs'), 'utf8'));
    expect(section, 'README: the sample command the test runs').toContain('npx seqcast data sample monthly-sales > monthly-car-sales.csv');
    const r = await run('node', ['example.mjs']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^backend (node|wasm|cpu), recurrent kernels fused$/);
    // The backend depends on the machine (tfjs-node where its download works); the rest must match.
    expect(matchesDoc(r.stdout.replace(/^backend \w+/, 'backend wasm'), shown!), r.stdout).toBeNull();
    expect(r.stderr).toMatch(/^seqcast: recurrent kernels fused \w+/m);
  });

  it('works from CommonJS, without danfojs-node, and serves the models it trained', async () => {
    const r = await run('node', ['checks.mjs', CARS]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(out.kernels).toBe('fused');
    expect(out.require).toEqual(Object.fromEntries(['core', 'kernels', 'data', 'forecast', 'server'].map((p) => [`@seqcast/${p}`, 'ok'])));
    const sales = readFileSync(path.join(app, CARS), 'utf8')
      .split('\r\n')
      .slice(1)
      .map((line) => Number(line.split(',')[1]));
    expect(out.describe).toMatchObject({ min: Math.min(...sales), max: Math.max(...sales), count: 108 });
    expect(out.toDataFrame).toMatch(/^BACKEND_UNAVAILABLE: danfojs-node is not installed: .*npm i danfojs-node/);
    expect(out.svg).toBe(true);
    expect(out.health).toMatchObject({ status: 'ok', models: 2 });
    expect(out.next).toBe('l');
    expect(out.forecast).toHaveLength(3);
    expect(out.closed).toBe(true);
  });

  it("every package README's example runs as written", async () => {
    for (const dir of ['packages/core', 'packages/kernels', 'packages/data', 'packages/forecast', 'apps/server']) {
      const code = /```js\n([\s\S]*?)```/.exec(readFileSync(path.join(REPO, dir, 'README.md'), 'utf8'))?.[1];
      expect(code, `${dir}/README.md has a js example`).toBeTruthy();
      const file = `readme-${path.basename(dir)}.mjs`;
      writeFileSync(path.join(app, file), code!);
      const r = await run('node', [file]);
      expect(r.code, `${dir}/README.md example: ${r.stderr.slice(-1500)}`).toBe(0);
    }
  });

  it('`npx seqcast info` reports the fused kernels; `data inspect` works without danfojs-node', async () => {
    const info = await run('npx', ['--no-install', 'seqcast', 'info', '--json']);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout).kernels).toMatchObject({ path: 'fused', reason: 'available' });
    const inspect = await run('npx', ['--no-install', 'seqcast', 'data', 'inspect', '--csv', CARS, '--json']);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ rows: 108, columns: ['Sales'] });
  });
});
