// Queue mode against a real redis-server (started by the test on a free port): two server
// replicas and training workers in their own processes (`seqcast worker`, as deployed) sharing
// one models directory. A job submitted to replica A is followed over SSE from replica B and
// its model served by both; a cancel and a forged queue entry; a model copied into or deleted
// from the shared directory reaches every replica; Redis restarting leaves predictions
// answering and everything reconnects, an event stream open across a restart mid-job still ends
// with the final record, and a worker stopped just after a restart still exits; a worker
// SIGKILLed mid-job has its job retried by another worker and the model is published exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { panelToCsv, syntheticPanel } from '@seqcast/forecast';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../server.js';
import { DEFAULT_LIMITS } from '../../options.js';
import { parseBody, requestSchemas } from '../../schemas.js';
import { tmpDir } from '../../testing/fixtures.js';
import { startRedis, type TestRedis } from '../../testing/redis.js';
import type { JobRecord } from '../types.js';
import { JOB_MARKER, STAGING_DIR } from '../../store/directory.js';
import { newJobRecord } from '../backend.js';
import { QUEUE_NAME, recordKey } from './redis.js';
import { RedisJobRecords } from './records.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../cli/dist/main.js');
const TOKEN = 'queue-test-token';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
/** Short locks so a killed worker's job is retried within seconds (production default: 30 s). */
const LOCK_SECONDS = 2;

let redis: TestRedis;
let models: { dir: string; cleanup(): void };
let a: RunningServer;
let b: RunningServer;
const workers = new Set<ChildProcess>();

function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', redis.url, '--models', models.dir, '--lock-seconds', String(LOCK_SECONDS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SEQCAST_TOKEN: '' },
  });
  workers.add(child);
  child.on('exit', () => workers.delete(child));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('training jobs from the queue')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
  });
}

