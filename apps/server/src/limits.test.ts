// Training is bounded: memory (estimated at submit, capped batch, hard RSS limit of the training
// process), wall-clock time, and the training process never outlives the server.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from '@seqcast/core';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './server.js';
import { tmpDir } from './testing/fixtures.js';
import type { JobRecord } from './jobs/types.js';
import type { ServerLimits } from './options.js';

const TOKEN = 'limits-token';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function server(limits: ServerLimits = {}): Promise<RunningServer> {
  const tmp = tmpDir();
  const s = await startServer({ modelsDir: tmp.dir, port: 0, token: TOKEN, logger: false, limits });
  cleanups.push(
    () => tmp.cleanup(),
    () => s.close(),
  );
  return s;
}

/**
 * 60 KB of prose-like text with the vocabulary of ordinary English prose (~78 characters: both
 * cases, digits, punctuation), seeded; the job: seqLength 50, hidden 256, 2 layers, 1 epoch.
 */
function proseLike(chars: number, seed = 1): string {
  const rand = seededRandom(seed);
  const pick = (s: string) => s[Math.floor(rand() * s.length)]!;
  const lower = 'etaoinshrdlucmfwypvbgkjqxz';
  let out = '';
  while (out.length < chars) {
    let word = pick(lower.toUpperCase() + lower + lower + lower);
    for (let k = Math.floor(rand() * 7); k > 0; k--) word += pick(lower);
    if (rand() < 0.02) word = String(Math.floor(rand() * 1000));
    out += word + (rand() < 0.15 ? pick(`.,;:!?'"-)(`) : '') + pick('   \n');
  }
  return out.slice(0, chars);
}
const TEXT_60K = proseLike(60_000);
const BIG_JOB = { kind: 'chars', name: 'big', text: TEXT_60K, options: { seqLength: 50, hidden: 256, layers: 2, epochs: 1 } };

