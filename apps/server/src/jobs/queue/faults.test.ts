// Queue mode under faults, against a real redis-server WITHOUT persistence (a restart loses
// everything, as a cache-only Redis would): concurrent submits over two replica processes never
// queue more than maxQueuedJobs; a Redis restart mid-job loses neither the job's record nor its
// idempotency key; a queue entry holding another job's record is refused; a wrong Redis password
// is said to be one.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { panelToCsv, syntheticPanel } from '@seqcast/forecast';
import { Redis } from 'ioredis';
import { startServer } from '../../server.js';
import { tmpDir } from '../../testing/fixtures.js';
import { startRedis, type TestRedis } from '../../testing/redis.js';
import type { JobRecord } from '../types.js';
import { JOB_MARKER } from '../../store/directory.js';
import { newJobRecord } from '../backend.js';
import { JOBS_DIR } from '../disk-records.js';
import { QUEUE_NAME, recordKey } from './redis.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../cli/dist/main.js');
const TOKEN = 'faults-token';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const MAX_QUEUED = 8;

let redis: TestRedis;
let models: { dir: string; cleanup(): void };
const children = new Set<ChildProcess>();

/** `seqcast <args>` in its own process; resolves with its first stdout line matching `ready`. */
function spawnCli(args: string[], ready: RegExp): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SEQCAST_TOKEN: TOKEN } });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.split('\n').find((l) => ready.test(l));
      if (m) resolve({ child, line: m });
    });
    child.once('exit', (code) => reject(new Error(`seqcast ${args[0]} exited ${code}: ${err}`)));
  });
}

