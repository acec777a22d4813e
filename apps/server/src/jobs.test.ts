// Training jobs end to end against a real listening server: auth, validation, CSV bodies that
// look like paths/URLs, the lifecycle (submit -> progress over SSE -> model served as a new
// version without restart), cancel, failure, and records surviving a restart as interrupted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CharLM } from '@seqcast/core';
import { syntheticStockSeries } from '@seqcast/forecast';
import { startServer, type RunningServer } from './server.js';
import { openApiChecker, seriesCsv, tmpDir } from './testing/fixtures.js';
import type { JobRecord } from './jobs/types.js';

const TOKEN = 'open-sesame';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const tmp = tmpDir();
let server: RunningServer;
let url: string;

beforeAll(async () => {
  server = await startServer({ modelsDir: tmp.dir, port: 0, token: TOKEN, logger: false });
  url = server.url;
});

afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

async function submit(body: unknown, headers: Record<string, string> = auth): Promise<Response> {
  return fetch(`${url}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify(body) });
}

async function job(id: string): Promise<JobRecord> {
  return (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as JobRecord;
}

async function waitFor(id: string, done: (r: JobRecord) => boolean, timeoutMs = 60_000): Promise<JobRecord> {
  const t0 = Date.now();
  for (;;) {
    const r = await job(id);
    if (done(r)) return r;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} still ${r.state} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** Read a server-sent event stream to its end. */
async function events(id: string): Promise<{ event: string; data: JobRecord }[]> {
  const res = await fetch(`${url}/v1/jobs/${id}/events`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await res.text(); // the server ends the stream after the terminal state
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)![1]!;
      const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as JobRecord;
      return { event, data };
    });
}

const charsJob = (name: string, epochs = 40, seed = 1) => ({
  kind: 'chars',
  name,
  text: 'hihello',
  options: { seqLength: 6, epochs, learningRate: 0.1, seed },
});

describe('auth', () => {
  it('submitting needs the bearer token (401), and is off without SEQCAST_TOKEN (403)', async () => {
    const none = await submit(charsJob('x'), { 'content-type': 'application/json' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await submit(charsJob('x'), { ...auth, authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await submit(charsJob('x'), { ...auth, authorization: TOKEN })).status).toBe(401);
    expect(((await (await fetch(`${url}/v1/jobs`)).json()) as { jobs: unknown[] }).jobs).toHaveLength(0);

    const saved = process.env.SEQCAST_TOKEN;
    delete process.env.SEQCAST_TOKEN;
    const offDir = tmpDir(); // one server per models directory (the first one holds its lock)
    const off = await startServer({ modelsDir: offDir.dir, port: 0, logger: false });
    try {
      const res = await fetch(`${off.url}/v1/jobs`, { method: 'POST', headers: auth, body: JSON.stringify(charsJob('x')) });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string; detail: string }).detail).toMatch(/SEQCAST_TOKEN/);
      expect((await fetch(`${off.url}/v1/models/x`, { method: 'DELETE', headers: auth })).status).toBe(403);
    } finally {
      await off.close();
      offDir.cleanup();
      if (saved !== undefined) process.env.SEQCAST_TOKEN = saved;
    }
  });
});

describe('validation', () => {
  it('rejects bad job requests with a 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ ...charsJob('x'), name: undefined }, 'name is required'],
      [{ ...charsJob('x'), name: '../evil' }, 'name must be 1-64 letters, digits, "_" or "-", starting with a letter or digit'],
      [{ ...charsJob('x'), kind: 'images' }, 'kind must be one of "forecast", "panel", "chars"'],
      [{ ...charsJob('x'), options: { epochs: 5 } }, 'options.seqLength is required'],
      [{ ...charsJob('x'), options: { seqLength: 6, epochs: 100_000 } }, 'options.epochs must be <= 1000 (server limit)'],
      [{ ...charsJob('x'), path: '/etc/passwd' }, 'unknown field "path"'],
    ];
    for (const [body, detail] of cases) {
      const res = await submit(body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toContain(detail);
    }
  });

  it('a CSV body that looks like a path or URL is parsed as CSV text and rejected as such', async () => {
    for (const csv of ['/etc/passwd', 'http://127.0.0.1/x', 'file:///etc/passwd']) {
      const res = await submit({ kind: 'forecast', name: 'evil', csv, options: { target: 'Close' } });
      expect(res.status, csv).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      const p = (await res.json()) as { code: string; detail: string };
      expect(p.code).toBe('BAD_INPUT');
      expect(p.detail).not.toMatch(/root:|ENOENT|ECONNREFUSED|fetch/);
    }
    // Nothing was created for it.
    expect(await fs.readdir(tmp.dir)).not.toContain('evil');
  });

  it('a CSV without the target column names the field', async () => {
    const csv = seriesCsv(syntheticStockSeries(60, 2));
    const res = await submit({ kind: 'forecast', name: 'st', csv, options: { target: 'Price' } });
    expect(res.status).toBe(400);
    const p = (await res.json()) as { where: string; detail: string };
    expect(p.where).toBe('options.target');
    expect(p.detail).toMatch(/"Price" is not a numeric column of the CSV \(numeric columns: Open, High, Low, Volume, Close\)/);
  });
});

describe('lifecycle', () => {
  it('submit -> progress over SSE -> model served; a second job publishes version 2 without restart', async () => {
    const res = await submit(charsJob('hi2', 40, 1));
    expect(res.status).toBe(202);
    const rec = (await res.json()) as JobRecord;
    expect(res.headers.get('location')).toBe(`/v1/jobs/${rec.id}`);
    expect(rec).toMatchObject({ name: 'hi2', kind: 'chars', state: 'queued', step: 0, steps: 40, unit: 'epoch', model: null });
    const openapi = await openApiChecker(url);
    expect(openapi.check('/v1/jobs', 'post', 202, res.headers.get('content-type')!, rec)).toBeNull();

    const evs = await events(rec.id);
    expect(evs.at(-1)!.event).toBe('end');
    const final = evs.at(-1)!.data;
    expect(final).toMatchObject({ state: 'succeeded', step: 40, steps: 40, unit: 'epoch', model: { name: 'hi2', version: 1 }, etaMs: 0, error: null });
    const steps = evs.filter((e) => e.data.state === 'running' && e.data.step > 0).map((e) => e.data.step);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    // The deprecated epoch/epochs still go out (one release), equal to step/steps in every event.
    for (const e of evs) expect([e.data.epoch, e.data.epochs]).toEqual([e.data.step, e.data.steps]);
    const mid = evs.find((e) => e.data.state === 'running' && e.data.step > 0)!.data;
    expect(mid.loss).toBeGreaterThan(0);
    expect(mid.etaMs).toBeGreaterThanOrEqual(0);

    // Served now, from the published directory.
    const model = (await (await fetch(`${url}/v1/models/hi2`)).json()) as { version: number; versions: number[]; kind: string };
    expect(model).toMatchObject({ kind: 'chars', version: 1, versions: [1] });
    const direct = await CharLM.load(path.join(tmp.dir, 'hi2', '1'));
    const next = (await (
      await fetch(`${url}/v1/models/hi2/next`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'hihel', top: 2 }),
      })
    ).json()) as { next: unknown };
    expect(next.next).toEqual(direct.next('hihel', 2));
    direct.dispose();

    // Real job records conform to the OpenAPI document.
    const got = await fetch(`${url}/v1/jobs/${rec.id}`);
    expect(openapi.check('/v1/jobs/{id}', 'get', got.status, got.headers.get('content-type')!, await got.json())).toBeNull();
    const list = await fetch(`${url}/v1/jobs`);
    expect(openapi.check('/v1/jobs', 'get', list.status, list.headers.get('content-type')!, await list.json())).toBeNull();

    // The record on disk says the same.
    const onDisk = JSON.parse(await fs.readFile(path.join(tmp.dir, '.jobs', `${rec.id}.json`), 'utf8')) as JobRecord;
    expect(onDisk).toMatchObject({ state: 'succeeded', model: { name: 'hi2', version: 1 } });

    // Retrain under the same name: version 2 is served, hot.
    const again = (await (await submit(charsJob('hi2', 30, 2))).json()) as JobRecord;
    const done = await waitFor(again.id, (r) => r.state !== 'queued' && r.state !== 'running');
    expect(done).toMatchObject({ state: 'succeeded', model: { name: 'hi2', version: 2 } });
    expect(await (await fetch(`${url}/v1/models/hi2`)).json()).toMatchObject({ version: 2, versions: [1, 2] });
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('DELETE /v1/models/{name} (with the token) stops serving every version and removes it', async () => {
    expect((await fetch(`${url}/v1/models/hi2`)).status).toBe(200);
    const res = await fetch(`${url}/v1/models/hi2`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(204);
    expect((await fetch(`${url}/v1/models/hi2`)).status).toBe(404);
    expect((await fs.readdir(tmp.dir)).filter((n) => !n.startsWith('.'))).not.toContain('hi2');
    expect((await fetch(`${url}/v1/models/hi2`, { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  it('a forecast job trains on CSV content and serves forecasts', async () => {
    const series = syntheticStockSeries(300, 3);
    const body = { kind: 'forecast', name: 'stock2', csv: seriesCsv(series), options: { target: 'Close', window: 8, epochs: 3, seed: 1 } };
    const rec = (await (await submit(body)).json()) as JobRecord;
    const done = await waitFor(rec.id, (r) => r.state !== 'queued' && r.state !== 'running');
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ state: 'succeeded', model: { name: 'stock2', version: 1 } });
    const rows = Array.from({ length: 8 }, (_, i) => ({ Close: series.values.Close![290 + i]! }));
    const res = await fetch(`${url}/v1/models/stock2/forecast`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rows, steps: 3 }),
    });
    expect(res.status).toBe(200);
    const f = (await res.json()) as { forecast: number[] };
    expect(f.forecast).toHaveLength(3);
    expect(Math.abs(f.forecast[0]! - rows.at(-1)!.Close) / rows.at(-1)!.Close).toBeLessThan(0.2);
  });

  it('a job the library would reject is refused at submit (400 naming the option); nothing is queued', async () => {
    const before = (await (await fetch(`${url}/v1/jobs`)).json()) as { jobs: JobRecord[] };
    const res = await submit({ ...charsJob('toolong'), options: { seqLength: 50 } });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { detail: string };
    expect(problem.detail).toMatch(/options\.seqLength 50 needs at least 51/);
    const after = (await (await fetch(`${url}/v1/jobs`)).json()) as { jobs: JobRecord[] };
    expect(after.jobs).toHaveLength(before.jobs.length);
    expect((await fetch(`${url}/v1/models/toolong`)).status).toBe(404);
  });

  it('a running job can be cancelled; a queued one waits for it', async () => {
    // Long enough to still be running when cancelled, even with the fused kernels.
    const long = {
      ...charsJob('slow', 1000),
      text: 'if you want to build a ship, '.repeat(20),
      options: { seqLength: 20, layers: 2, hidden: 64, epochs: 1000, learningRate: 0.01, seed: 1 },
    };
    const first = (await (await submit(long)).json()) as JobRecord;
    const second = (await (await submit(charsJob('after', 5))).json()) as JobRecord;
    await waitFor(first.id, (r) => r.state === 'running' && r.step > 0);
    expect((await job(second.id)).state).toBe('queued');
    expect((await fetch(`${url}/v1/jobs/${first.id}`, { method: 'DELETE' })).status).toBe(401);
    const cancelled = await fetch(`${url}/v1/jobs/${first.id}`, { method: 'DELETE', headers: auth });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ state: 'cancelled' }); // the new state, not "running"
    expect(await job(first.id)).toMatchObject({ state: 'cancelled' });
    expect(await waitFor(second.id, (r) => r.state !== 'queued' && r.state !== 'running')).toMatchObject({ state: 'succeeded' });
    expect((await fetch(`${url}/v1/models/slow`)).status).toBe(404);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/seqcast_jobs\{state="cancelled"\} 1/);
    expect(metrics).toMatch(/seqcast_jobs\{state="failed"\} 0/);
  });

  it('unknown job ids are 404 (and never turned into paths)', async () => {
    for (const id of [randomUUID(), '..', '..%2F..%2Fetc%2Fpasswd']) {
      const res = await fetch(`${url}/v1/jobs/${id}`);
      expect(res.status).toBe(404);
    }
    expect((await fetch(`${url}/v1/jobs/${randomUUID()}/events`)).status).toBe(404);
  });
});

describe('restart', () => {
  it('a job cut off by a crash or a shutdown is marked interrupted, not lost', async () => {
    const dir = tmpDir();
    try {
      // 1. A record left "running" by a process that died, as the previous release wrote it
      // (progress in epoch/epochs only): it is read with step/steps/unit filled in.
      await fs.mkdir(path.join(dir.dir, '.jobs'), { recursive: true });
      const crashed: Omit<JobRecord, 'step' | 'steps' | 'unit'> = {
        id: randomUUID(),
        name: 'gone',
        kind: 'chars',
        state: 'running',
        createdAt: new Date(Date.now() - 60_000).toISOString(),
        startedAt: new Date(Date.now() - 50_000).toISOString(),
        finishedAt: null,
        epoch: 3,
        epochs: 10,
        loss: 1.5,
        elapsedMs: 5000,
        etaMs: 7000,
        options: { seqLength: 6 },
        model: null,
        error: null,
      };
      await fs.writeFile(path.join(dir.dir, '.jobs', `${crashed.id}.json`), JSON.stringify(crashed));
      // 2. A job running when the server shuts down.
      const a = await startServer({ modelsDir: dir.dir, port: 0, token: TOKEN, logger: false });
      expect(await (await fetch(`${a.url}/v1/jobs/${crashed.id}`)).json()).toMatchObject({
        state: 'interrupted',
        step: 3,
        steps: 10,
        unit: 'epoch',
        epoch: 3,
        epochs: 10,
        error: { code: 'INTERRUPTED' },
      });
      // Batches of one window: ~100,000 steps (a minute or more), so it is still training when the server stops.
      const cut = charsJob('cut', 1000);
      const long = { ...cut, text: 'if you want to build a ship, '.repeat(4), options: { ...cut.options, batchSize: 1 } };
      const rec = (await (await fetch(`${a.url}/v1/jobs`, { method: 'POST', headers: auth, body: JSON.stringify(long) })).json()) as JobRecord;
      const t0 = Date.now();
      while (((await (await fetch(`${a.url}/v1/jobs/${rec.id}`)).json()) as JobRecord).step < 1) {
        if (Date.now() - t0 > 30_000) throw new Error('job never started');
        await new Promise((r) => setTimeout(r, 50));
      }
      await a.close();
      // What a training process killed mid-save and an interrupted delete leave behind.
      await fs.mkdir(path.join(dir.dir, 'cut', '.1.tmp-abc123'), { recursive: true });
      await fs.writeFile(path.join(dir.dir, 'cut', '.1.tmp-abc123', 'weights.bin'), 'partial');
      await fs.mkdir(path.join(dir.dir, '.deleted-old-1a2b'), { recursive: true });

      const b = await startServer({ modelsDir: dir.dir, port: 0, token: TOKEN, logger: false });
      try {
        const list = ((await (await fetch(`${b.url}/v1/jobs`)).json()) as { jobs: JobRecord[] }).jobs;
        expect(list.map((j) => j.id).sort()).toEqual([crashed.id, rec.id].sort());
        const cut = list.find((j) => j.id === rec.id)!;
        expect(cut).toMatchObject({ state: 'interrupted', name: 'cut', error: { code: 'INTERRUPTED' } });
        expect(cut.step).toBeGreaterThanOrEqual(1);
        expect((await fetch(`${b.url}/v1/models/cut`)).status).toBe(404);
        expect(await fs.readdir(path.join(dir.dir, 'cut'))).toEqual([]);
        expect(await fs.readdir(dir.dir)).not.toContain('.deleted-old-1a2b');
        // Records are complete JSON files; no temp files are left behind.
        expect((await fs.readdir(path.join(dir.dir, '.jobs'))).sort()).toEqual([`${crashed.id}.json`, `${rec.id}.json`].sort());
      } finally {
        await b.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});