/** Signal a worker and wait for it to exit: an error if it has not after `timeoutMs`. */
async function stopWorker(w: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<void> {
  if (w.exitCode !== null || w.signalCode !== null) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${w.pid} still running ${timeoutMs} ms after ${signal}`)), timeoutMs);
    w.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    w.kill(signal);
  });
}

async function json<T = unknown>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const charsJob = (name: string, epochs: number) => ({
  kind: 'chars',
  name,
  text: 'hihello',
  options: { seqLength: 6, epochs, learningRate: 0.1, seed: 1 },
});
const LONG_JOB_CSV = panelToCsv(syntheticPanel({ series: 40, length: 200, season: 12, seed: 3 }));
/**
 * A job that trains for its whole wall-clock budget (9 s by default) however fast the machine is:
 * a panel job whose 1000 epochs (~23,000 steps) are out of reach. A chars job sized in epochs
 * finished before the test could stop it once the kernels got faster.
 */
const longJob = (name: string, minutes = 0.15) => ({
  kind: 'panel',
  name,
  csv: LONG_JOB_CSV,
  csvOptions: { idColumn: 'id', timeColumn: 't' },
  options: { target: 'y', horizon: 4, season: 12, epochs: 1000, minutes, seed: 1 },
});

async function submit(server: RunningServer, body: unknown): Promise<JobRecord> {
  const r = await json<JobRecord>(`${server.url}/v1/jobs`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  return r.body;
}

const record = (server: RunningServer, id: string) => json<JobRecord>(`${server.url}/v1/jobs/${id}`).then((r) => r.body);

/** Wait until the job is training (its record shows a step done). */
const running = (id: string) => until('the job to be running', async () => ((await record(a, id)).step >= 1 ? true : undefined));

/** Wait for the job's final record, as `server` reports it. */
const finished = (server: RunningServer, id: string, timeoutMs = 60_000) =>
  until(
    'the job to finish',
    async () => {
      const r = await record(server, id);
      return r.state === 'succeeded' || r.state === 'failed' ? r : undefined;
    },
    timeoutMs,
  );

type JobEvent = { event: string; data: JobRecord };

/** Open a job's SSE stream (it answered 200); `read()` reads it to its end (an error after `timeoutMs`). */
async function openEvents(server: RunningServer, id: string, timeoutMs = 60_000): Promise<{ read(): Promise<JobEvent[]> }> {
  const res = await fetch(`${server.url}/v1/jobs/${id}/events`, { signal: AbortSignal.timeout(timeoutMs) });
  expect(res.status).toBe(200);
  const text = res.text();
  text.catch(() => undefined); // awaited by read(); not an unhandled rejection meanwhile
  return {
    read: async () =>
      (await text)
        .split('\n\n')
        .filter((block) => block.includes('data: '))
        .map((block) => ({ event: /^event: (.*)$/m.exec(block)![1]!, data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as JobRecord })),
  };
}

const events = async (server: RunningServer, id: string): Promise<JobEvent[]> => (await openEvents(server, id)).read();

const next = (server: RunningServer, name: string) =>
  fetch(`${server.url}/v1/models/${name}/next`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'hihel', top: 2 }),
  });

/** Version directories of a model on disk and the job each came from. */
async function published(name: string): Promise<{ version: string; job: string }[]> {
  const dir = path.join(models.dir, name);
  const entries = await fs.readdir(dir).catch(() => [] as string[]);
  const out = [];
  for (const e of entries.filter((x) => /^\d+$/.test(x)).sort()) {
    out.push({ version: e, job: (await fs.readFile(path.join(dir, e, JOB_MARKER), 'utf8')).trim() });
  }
  return out;
}

beforeAll(async () => {
  redis = await startRedis();
  models = tmpDir('seqcast-shared-');
  const opts = { modelsDir: models.dir, port: 0, token: TOKEN, redisUrl: redis.url, storePollMs: 300, webDir: false as const };
  [a, b] = await Promise.all([startServer(opts), startServer(opts)]);
  await Promise.all([startWorker(), startWorker()]);
});

afterAll(async () => {
  await Promise.all([...workers].map((w) => stopWorker(w, 'SIGKILL')));
  await a?.close();
  await b?.close();
  await redis?.dispose();
  models?.cleanup();
});

describe('queue mode: two replicas, two workers, one Redis', () => {
  it('a job submitted to replica A is followed over SSE from replica B; its model is served by both', async () => {
    const rec = await submit(a, charsJob('hi', 30));
    expect(rec.state).toBe('queued');
    const evs = await events(b, rec.id);
    const last = evs.at(-1)!;
    expect(last.event).toBe('end');
    expect(last.data.state).toBe('succeeded');
    expect(last.data.model).toEqual({ name: 'hi', version: 1 });
    expect(evs.some((e) => e.data.state === 'running' && e.data.step > 0)).toBe(true);
    // Either replica answers about the job, and serves the model without a restart.
    expect((await record(a, rec.id)).state).toBe('succeeded');
    for (const s of [a, b]) {
      const res = await until(
        `model hi on ${s.url}`,
        async () => {
          const r = await next(s, 'hi');
          return r.status === 200 ? ((await r.json()) as { next: { char: string }[] }) : undefined;
        },
        10_000,
      );
      expect(res.next).toHaveLength(2);
    }
    expect(await published('hi')).toEqual([{ version: '1', job: rec.id }]);
    const list = await json<{ jobs: JobRecord[] }>(`${b.url}/v1/jobs`);
    expect(list.body.jobs.map((j) => j.id)).toContain(rec.id);
  });

  it('a replica that stops right after accepting a job loses nothing: the job finishes and any replica reports it', async () => {
    const c = await startServer({ modelsDir: models.dir, port: 0, token: TOKEN, redisUrl: redis.url, webDir: false });
    const rec = await submit(c, charsJob('orphan', 10));
    await c.close();
    const evs = await events(b, rec.id);
    expect(evs.at(-1)?.data).toMatchObject({ state: 'succeeded', model: { name: 'orphan', version: 1 } });
  });

  it('token rules hold on every replica; bad jobs are refused before they reach the queue', async () => {
    for (const s of [a, b]) {
      const anon = await fetch(`${s.url}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(charsJob('x', 1)) });
      expect(anon.status).toBe(401);
      expect((await fetch(`${s.url}/v1/models/hi`, { method: 'DELETE' })).status).toBe(401);
    }
    const bad = await json<{ where: string }>(`${a.url}/v1/jobs`, { method: 'POST', headers: auth, body: JSON.stringify(charsJob('x', 5000)) });
    expect(bad.status).toBe(400);
    expect(bad.body.where).toBe('options.epochs');
  });

  it('a worker re-checks every queue entry: a forged one fails with the field named and publishes nothing', async () => {
    // Written straight into Redis, as anyone with access to it could: epochs over the limit.
    const spec = { name: 'forged', kind: 'chars' as const, content: 'hihello', options: { seqLength: 6, epochs: 5000 } };
    const rec = newJobRecord(spec, 5000);
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    const client = new Redis(redis.url);
    try {
      await client.set(recordKey(rec.id), JSON.stringify(rec));
      await queue.add('train', spec, { jobId: rec.id });
    } finally {
      await queue.close();
      client.disconnect();
    }
    const done = await until('the forged job to end', async () => {
      const r = await record(b, rec.id);
      return r.state === 'failed' ? r : undefined;
    });
    expect(done.error?.code).toBe('BAD_ARGUMENT');
    expect(done.error?.message).toMatch(/options\.epochs must be <= 1000/);
    expect(await published('forged')).toEqual([]);
  });

  it("the queue carries the job's API request as the replica validated it, not a spec made from it", async () => {
    const body = longJob('carried');
    const rec = await submit(a, body);
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    try {
      const entry = await queue.getJob(rec.id);
      // Defaults filled in by the schema, nothing added: no `content`, no `model` the body left out.
      expect(entry?.data).toEqual(parseBody(requestSchemas(DEFAULT_LIMITS).job, body));
    } finally {
      await queue.close();
    }
    await json(`${a.url}/v1/jobs/${rec.id}`, { method: 'DELETE', headers: auth });
  });

  it('a queue entry written by an earlier server (the job spec, not the request) is still trained and published once', async () => {
    const spec = { name: 'legacy', kind: 'chars' as const, content: 'hihello', options: { seqLength: 6, epochs: 5, learningRate: 0.1, seed: 1 } };
    const rec = newJobRecord(spec, 5);
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    const client = new Redis(redis.url);
    try {
      await client.set(recordKey(rec.id), JSON.stringify(rec));
      await queue.add('train', spec, { jobId: rec.id });
    } finally {
      await queue.close();
      client.disconnect();
    }
    const done = await finished(b, rec.id);
    expect(done.error).toBeNull();
    expect(done.state).toBe('succeeded');
    expect(await published('legacy')).toEqual([{ version: '1', job: rec.id }]);
  });

  it("a worker that lost its job cannot overwrite the new attempt's record: the lock is checked in the write itself", async () => {
    const client = new Redis(redis.url);
    try {
      const records = new RedisJobRecords(client, undefined);
      const rec = newJobRecord({ name: 'fenced', kind: 'chars', content: 'hihello', options: { seqLength: 6 } }, 5);
      const lock = `seqcast-test:lock:${rec.id}`;
      await records.save({ ...rec, state: 'running' });
      // Another worker took the job: its token is in the lock now.
      await client.set(lock, 'new-attempt');
      expect(await records.saveIfHolding({ ...rec, state: 'failed' }, lock, 'old-attempt')).toBe('refused');
      expect((await records.get(rec.id))?.state).toBe('running');
      expect(await records.saveIfHolding({ ...rec, state: 'succeeded' }, lock, 'new-attempt')).toBe('written');
      expect((await records.get(rec.id))?.state).toBe('succeeded');
      expect((await records.list()).map((r) => r.id)).toContain(rec.id);
      await client.del(lock, recordKey(rec.id));
    } finally {
      client.disconnect();
    }
  });

  it('a running job is cancelled through replica B; its stream on A ends; nothing is published', async () => {
    const rec = await submit(a, longJob('cancelme'));
    const streamOnA = events(a, rec.id);
    await running(rec.id);
    const res = await json<JobRecord>(`${b.url}/v1/jobs/${rec.id}`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('cancelled');
    const evs = await streamOnA;
    expect(evs.at(-1)).toMatchObject({ event: 'end', data: { state: 'cancelled' } });
    expect(await published('cancelme')).toEqual([]);
  });

  it('a model copied into the shared directory is served by every replica within seconds; a delete reaches every replica', async () => {
    await fs.cp(path.join(models.dir, 'hi', '1'), path.join(models.dir, 'copied'), { recursive: true });
    for (const s of [a, b]) await until(`copied on ${s.url}`, async () => ((await next(s, 'copied')).status === 200 ? true : undefined), 10_000);
    expect((await fetch(`${a.url}/v1/models/copied`, { method: 'DELETE', headers: auth })).status).toBe(204);
    await until('copied gone from B', async () => ((await fetch(`${b.url}/v1/models/copied`)).status === 404 ? true : undefined), 10_000);
    expect((await json<{ models: { name: string }[] }>(`${b.url}/v1/models`)).body.models.map((m) => m.name)).not.toContain('copied');
  });

  it('Redis restarting: replicas keep serving predictions, job routes answer 503, then everything reconnects', async () => {
    await redis.stop();
    for (const s of [a, b]) {
      expect((await next(s, 'hi')).status).toBe(200);
      const health = await fetch(`${s.url}/health`);
      expect(health.status).toBe(200);
      expect(((await health.json()) as { jobs: { mode: string } }).jobs.mode).toBe('queue');
    }
    const down = await fetch(`${a.url}/v1/jobs`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { code: string }).code).toBe('OVERLOADED');
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    // The served document says so (its 503 with Retry-After), and it is still served while Redis is away.
    const doc = (await json<{ paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>> }>(`${a.url}/openapi.json`)).body;
    expect(doc.paths['/v1/jobs']!.get!.responses['503']?.headers).toHaveProperty('Retry-After');
    await redis.start();
    const rec = await until('a job to be accepted again', async () => {
      const r = await fetch(`${a.url}/v1/jobs`, { method: 'POST', headers: auth, body: JSON.stringify(charsJob('hi', 20)) });
      return r.status === 202 ? ((await r.json()) as JobRecord) : undefined;
    });
    const evs = await events(b, rec.id);
    expect(evs.at(-1)?.data).toMatchObject({ state: 'succeeded', model: { name: 'hi', version: 2 } });
    for (const s of [a, b]) {
      await until(
        `hi v2 on ${s.url}`,
        async () => {
          const r = await json<{ version: number }>(`${s.url}/v1/models/hi`);
          return r.body.version === 2 ? true : undefined;
        },
        10_000,
      );
    }
  });

  it("an event stream open while Redis restarts mid-job still ends with the job's final record", async () => {
    const rec = await submit(a, longJob('outage', 0.1));
    await running(rec.id);
    const stream = await openEvents(b, rec.id); // open before Redis goes: job routes answer 503 while it is away
    await redis.stop();
    await new Promise((r) => setTimeout(r, 2000)); // the worker keeps training; its writes wait for Redis
    await redis.start();
    const evs = await stream.read();
    expect(evs.at(-1)).toMatchObject({ event: 'end', data: { state: 'succeeded', model: { name: 'outage', version: 1 } } });
    expect(await published('outage')).toEqual([{ version: '1', job: rec.id }]);
  });

  it('a worker stopped just after Redis restarted mid-job still exits; another worker trains its job', async () => {
    // Redis is away longer than the job's lock, so the stopping worker no longer holds the job and
    // BullMQ's close meets a connection still reconnecting: this hung the worker for good before.
    await Promise.all([...workers].map((w) => stopWorker(w)));
    const victim = await startWorker();
    const rec = await submit(a, longJob('restarted', 0.1));
    await running(rec.id);
    await redis.stop();
    await new Promise((r) => setTimeout(r, (LOCK_SECONDS + 0.5) * 1000));
    await redis.start();
    await stopWorker(victim, 'SIGTERM');
    expect(victim.exitCode).toBe(0);
    await startWorker();
    const done = await finished(b, rec.id);
    expect(done).toMatchObject({ state: 'succeeded', model: { name: 'restarted', version: 1 } });
    expect(await published('restarted')).toEqual([{ version: '1', job: rec.id }]);
  });

  it('a worker stopped with SIGTERM mid-job hands the job back at once; another worker finishes it', async () => {
    await Promise.all([...workers].map((w) => stopWorker(w)));
    const leaving = await startWorker();
    const rec = await submit(a, longJob('handover'));
    await running(rec.id);
    await stopWorker(leaving, 'SIGTERM');
    expect(leaving.exitCode).toBe(0);
    expect((await record(b, rec.id)).state).toBe('queued');
    await startWorker();
    const done = await finished(b, rec.id);
    expect(done).toMatchObject({ state: 'succeeded', model: { name: 'handover', version: 1 } });
    expect(await published('handover')).toEqual([{ version: '1', job: rec.id }]);
  });

  it('a worker SIGKILLed mid-job: another worker retries the job and the model is published exactly once', async () => {
    // One worker takes the job; the other waits, so which one to kill is known.
    await Promise.all([...workers].map((w) => stopWorker(w)));
    const victim = await startWorker();
    const rec = await submit(a, longJob('crash'));
    await running(rec.id);
    await stopWorker(victim, 'SIGKILL');
    const before = await record(b, rec.id);
    expect(before.state).toBe('running'); // nobody finished it
    await startWorker();
    const done = await finished(b, rec.id, 90_000);
    expect(done.state).toBe('succeeded');
    expect(done.model).toEqual({ name: 'crash', version: 1 });
    expect(await published('crash')).toEqual([{ version: '1', job: rec.id }]);
    // The killed attempt's staging was cleaned up by the retry.
    expect(await fs.readdir(path.join(models.dir, STAGING_DIR))).toEqual([]);
    for (const s of [a, b]) await until(`crash on ${s.url}`, async () => ((await fetch(`${s.url}/v1/models/crash`)).status === 200 ? true : undefined), 10_000);
  });

  it('a job whose worker died after publishing is completed by the retry without a second version', async () => {
    await Promise.all([...workers].map((w) => stopWorker(w)));
    const rec = await submit(b, charsJob('late', 5));
    // What a worker killed between its publish and its reply to the queue leaves behind.
    await fs.cp(path.join(models.dir, 'hi', '1'), path.join(models.dir, 'late', '1'), { recursive: true });
    await fs.writeFile(path.join(models.dir, 'late', '1', JOB_MARKER), `${rec.id}\n`);
    await startWorker();
    const done = await finished(a, rec.id);
    expect(done).toMatchObject({ state: 'succeeded', model: { name: 'late', version: 1 } });
    expect(await published('late')).toEqual([{ version: '1', job: rec.id }]);
  });
});
