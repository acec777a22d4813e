// Issue 28, break 2: every inference route (next, generate incl. its prefix pass, one-series and
// panel forecasts) passes the same bounded queue and runs in time slices, so /health is answered
// while long inference runs, and a full queue is a 503 with Retry-After on every route.
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CharLM } from '@seqcast/core';
import { GlobalForecaster, syntheticPanel } from '@seqcast/forecast';
import { startServer, type RunningServer } from './server.js';
import { InferenceGate } from './models/inference.js';
import { rowsOf, tmpDir, trainStock } from './testing/fixtures.js';

const TEXT = "if you want to build a ship, don't drum up people together to collect wood";
const LONG = TEXT.repeat(40).slice(0, 3000);
const json = { 'content-type': 'application/json' };
const tmp = tmpDir();
let stockRows: Record<string, number>[];
let busy: RunningServer; // default limits
let tight: RunningServer; // one running, one waiting

beforeAll(async () => {
  const lm = await CharLM.train(TEXT, { seqLength: 10, hidden: 64, layers: 2, epochs: 2, seed: 1 });
  await lm.save(path.join(tmp.dir, 'ship'));
  lm.dispose();
  const stock = await trainStock(200);
  await stock.model.save(path.join(tmp.dir, 'stock'));
  stockRows = rowsOf(stock.series, ['Close', 'Volume'], 150, 200);
  stock.model.dispose();
  const panel = new GlobalForecaster({ horizon: 3, steps: 4, units: 8, batchSize: 16, seed: 1 });
  await panel.fit(syntheticPanel({ series: 5, length: 60, season: 1, seed: 3 }), { horizon: 3, season: 1 });
  await panel.save(path.join(tmp.dir, 'stores'));
  panel.dispose();
  busy = await startServer({ modelsDir: tmp.dir, port: 0, logger: false });
  tight = await startServer({ modelsDir: tmpDir().dir, port: 0, logger: false, limits: { maxConcurrentInference: 1, maxInferenceQueue: 1 } });
  for (const name of ['ship', 'stock', 'stores']) {
    const { cp } = await import('node:fs/promises');
    await cp(path.join(tmp.dir, name), path.join(tight.options.modelsDir, name), { recursive: true });
    await tight.registry.refresh(name);
  }
}, 120_000);

afterAll(async () => {
  await busy?.close();
  await tight?.close();
  tmp.cleanup();
});

const post = (s: RunningServer, p: string, body: unknown) => fetch(`${s.url}${p}`, { method: 'POST', headers: json, body: JSON.stringify(body) });

/** One-row series for a panel body: `n` of them, values drifting so none is constant. */
const panelBody = (n: number) => ({ series: Array.from({ length: n }, (_, i) => ({ id: `s${i}`, rows: [{ y: 10 + (i % 7) }] })), steps: 3 });

const kinds: Record<string, (s: RunningServer, i: number) => Promise<Response>> = {
  next: (s, i) => post(s, '/v1/models/ship/next', { text: LONG.slice(0, 40 + i * 400), top: 3 }),
  generate: (s, i) => post(s, '/v1/models/ship/generate', { prefix: LONG.slice(0, 2000 + i), length: 200, seed: i }),
  forecast: (s) => post(s, '/v1/models/stock/forecast', { rows: stockRows, steps: 1000 }),
  panel: (s) => post(s, '/v1/models/stores/forecast', panelBody(5000)),
  csv: (s) => post(s, '/v1/csv', { csv: 'v\n' + Array.from({ length: 2000 }, (_, d) => d % 97).join('\n') }),
};

/** A ~1 MB two-column CSV: its /v1/csv answer (~10 MB of JSON) is more than a socket buffers. */
const bigCsv = () =>
  'date,value\n' +
  Array.from({ length: 45_000 }, (_, d) => `${new Date(Date.UTC(1900, 0, 1 + d)).toISOString().slice(0, 10)},${(100 + Math.sin(d / 9) * 20).toFixed(3)}`).join(
    '\n',
  ) +
  '\n';