/** A replica in its own process (`seqcast serve`); resolves with its URL. */
async function startReplica(): Promise<{ url: string; child: ChildProcess }> {
  const args = ['serve', '--models', models.dir, '--port', '0', '--redis', redis.url, '--limit', `maxQueuedJobs=${MAX_QUEUED}`, '--quiet'];
  const { child, line } = await spawnCli(args, /seqcast: serving .* at http:\/\//);
  return { url: /at (http:\/\/[^\s]+)/.exec(line)![1]!, child };
}

const startWorker = () => spawnCli(['worker', '--redis', redis.url, '--models', models.dir, '--lock-seconds', '2'], /training jobs from the queue/);

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const charsJob = (name: string, epochs = 5) => ({ kind: 'chars', name, text: 'hihello', options: { seqLength: 6, epochs, learningRate: 0.1, seed: 1 } });
const PANEL_CSV = panelToCsv(syntheticPanel({ series: 40, length: 200, season: 12, seed: 3 }));
/** Trains for its whole wall-clock budget (minutes * 60 s) whatever the machine's speed. */
const longJob = (name: string, minutes: number) => ({
  kind: 'panel',
  name,
  csv: PANEL_CSV,
  csvOptions: { idColumn: 'id', timeColumn: 't' },
  options: { target: 'y', horizon: 4, season: 12, epochs: 1000, minutes, seed: 1 },
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/jobs`, { method: 'POST', headers: { ...auth, ...headers }, body: JSON.stringify(body) });
const record = async (url: string, id: string) => {
  const r = await fetch(`${url}/v1/jobs/${id}`);
  return { status: r.status, body: (await r.json()) as JobRecord };
};

/** Version directories of a model on disk and the job each came from. */
async function published(name: string): Promise<{ version: string; job: string }[]> {
  const dir = path.join(models.dir, name);
  const out = [];
  for (const e of (await fs.readdir(dir).catch(() => [] as string[])).filter((x) => /^\d+$/.test(x)).sort()) {
    out.push({ version: e, job: (await fs.readFile(path.join(dir, e, JOB_MARKER), 'utf8')).trim() });
  }
  return out;
}

async function withQueue<T>(fn: (q: Queue, client: Redis) => Promise<T>): Promise<T> {
  const q = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
  const client = new Redis(redis.url);
  try {
    return await fn(q, client);
  } finally {
    await q.close();
    client.disconnect();
  }
}

beforeAll(async () => {
  redis = await startRedis({ persistence: false });
  models = tmpDir('seqcast-faults-');
});

afterAll(async () => {
  await Promise.all([...children].map(stop));
  await redis?.dispose();
  models?.cleanup();
});

describe('queue mode under faults', () => {
  it('break 9: 30 concurrent submits over 2 replica processes queue exactly maxQueuedJobs; the rest are 409', async () => {
    // No worker yet: every accepted job stays waiting.
    const replicas = await Promise.all([startReplica(), startReplica()]);
    try {
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => post(replicas[i % 2]!.url, charsJob(`burst${i}`))));
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 202)).toHaveLength(MAX_QUEUED);
      expect(statuses.filter((s) => s === 409)).toHaveLength(30 - MAX_QUEUED);
      const refused = (await answers.find((r) => r.status === 409)!.json()) as { detail: string };
      expect(refused.detail).toMatch(new RegExp(`jobs are already waiting \\(limit ${MAX_QUEUED}\\)`));
      expect(await withQueue((q) => q.getJobCountByTypes('waiting', 'prioritized', 'delayed'))).toBe(MAX_QUEUED);
    } finally {
      await Promise.all(replicas.map((r) => stop(r.child)));
      await withQueue((q) => q.obliterate({ force: true }));
    }
  });

  it('break 8 (queue mode): a job whose record cannot be written is refused with 507; nothing is queued, recorded or reserved', async () => {
    const replica = await startServer({ modelsDir: models.dir, port: 0, token: TOKEN, redisUrl: redis.url, webDir: false, logger: false });
    const jobsDir = path.join(models.dir, JOBS_DIR);
    const open = fs.open.bind(fs);
    // The file-system seam record writes go through: every file opened in the jobs directory fails as a full disk would.
    const full = vi.spyOn(fs, 'open').mockImplementation(async (file, ...rest) => {
      if (String(file).startsWith(jobsDir + path.sep)) throw Object.assign(new Error('ENOSPC: no space left on device, open'), { code: 'ENOSPC' });
      return open(file, ...rest);
    });
    try {
      const recordsBefore = await withQueue((_q, client) => client.zcard('seqcast:jobs'));
      const res = await post(replica.url, charsJob('nospace'));
      expect(res.status).toBe(507);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/^job not accepted: its record could not be saved \(ENOSPC/);
      const left = await withQueue(async (q, client) => ({
        queued: await q.getJobCountByTypes('waiting', 'active', 'prioritized', 'delayed'),
        reserved: await client.zcard('seqcast:submitting'),
        records: await client.zcard('seqcast:jobs'),
      }));
      expect(left).toEqual({ queued: 0, reserved: 0, records: recordsBefore });
    } finally {
      full.mockRestore();
      await replica.close();
    }
  });

  it('break 10: Redis restarting without persistence mid-job keeps the record; a resubmit with the same Idempotency-Key trains nothing', async () => {
    const replica = await startServer({ modelsDir: models.dir, port: 0, token: TOKEN, redisUrl: redis.url, webDir: false, logger: false });
    const worker = await startWorker();
    try {
      const key = { 'idempotency-key': 'nightly-2026-12-07' };
      const first = await post(replica.url, longJob('amnesia', 0.12), key);
      expect(first.status).toBe(202);
      const job = (await first.json()) as JobRecord;
      await until('the job to be training', async () => ((await record(replica.url, job.id)).body.step >= 1 ? true : undefined));
      await redis.stop();
      await redis.start(); // empty: the queue, the record and the lock are gone
      expect(await withQueue((_q, client) => client.exists(recordKey(job.id)))).toBe(0);
      const done = await until('the job to finish', async () => {
        const r = await record(replica.url, job.id);
        return r.status === 200 && r.body.state === 'succeeded' ? r.body : undefined;
      });
      expect(done.model).toEqual({ name: 'amnesia', version: 1 });
      // The client never saw the answer and resubmits: the same job, nothing queued, one version.
      const again = await post(replica.url, longJob('amnesia', 0.12), key);
      expect(again.status).toBe(202);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(((await again.json()) as JobRecord).id).toBe(job.id);
      expect(await withQueue((q) => q.getJobCountByTypes('waiting', 'active', 'prioritized', 'delayed'))).toBe(0);
      expect(await published('amnesia')).toEqual([{ version: '1', job: job.id }]);
      const listed = ((await (await fetch(`${replica.url}/v1/jobs`)).json()) as { jobs: JobRecord[] }).jobs;
      expect(listed.find((j) => j.id === job.id)?.state).toBe('succeeded');
    } finally {
      await stop(worker.child);
      await replica.close();
    }
  });

  it("break 10: a queue entry whose record is another job's is refused: nothing trains and the other record is untouched", async () => {
    const worker = await startWorker();
    try {
      const victim = { ...newJobRecord({ name: 'victim', kind: 'chars', content: 'hihello', options: { seqLength: 6 } }, 5), state: 'succeeded' as const };
      const forged = newJobRecord({ name: 'victim', kind: 'chars', content: 'hihello', options: { seqLength: 6, epochs: 5 } }, 5);
      const victimText = JSON.stringify(victim);
      const state = await withQueue(async (q, client) => {
        await client.set(recordKey(victim.id), victimText);
        // The entry's key is the forged job's; the record under it names the victim.
        await client.set(recordKey(forged.id), victimText);
        await q.add('train', { name: 'victim', kind: 'chars', content: 'hihello', options: { seqLength: 6, epochs: 5 } }, { jobId: forged.id });
        return until('the forged entry to end', async () => {
          const entry = await q.getJob(forged.id);
          if (!entry) return 'completed and removed';
          const s = await entry.getState();
          return s === 'failed' || s === 'completed' ? s : undefined;
        });
      });
      expect(state).toBe('failed');
      expect(await withQueue((_q, client) => client.get(recordKey(victim.id)))).toBe(victimText);
      expect(await published('victim')).toEqual([]);
    } finally {
      await stop(worker.child);
    }
  });

  it('break 10: a job the queue lost while it waited (Redis restarted without its data) reads interrupted, not queued forever', async () => {
    const replica = await startServer({ modelsDir: models.dir, port: 0, token: TOKEN, redisUrl: redis.url, webDir: false, logger: false });
    try {
      // What a replica left on the disk for a job accepted before Redis lost the queue; unwritten for 2 minutes.
      const lost = newJobRecord({ name: 'waited', kind: 'chars', content: 'hihello', options: { seqLength: 6 } }, 5);
      const file = path.join(models.dir, JOBS_DIR, `${lost.id}.json`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, JSON.stringify(lost));
      const twoMinutesAgo = new Date(Date.now() - 120_000);
      await fs.utimes(file, twoMinutesAgo, twoMinutesAgo);
      const r = await record(replica.url, lost.id);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ state: 'interrupted', error: { code: 'INTERRUPTED' } });
      expect(r.body.error?.message).toMatch(/the job queue lost this job while it was queued .*submit it again/);
      // A record the disk has but Redis not, and written recently, is still being worked on: left alone.
      const fresh = newJobRecord({ name: 'waited', kind: 'chars', content: 'hihello', options: { seqLength: 6 } }, 5);
      await fs.writeFile(path.join(models.dir, JOBS_DIR, `${fresh.id}.json`), JSON.stringify(fresh));
      expect((await record(replica.url, fresh.id)).body.state).toBe('queued');
    } finally {
      await replica.close();
    }
  });

  it('a wrong Redis password is said to be one, naming the setting', async () => {
    const locked = await startRedis({ password: 's3cret', persistence: false });
    try {
      const wrong = locked.url.replace('s3cret', 'nope');
      const none = locked.url.replace(':s3cret@', '');
      for (const [url, code] of [
        [wrong, 'WRONGPASS'],
        [none, 'NOAUTH'],
      ] as const) {
        const err = await startServer({ modelsDir: models.dir, port: 0, redisUrl: url, webDir: false, logger: false }).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(err?.message).toMatch(new RegExp(`authentication failed: ${code}.*--redis`));
        expect(err?.message).not.toMatch(/Connection is closed|nope/);
      }
    } finally {
      await locked.dispose();
    }
  });
});
