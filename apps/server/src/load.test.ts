// Inference under load: overload is a 503 with Retry-After (never a stall), work per request is
// capped, and publishing or deleting a model under load fails no request in flight.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CharLM } from '@seqcast/core';
import { startServer, type RunningServer } from './server.js';
import { tmpDir, trainStock } from './testing/fixtures.js';

const TOKEN = 'load';
const TEXT = "if you want to build a ship, don't drum up people together to collect wood";
const json = { 'content-type': 'application/json' };
const tmp = tmpDir();
let lm: CharLM;
let server: RunningServer;

beforeAll(async () => {
  lm = await CharLM.train(TEXT, { seqLength: 10, hidden: 48, layers: 2, epochs: 5, seed: 1 });
  await lm.save(path.join(tmp.dir, 'ship', '1'));
  const { model } = await trainStock(200);
  await model.save(path.join(tmp.dir, 'stock'));
  model.dispose();
  server = await startServer({ modelsDir: tmp.dir, port: 0, token: TOKEN, logger: false, limits: { maxConcurrentInference: 1, maxInferenceQueue: 2 } });
});
afterAll(async () => {
  await server?.close();
  lm.dispose();
  tmp.cleanup();
});

const generate = (name: string, length = 500) =>
  fetch(`${server.url}/v1/models/${name}/generate`, { method: 'POST', headers: json, body: JSON.stringify({ prefix: 'if', length, seed: 1 }) });

describe('overload', () => {
  it('generations beyond the running one and the queue are answered 503 with Retry-After; the rest succeed', async () => {
    const res = await Promise.all(Array.from({ length: 12 }, () => generate('ship')));
    const statuses = res.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3); // 1 running + 2 queued
    const busy = res.filter((r) => r.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(busy[0]!.headers.get('retry-after')).toBe('1');
    expect(((await busy[0]!.json()) as { code: string }).code).toBe('OVERLOADED');
    for (const r of res.filter((x) => x.status === 200)) expect(((await r.json()) as { text: string }).text).toHaveLength(500);
    expect((await fetch(`${server.url}/health`)).headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('work over maxRequestWork (characters × parameters) is a 400 naming the field and the most allowed', async () => {
    const small = await startServer({ modelsDir: tmpDir().dir, port: 0, logger: false, limits: { maxRequestWork: 1000 } });
    try {
      await lm.save(path.join(small.options.modelsDir, 'ship'));
      const res = await fetch(`${small.url}/v1/models/ship/next`, { method: 'POST', headers: json, body: JSON.stringify({ text: 'if you' }) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toMatch(
        /^text of 6 characters is too much work for this model \(\d+ parameters\); at most 1 \(server limit maxRequestWork\)$/,
      );
    } finally {
      await small.close();
    }
  });

  it('a forecast that overflows is a 400, not a 200 with nulls', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ Close: i % 2 ? 1.7e308 : -1.7e308, Volume: 1e308 }));
    const res = await fetch(`${server.url}/v1/models/stock/forecast`, { method: 'POST', headers: json, body: JSON.stringify({ rows, steps: 3 }) });
    expect(res.status).toBe(400);
    // Refused on the way in, naming the first value too large to forecast from.
    expect(((await res.json()) as { detail: string }).detail).toMatch(/^rows\[0\]\.Close is -1\.7e\+308, beyond ±1e300/);
  });
});

describe('model lifetimes', () => {
  it('zero failed requests across a publish and a delete under load', async () => {
    const statuses = new Map<number, number>();
    let stop = false;
    const client = async () => {
      while (!stop) {
        const r =
          Math.random() < 0.5
            ? await generate('ship', 40)
            : await fetch(`${server.url}/v1/models/ship/next`, { method: 'POST', headers: json, body: JSON.stringify({ text: 'if you' }) });
        await r.arrayBuffer();
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    };
    const clients = Array.from({ length: 6 }, client);
    await new Promise((r) => setTimeout(r, 500));
    // Publish version 2 as a training job does (an atomic save, then refresh), twice.
    for (const v of [2, 3]) {
      await lm.save(path.join(tmp.dir, 'ship', String(v)));
      expect((await server.registry.refresh('ship'))?.version).toBe(v);
      await new Promise((r) => setTimeout(r, 300));
    }
    const del = await fetch(`${server.url}/v1/models/ship`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(del.status).toBe(204);
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(clients);
    const failed = [...statuses].filter(([s]) => s !== 200 && s !== 404 && s !== 503);
    expect(failed).toEqual([]); // never 409 "disposed" or 500
    expect(statuses.get(200)).toBeGreaterThan(10);
    expect(statuses.get(404)).toBeGreaterThan(0); // after the delete
    expect(await fs.readdir(tmp.dir)).not.toContain('ship');
  }, 60_000);
});