/** Send `body` to `p` on a raw connection that never reads the answer; returns the socket. */
function postNeverRead(s: RunningServer, p: string, body: unknown): net.Socket {
  const u = new URL(s.url);
  const text = JSON.stringify(body);
  const socket = net.connect(Number(u.port), u.hostname);
  socket.pause(); // nothing is ever read: the server's writes fill the socket buffers and wait
  socket.write(`POST ${p} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  return socket;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe('break 2: the inference queue', () => {
  it('a panel body is forecast a chunk of series at a time, with the answers of one whole pass', async () => {
    const body = panelBody(600); // more than two chunks
    const res = await post(busy, '/v1/models/stores/forecast', body);
    expect(res.status).toBe(200);
    const got = (await res.json()) as { forecasts: { id: string; values: number[] }[] };
    const model = await GlobalForecaster.load(path.join(tmp.dir, 'stores'));
    const panel = syntheticPanel({ series: 1, length: 1 });
    const whole = await model.forecast(
      { ...panel, series: body.series.map((s) => ({ id: s.id, values: Float64Array.of(s.rows[0]!.y), times: null, features: {}, lines: null })) },
      3,
    );
    model.dispose();
    expect(got.forecasts.map((f) => f.id)).toEqual(whole.map((f) => f.id));
    got.forecasts.forEach((f, i) => f.values.forEach((v, h) => expect(v).toBeCloseTo(whole[i]!.values[h]!, 6)));
  });

  it('break 2: /health answers while a long next/forecast batch runs', async () => {
    const done: string[] = [];
    const track = (label: string, p: Promise<Response>) =>
      p.then(async (r) => {
        await r.arrayBuffer();
        done.push(label);
        return r.status;
      });
    const work = [
      ...Array.from({ length: 8 }, (_, i) => track('next', post(busy, '/v1/models/ship/next', { text: LONG.slice(i), top: 3 }))),
      track('generate', kinds.generate!(busy, 0)),
      track('forecast', kinds.forecast!(busy, 0)),
      track('panel', kinds.panel!(busy, 0)),
    ];
    // Ask for /health once inference is running: it must be answered before that work is done.
    await until(() => busy.inference.load.active > 0);
    const health = await fetch(`${busy.url}/health`);
    expect(health.status).toBe(200);
    done.push('health');
    expect(await Promise.all(work)).toEqual(Array(work.length).fill(200));
    // Answered in between: some inference finished after /health did.
    expect(done.indexOf('health')).toBeLessThan(done.length - 1);
  }, 120_000);

  it('a request holding a slot is not queued behind itself when the service asks for one again', async () => {
    const gate = new InferenceGate(1, 0);
    // The panel and /v1/csv routes hold a slot for all their work; the service they call asks too.
    await expect(gate.run(() => gate.run(async () => gate.load))).resolves.toEqual({ active: 1, waiting: 0 });
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  for (const [label, route, body] of [
    ['/v1/csv', '/v1/csv', () => ({ csv: bigCsv() })],
    ['panel forecast', '/v1/models/stores/forecast', () => panelBody(10_000)],
  ] as const) {
    it(`a client that never reads its ${label} answer holds no inference slot`, async () => {
      // One slot: were it kept while the answer waits on the unread socket, the forecast below would wait forever.
      const socket = postNeverRead(tight, route, body());
      try {
        await until(() => tight.inference.load.active === 1);
        await until(() => tight.inference.load.active === 0);
        const res = await kinds.forecast!(tight, 0);
        expect(res.status).toBe(200);
      } finally {
        socket.destroy();
      }
    }, 120_000);
  }

  for (const kind of Object.keys(kinds)) {
    it(`a full inference queue answers 503 with Retry-After (${kind})`, async () => {
      // Hold the only slot; the first request then waits in the one-place queue, the next is refused.
      let release!: () => void;
      const held = tight.inference.run(() => new Promise<void>((r) => (release = r)));
      await until(() => tight.inference.load.active === 1);
      const queued = kinds[kind]!(tight, 0);
      await until(() => tight.inference.load.waiting === 1);
      const refused = await kinds[kind]!(tight, 1);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(((await refused.json()) as { code: string }).code).toBe('OVERLOADED');
      release();
      await held;
      expect((await queued).status).toBe(200);
    }, 120_000);
  }
});