async function submit(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/v1/jobs`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
}
async function job(url: string, id: string): Promise<JobRecord> {
  return (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as JobRecord;
}
async function waitFor(url: string, id: string, done: (r: JobRecord) => boolean, timeoutMs = 60_000): Promise<JobRecord> {
  const t0 = Date.now();
  for (;;) {
    const r = await job(url, id);
    if (done(r)) return r;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} still ${r.state}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Children of `pid` (Linux). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
function rssBytes(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
function readFileSyncOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
/** Alive and not a zombie. */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('training memory', () => {
  it('refuses at submit (400, naming the option) what cannot fit the training memory budget', async () => {
    const s = await server();
    const huge = await submit(s.url, { ...BIG_JOB, options: { ...BIG_JOB.options, batchSize: 50_000 } });
    expect(huge.status).toBe(400);
    expect(((await huge.json()) as { detail: string }).detail).toMatch(
      /^options\.batchSize 50000 needs about \d+ MiB per training step, over the 512 MiB training memory budget; at most \d+ windows per batch fit/,
    );
    const wide = await submit(s.url, { ...BIG_JOB, options: { seqLength: 1000, hidden: 1024, layers: 4 } });
    expect(wide.status).toBe(400);
    expect(((await wide.json()) as { detail: string }).detail).toMatch(
      /^options\.hidden 1024 × options\.layers 4 × options\.seqLength 1000 needs about .* lower options\.hidden/,
    );
    const head = await submit(s.url, { kind: 'chars', name: 'h', text: 'hihello', options: { seqLength: 3, dense: false, hidden: 9 } });
    expect(head.status).toBe(400);
    expect(((await head.json()) as { detail: string }).detail).toMatch(/options\.dense false needs options\.hidden equal to the text's 5 distinct characters/);
    expect(((await (await fetch(`${s.url}/v1/jobs`)).json()) as { jobs: unknown[] }).jobs).toHaveLength(0);
  });

  it('the 60 KB / seqLength 50 / hidden 256 / 2-layer job runs with the process group under 2 GB', async () => {
    const s = await server();
    const res = await submit(s.url, BIG_JOB);
    expect(res.status).toBe(202);
    const rec = (await res.json()) as JobRecord;
    await waitFor(s.url, rec.id, (r) => r.state === 'running');
    let peak = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 8000) {
      const total = rssBytes(process.pid) + childrenOf(process.pid).reduce((n, c) => n + rssBytes(c), 0);
      peak = Math.max(peak, total);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await job(s.url, rec.id)).state).toBe('running'); // it trains (batches capped), not refused
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(2 * 2 ** 30);
    const del = await fetch(`${s.url}/v1/jobs/${rec.id}`, { method: 'DELETE', headers: auth });
    expect(await del.json()).toMatchObject({ state: 'cancelled' });
  }, 60_000);

  it('a training process over its hard memory limit is killed; the job fails naming the limit', async () => {
    const s = await server({ jobMemoryMb: 120 });
    const rec = (await (await submit(s.url, BIG_JOB)).json()) as JobRecord;
    const done = await waitFor(s.url, rec.id, (r) => r.state !== 'queued' && r.state !== 'running');
    expect(done).toMatchObject({ state: 'failed', error: { code: 'TOO_LARGE' } });
    expect(done.error!.message).toMatch(/more than its 120 MiB memory limit/);
    expect(childrenOf(process.pid).filter(running)).toEqual([]);
  }, 60_000);
});

describe('job time limit', () => {
  it('a job over the wall-clock limit is stopped and fails with TIME_LIMIT; the next job starts', async () => {
    const s = await server({ maxJobSeconds: 3 });
    const long = {
      kind: 'chars',
      name: 'long',
      text: 'if you want to build a ship, '.repeat(20),
      options: { seqLength: 20, layers: 2, hidden: 64, epochs: 1000 },
    };
    const first = (await (await submit(s.url, long)).json()) as JobRecord;
    const second = (await (await submit(s.url, long)).json()) as JobRecord;
    const done = await waitFor(s.url, first.id, (r) => r.state !== 'queued' && r.state !== 'running');
    expect(done).toMatchObject({ state: 'failed', error: { code: 'TIME_LIMIT' } });
    expect(done.error!.message).toMatch(/longer than the server's 3 s limit/);
    expect(await waitFor(s.url, second.id, (r) => r.state !== 'queued')).toMatchObject({ state: 'running' });
    expect(await (await fetch(`${s.url}/v1/jobs/${second.id}`, { method: 'DELETE', headers: auth })).json()).toMatchObject({ state: 'cancelled' });
  }, 60_000);
});

describe('the training process and its server', () => {
  it('dies soon after a server killed with SIGKILL, even mid-step', async () => {
    const tmp = tmpDir();
    cleanups.push(() => tmp.cleanup());
    const cli = path.resolve(__dirname, '../../cli/dist/main.js');
    const srv = spawn(process.execPath, [cli, 'serve', '--models', tmp.dir, '--port', '0', '--quiet'], {
      env: { ...process.env, SEQCAST_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    cleanups.push(() => void srv.kill('SIGKILL'));
    const url = await new Promise<string>((resolve, reject) => {
      srv.stdout.on('data', (d: Buffer) => {
        const m = /at (http:\/\/\S+)/.exec(d.toString());
        if (m) resolve(m[1]!);
      });
      srv.on('exit', () => reject(new Error('server exited')));
    });
    // Big steps (seconds each): the process cannot notice a closed channel between batches in time.
    const rec = (await (await submit(url, { ...BIG_JOB, options: { ...BIG_JOB.options, batchSize: 200 } })).json()) as JobRecord;
    await waitFor(url, rec.id, (r) => r.state === 'running');
    let trainer: number | undefined;
    for (let i = 0; i < 50 && trainer === undefined; i++) {
      trainer = childrenOf(srv.pid!)[0];
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(trainer).toBeDefined();
    await new Promise((r) => setTimeout(r, 3000)); // loaded and inside a training step by now
    srv.kill('SIGKILL');
    const t0 = Date.now();
    while (running(trainer!) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    // Typically 0.2 s; the bound is loose because a loaded test machine delays every process.
    expect(running(trainer!)).toBe(false);
  }, 60_000);

  it('the watchdog kills a process whose main thread never yields once its parent is gone', async () => {
    const watchdog = path.resolve(__dirname, '../dist/jobs/parent-watchdog.js');
    // parent -> child (imports the watchdog, then spins forever: no event loop, no 'disconnect').
    const tmp = tmpDir();
    cleanups.push(() => tmp.cleanup());
    const childJs = path.join(tmp.dir, 'child.mjs');
    const parentJs = path.join(tmp.dir, 'parent.cjs');
    writeFileSync(
      childJs,
      `const { watchdogReady } = await import(${JSON.stringify(watchdog)});\nawait watchdogReady;\n(await import('node:fs')).writeFileSync(${JSON.stringify(childJs + '.ready')}, String(process.pid));\nfor (;;) {}\n`,
    );
    writeFileSync(parentJs, `require('node:child_process').fork(${JSON.stringify(childJs)});\n`);
    const parent = spawn(process.execPath, [parentJs], { stdio: 'ignore' });
    cleanups.push(() => void parent.kill('SIGKILL'));
    let child = 0;
    while (!child) {
      await new Promise((r) => setTimeout(r, 50));
      child = Number(readFileSyncOr(childJs + '.ready'));
    }
    expect(running(child)).toBe(true);
    parent.kill('SIGKILL');
    const t0 = Date.now();
    while (running(child) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    expect(running(child)).toBe(false);
  }, 30_000);
});

describe('event streams', () => {
  it('are capped (maxEventStreams): one more is a 503 with Retry-After, and a closed stream frees its place', async () => {
    const s = await server({ maxEventStreams: 1 });
    // A job that runs for minutes (cancelled at the end), so its stream stays open.
    const res = await submit(s.url, { kind: 'chars', name: 'long', text: 'hihello world '.repeat(300), options: { seqLength: 20, hidden: 64, epochs: 1000 } });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobRecord;
    const first = new AbortController();
    const open = await fetch(`${s.url}/v1/jobs/${id}/events`, { signal: first.signal });
    expect(open.status).toBe(200);
    const refused = await fetch(`${s.url}/v1/jobs/${id}/events`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { code: string }).code).toBe('OVERLOADED');
    first.abort();
    // The server notices the closed stream on its next event loop turns.
    let again: Response | undefined;
    for (let i = 0; i < 50 && again?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = await fetch(`${s.url}/v1/jobs/${id}/events`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      if (again?.status === 200) void again.body?.cancel();
    }
    expect(again?.status).toBe(200);
    await fetch(`${s.url}/v1/jobs/${id}`, { method: 'DELETE', headers: auth });
  });
});
