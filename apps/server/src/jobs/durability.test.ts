// Job acceptance is durable (embedded mode): a job is acknowledged only once its record is on the
// disk, so a full disk refuses it (507, nothing queued, nothing after a restart) instead of
// answering 202 and losing it; and an Idempotency-Key makes a resubmit return the job already
// started instead of training twice, across a restart too.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fsSync from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { startServer, type RunningServer } from '../server.js';
import { tmpDir } from '../testing/fixtures.js';
import type { JobRecord } from './types.js';
import { JOBS_DIR } from './disk-records.js';
import { IdempotencyKeys } from './idempotency.js';

const TOKEN = 'durable-token';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const charsJob = (name: string, epochs = 5) => ({ kind: 'chars', name, text: 'hihello', options: { seqLength: 6, epochs, learningRate: 0.1, seed: 1 } });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
  vi.restoreAllMocks();
});

async function start(dir: string): Promise<RunningServer> {
  const s = await startServer({ modelsDir: dir, port: 0, token: TOKEN, logger: false, webDir: false });
  cleanups.push(() => s.close());
  return s;
}

const post = (s: RunningServer, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/v1/jobs`, { method: 'POST', headers: { ...auth, ...headers }, body: JSON.stringify(body) });
const list = async (s: RunningServer) => ((await (await fetch(`${s.url}/v1/jobs`)).json()) as { jobs: JobRecord[] }).jobs;

async function finished(s: RunningServer, id: string): Promise<JobRecord> {
  const t0 = Date.now();
  for (;;) {
    const r = (await (await fetch(`${s.url}/v1/jobs/${id}`)).json()) as JobRecord;
    if (r.state === 'succeeded' || r.state === 'failed') return r;
    if (Date.now() - t0 > 60_000) throw new Error(`job ${id} still ${r.state}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/**
 * Make the jobs directory of `modelsDir` a full disk: a 64 KiB tmpfs filled to the last byte when
 * this process may mount one (root), else every file opened in it fails with ENOSPC (the
 * file-system seam the record writes go through). Returns a function that frees the space.
 */
async function fillJobsDisk(modelsDir: string): Promise<() => Promise<void>> {
  const jobsDir = path.join(modelsDir, JOBS_DIR);
  await fs.mkdir(jobsDir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', jobsDir], { stdio: 'ignore' });
  } catch {
    const open = fs.open.bind(fs);
    const spy = vi.spyOn(fs, 'open').mockImplementation(async (file, ...rest) => {
      if (String(file).startsWith(jobsDir + path.sep)) throw Object.assign(new Error('ENOSPC: no space left on device, open'), { code: 'ENOSPC' });
      return open(file, ...rest);
    });
    return () => Promise.resolve(spy.mockRestore());
  }
  cleanups.push(() => {
    execFileSync('umount', [jobsDir]);
  });
  const filler = path.join(jobsDir, 'filler');
  const fd = fsSync.openSync(filler, 'w');
  try {
    for (;;) fsSync.writeSync(fd, Buffer.alloc(4096));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fsSync.closeSync(fd);
  }
  return () => fs.rm(filler);
}

describe('job acceptance is durable', () => {
  it('break 8: a full disk refuses the job (507, Retry-After, one line), queues nothing, and a restart shows none', async () => {
    const tmp = tmpDir();
    cleanups.push(() => tmp.cleanup());
    const free = await fillJobsDisk(tmp.dir);
    const a = await start(tmp.dir);
    const res = await post(a, charsJob('full'));
    expect(res.status).toBe(507);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe('INSUFFICIENT_STORAGE');
    expect(problem.detail).toMatch(/^job not accepted: its record could not be saved \(ENOSPC: no space left on the device\)/);
    expect(problem.detail).not.toContain('\n');
    expect(problem.detail).not.toContain(tmp.dir); // no server path
    expect(await list(a)).toEqual([]);
    // The served document says so, and documents the Idempotency-Key header.
    type Op = { responses: Record<string, { headers?: object }>; parameters?: { name: string; in: string }[] };
    const doc = (await (await fetch(`${a.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Op>> };
    const submitOp = doc.paths['/v1/jobs']!.post!;
    expect(submitOp.responses['507']?.headers).toHaveProperty('Retry-After');
    expect(submitOp.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
    // Nothing was queued: no training starts, no version appears.
    await new Promise((r) => setTimeout(r, 500));
    expect((await fetch(`${a.url}/v1/models/full`)).status).toBe(404);
    expect((await fetch(`${a.url}/health`).then((r) => r.json())) as { jobs: unknown }).toMatchObject({ jobs: { running: 0, queued: 0 } });
    await a.close();

    // After a restart nothing claims the job existed; once there is room, jobs are accepted again.
    const b = await start(tmp.dir);
    expect(await list(b)).toEqual([]);
    await free();
    const ok = await post(b, charsJob('full'));
    expect(ok.status).toBe(202);
    expect((await finished(b, ((await ok.json()) as JobRecord).id)).state).toBe('succeeded');
  });

  it('an Idempotency-Key: a resubmit returns the same job and trains once, also after a restart; another request with it is a 409', async () => {
    const tmp = tmpDir();
    cleanups.push(() => tmp.cleanup());
    const a = await start(tmp.dir);
    const key = { 'idempotency-key': 'order-42/train-1' };
    // Sent twice at once and once after: one job.
    const [r1, r2] = await Promise.all([post(a, charsJob('once'), key), post(a, charsJob('once'), key)]);
    expect([r1.status, r2.status]).toEqual([202, 202]);
    const [j1, j2] = (await Promise.all([r1.json(), r2.json()])) as JobRecord[];
    expect(j2!.id).toBe(j1!.id);
    // Exactly one of the two is the replay; both point at the job.
    expect([r1, r2].filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(1);
    for (const r of [r1, r2]) expect(r.headers.get('location')).toBe(`/v1/jobs/${j1!.id}`);
    expect((await finished(a, j1!.id)).model).toEqual({ name: 'once', version: 1 });
    const again = await post(a, charsJob('once'), key);
    expect(again.status).toBe(202);
    expect(((await again.json()) as JobRecord).id).toBe(j1!.id);

    const other = await post(a, charsJob('once', 6), key);
    expect(other.status).toBe(409);
    expect(((await other.json()) as { where: string }).where).toBe('Idempotency-Key');
    const bad = await post(a, charsJob('once'), { 'idempotency-key': 'has space' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { where: string }).where).toBe('Idempotency-Key');
    await a.close();

    const b = await start(tmp.dir);
    const afterRestart = await post(b, charsJob('once'), key);
    expect(afterRestart.status).toBe(202);
    expect(afterRestart.headers.get('idempotent-replayed')).toBe('true');
    expect((await afterRestart.json()) as JobRecord).toMatchObject({ id: j1!.id, state: 'succeeded' });
    expect((await list(b)).map((j) => j.id)).toEqual([j1!.id]);
    expect((await fs.readdir(path.join(tmp.dir, 'once'))).filter((v) => /^\d+$/.test(v))).toEqual(['1']);
  });

  it('a damaged Idempotency-Key file (not JSON) is replaced by the next submit with that key, never a hang', async () => {
    const tmp = tmpDir();
    cleanups.push(() => tmp.cleanup());
    const keys = new IdempotencyKeys(tmp.dir);
    await fs.mkdir(keys.dir, { recursive: true });
    await fs.writeFile(path.join(keys.dir, `${createHash('sha256').update('k-1').digest('hex')}.json`), '{"id":');
    const a = await start(tmp.dir);
    const res = await post(a, charsJob('mended'), { 'idempotency-key': 'k-1' });
    expect(res.status).toBe(202);
    const job = (await res.json()) as JobRecord;
    const again = await post(a, charsJob('mended'), { 'idempotency-key': 'k-1' });
    expect(((await again.json()) as JobRecord).id).toBe(job.id);
  });
});
