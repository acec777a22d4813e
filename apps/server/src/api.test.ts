// Integration tests of the HTTP API against a real listening server (port 0) serving real,
// tiny trained models: every endpoint, every bad-input case, problem+json, logs, metrics,
// OpenAPI conformance of real responses, and the no-leak check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as http from 'node:http';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { CharLM } from '@seqcast/core';
import { tf } from '@seqcast/core/internals';
import { SeriesForecaster, type Series } from '@seqcast/forecast';
import { startServer, type RunningServer } from './server.js';
import { memoryLogger } from './logger.js';
import { openApiChecker, raw, rowsOf, tmpDir, trainHihello, trainStock } from './testing/fixtures.js';

let server: RunningServer;
let url: string;
let lm: CharLM; // loaded from the served directory, to compare against
let fc: SeriesForecaster;
let series: Series;
const logger = memoryLogger();
const tmp = tmpDir();
const FEATURES = ['Close', 'Volume'];

beforeAll(async () => {
  const trained = await trainHihello();
  await trained.save(path.join(tmp.dir, 'hihello'));
  trained.dispose();
  const stock = await trainStock();
  series = stock.series;
  await stock.model.save(path.join(tmp.dir, 'stock'));
  stock.model.dispose();
  lm = await CharLM.load(path.join(tmp.dir, 'hihello'));
  fc = await SeriesForecaster.load(path.join(tmp.dir, 'stock'));
  server = await startServer({ modelsDir: tmp.dir, port: 0, logger, token: 'sesame', limits: { maxLength: 200, maxSteps: 50 } });
  url = server.url;
});

afterAll(async () => {
  await server?.close();
  lm?.dispose();
  fc?.dispose();
  tmp.cleanup();
});

async function post(p: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Assert an RFC 9457 problem with this status (and code), and return it. */
async function problem(res: Response | Awaited<ReturnType<typeof raw>>, status: number, code?: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  const ctype = res instanceof Response ? res.headers.get('content-type') : res.headers['content-type'];
  expect(ctype).toMatch(/^application\/problem\+json/);
  const body = (res instanceof Response ? await res.json() : res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^urn:seqcast:problem:/), title: expect.any(String), detail: expect.any(String) });
  expect(String(body.detail)).not.toMatch(/\n|\bat .*\.(js|ts):\d+/); // one line, no stack
  if (code) expect(body.code).toBe(code);
  return body;
}

describe('read endpoints', () => {
  it('GET /health reports status, backend and model count', async () => {
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', models: 2, jobs: { mode: 'embedded' } });
    expect(['node', 'wasm', 'cpu']).toContain(body.backend);
  });

  it('GET /v1/models lists both models with version, created, metrics and input contract', async () => {
    const body = (await (await fetch(`${url}/v1/models`)).json()) as {
      models: { name: string; created: string; metrics: { loss: number; metrics: { validation: { model: { mase: number } } } } }[];
    };
    expect(body.models.map((m) => m.name)).toEqual(['hihello', 'stock']);
    const [hi, stock] = body.models;
    expect(hi).toMatchObject({ kind: 'chars', version: 1, versions: [1], input: { kind: 'chars', vocabulary: [...lm.vocabulary.chars] } });
    expect(Date.parse(hi!.created)).not.toBeNaN();
    expect(hi!.metrics.loss).toBeCloseTo(lm.info!.loss, 10);
    expect(stock).toMatchObject({
      kind: 'forecast',
      version: 1,
      input: { kind: 'forecast', features: FEATURES, target: 'Close', window: fc.info.window, horizon: 2, context: fc.info.context },
    });
    // The served metrics are the model's own validation table, not merely present.
    expect(stock!.metrics.metrics.validation.model.mase).toBe(fc.info.metrics.validation.model.mase);
  });

  it('a model directory copied in while running is served on its first request', async () => {
    await fs.cp(path.join(tmp.dir, 'hihello'), path.join(tmp.dir, 'copied'), { recursive: true });
    const res = await fetch(`${url}/v1/models/copied`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'copied', kind: 'chars', version: 1 });
    const next = (await (await post('/v1/models/copied/next', { text: 'hihel', top: 1 })).json()) as { next: { char: string }[] };
    expect(next.next[0]!.char).toBe('l');
    await server.registry.remove('copied');
    expect((await fetch(`${url}/v1/models/copied`)).status).toBe(404);
  });

  it('GET /v1/models/{name} describes one model', async () => {
    const res = await fetch(`${url}/v1/models/stock`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'stock', kind: 'forecast', version: 1 });
  });
});

describe('predictions', () => {
  it('next returns the model’s own top-k with probabilities', async () => {
    const res = await post('/v1/models/hihello/next', { text: 'hihel', top: 3 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { next: { char: string; p: number }[] };
    expect(body.next).toEqual(lm.next('hihel', 3));
    expect(body.next[0]!.char).toBe('l'); // the lecture's answer: "hihel" -> "l"
  });

  it('next defaults to 5 candidates, capped at the vocabulary size', async () => {
    const body = (await (await post('/v1/models/hihello/next', { text: 'h' })).json()) as { next: unknown[] };
    expect(body.next).toHaveLength(Math.min(5, lm.vocabulary.size));
    const big = (await (await post('/v1/models/hihello/next', { text: 'h', top: 50 })).json()) as { next: unknown[] };
    expect(big.next).toHaveLength(lm.vocabulary.size);
  });

  it('generate returns the continuation; the same seed gives the same text', async () => {
    const body = { prefix: 'hi', length: 40, temperature: 0.8, seed: 42 };
    const a = (await (await post('/v1/models/hihello/generate', body)).json()) as { text: string };
    const b = (await (await post('/v1/models/hihello/generate', body)).json()) as { text: string };
    expect(a.text).toHaveLength(40);
    expect(a.text).toBe(b.text);
    expect(a.text).toBe(lm.generate('hi', 40, { temperature: 0.8, seed: 42 }));
    const greedy = (await (await post('/v1/models/hihello/generate', { prefix: 'hihe', length: 3, temperature: 0 })).json()) as { text: string };
    expect(greedy.text).toBe('llo');
    const nucleus = { prefix: 'hi', length: 40, temperature: 1.5, topP: 0.8, seed: 7 };
    const n = (await (await post('/v1/models/hihello/generate', nucleus)).json()) as { text: string };
    expect(n.text).toBe(lm.generate('hi', 40, { temperature: 1.5, topP: 0.8, seed: 7 }));
  });

  it('forecast returns the model’s forecast from the last window rows, in original units', async () => {
    const rows = rowsOf(series, FEATURES, 300, 340);
    const res = await post('/v1/models/stock/forecast', { rows, steps: 5 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { forecast: number[] };
    expect(body.forecast).toEqual(fc.forecast(rows, 5));
    // Only the last `context` rows matter.
    const tail = (await (await post('/v1/models/stock/forecast', { rows: rows.slice(-fc.info.context), steps: 5 })).json()) as { forecast: number[] };
    expect(tail.forecast).toEqual(body.forecast);
    // Original units: near the last close, not a normalised value.
    const last = rows.at(-1)!.Close!;
    expect(Math.abs(body.forecast[0]! - last) / last).toBeLessThan(0.2);
  });

  it('forecast defaults steps to the model horizon', async () => {
    const rows = rowsOf(series, FEATURES, 0, 30);
    const body = (await (await post('/v1/models/stock/forecast', { rows })).json()) as { forecast: number[] };
    expect(body.forecast).toHaveLength(2);
  });
});

describe('bad input is a 4xx problem+json naming what was wrong', () => {
  it('malformed JSON', async () => {
    const res = await fetch(`${url}/v1/models/hihello/next`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text": "hi"' });
    const p = await problem(res, 400, 'BAD_ARGUMENT');
    expect(p.detail).toMatch(/not valid JSON/);
  });

  it('a body that is not JSON at all', async () => {
    const res = await fetch(`${url}/v1/models/hihello/next`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hihel' });
    expect((await problem(res, 400, 'BAD_ARGUMENT')).detail).toMatch(/JSON object/);
    const arr = await post('/v1/models/hihello/next', ['hihel']);
    expect((await problem(arr, 400)).detail).toMatch(/body must be an object/);
  });

  it('missing and wrongly typed fields name the field', async () => {
    expect((await problem(await post('/v1/models/hihello/next', {}), 400)).detail).toBe('text is required');
    expect((await problem(await post('/v1/models/hihello/next', { text: 5 }), 400)).detail).toBe('text must be a string (received 5)');
    const top = await problem(await post('/v1/models/hihello/next', { text: 'hi', top: 'three' }), 400);
    expect(top).toMatchObject({ detail: 'top must be an integer (received "three")', where: 'top' });
    expect((await problem(await post('/v1/models/hihello/next', { text: 'hi', top: 1.5 }), 400)).detail).toBe('top must be an integer (received 1.5)');
    expect((await problem(await post('/v1/models/hihello/next', { text: 'hi', top: 0 }), 400)).detail).toBe('top must be >= 1');
    expect((await problem(await post('/v1/models/hihello/generate', { prefix: 'hi' }), 400)).detail).toBe('length is required');
    expect((await problem(await post('/v1/models/hihello/next', { text: 'hi', tpo: 2 }), 400)).detail).toBe('unknown field "tpo"');
    expect((await problem(await post('/v1/models/stock/forecast', { rows: 'abc' }), 400)).detail).toBe('rows must be an array (received "abc")');
  });

  it('unknown characters', async () => {
    const p = await problem(await post('/v1/models/hihello/next', { text: 'hex' }), 400, 'UNKNOWN_CHAR');
    expect(p.detail).toMatch(/"x"/);
    await problem(await post('/v1/models/hihello/generate', { prefix: 'z', length: 3 }), 400, 'UNKNOWN_CHAR');
  });

  it('unknown model, including names with / or .. or malformed percent-encoding (404)', async () => {
    await problem(await post('/v1/models/nope/next', { text: 'hi' }), 404, 'MODEL_NOT_FOUND');
    await problem(await fetch(`${url}/v1/models/nope`), 404, 'MODEL_NOT_FOUND');
    for (const p of [
      '/v1/models/..',
      '/v1/models/../next',
      '/v1/models/..%2F..%2Fetc',
      '/v1/models/a%2Fb/next',
      '/v1/models/%2E%2E/next',
      '/v1/models/.jobs',
      '/v1/models/hihello%00',
      '/v1/models/%C0%AE',
      '/v1/models/%C0%AE/next',
      '/v1/models/%ZZ',
    ]) {
      const method = p.endsWith('/next') ? 'POST' : 'GET';
      const res = await raw(url, method, p, method === 'POST' ? JSON.stringify({ text: 'hi' }) : undefined);
      expect(res.status, p).toBe(404);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    await problem(await fetch(`${url}/v2/nothing`), 404, 'NOT_FOUND');
    const undecodable = await problem(await fetch(`${url}/v1/models/%C0%AE`), 404, 'MODEL_NOT_FOUND');
    expect(undecodable.detail).toBe('model "%C0%AE" not found');
  });

  it('a model of the other kind', async () => {
    const p = await problem(await post('/v1/models/stock/next', { text: 'hi' }), 400, 'BAD_ARGUMENT');
    expect(p.detail).toBe('model "stock" is a forecast model; next needs a chars model');
  });

  it('bodies over the limit (413)', async () => {
    const big = JSON.stringify({ text: 'h'.repeat(1024 * 1024 + 10) });
    const p = await problem(
      await fetch(`${url}/v1/models/hihello/next`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big }),
      413,
      'TOO_LARGE',
    );
    expect(p.detail).toBe('request body is over the 1mb limit; start the server with --body-limit BYTES to raise it');
  });

  it('an endless chunked body is answered 413 as soon as it passes the limit, and the connection is closed', async () => {
    // The client keeps writing 64 KB chunks until the answer comes (at most 64 MB, bounded in time).
    const answer = await new Promise<{ status: number; connection: string | undefined; sentMb: number }>((resolve, reject) => {
      let sent = 0;
      const req = http.request(`${url}/v1/models/hihello/next`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, sentMb: sent / 2 ** 20 });
        req.destroy();
      });
      req.on('error', (e) => (sent > 0 ? undefined : reject(e)));
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      req.write('{"text":"');
      const pump = () => {
        while (sent < 64 * 2 ** 20 && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
      };
      pump();
    });
    expect(answer.status).toBe(413);
    expect(answer.connection).toBe('close');
    expect(answer.sentMb).toBeLessThan(64);
  });

  it('length and steps over their limits', async () => {
    expect((await problem(await post('/v1/models/hihello/generate', { prefix: 'hi', length: 201 }), 400)).detail).toBe('length must be <= 200 (server limit)');
    const rows = rowsOf(series, FEATURES, 0, 30);
    expect((await problem(await post('/v1/models/stock/forecast', { rows, steps: 51 }), 400)).detail).toBe('steps must be <= 50 (server limit)');
  });

  it('fewer rows than the window, missing or non-numeric values name the field and row', async () => {
    const rows = rowsOf(series, FEATURES, 0, 30);
    const few = await problem(await post('/v1/models/stock/forecast', { rows: rows.slice(0, fc.info.context - 1) }), 400, 'BAD_INPUT');
    expect(few).toMatchObject({ where: 'rows', detail: `rows has ${fc.info.context - 1} rows; model "stock" needs at least ${fc.info.context} (its window)` });
    const bad = structuredClone(rows) as Record<string, unknown>[];
    bad[27]!.Close = 'abc';
    expect(await problem(await post('/v1/models/stock/forecast', { rows: bad }), 400)).toMatchObject({
      where: 'rows[27].Close',
      detail: 'rows[27].Close must be a number (received "abc")',
    });
    const missing = structuredClone(rows);
    delete missing[29]!.Volume;
    expect(await problem(await post('/v1/models/stock/forecast', { rows: missing }), 400)).toMatchObject({
      where: 'rows[29].Volume',
      detail: 'rows[29].Volume is missing (model "stock" needs Close, Volume)',
    });
  });

  it('errors carry the request id, also in the header', async () => {
    const res = await fetch(`${url}/v1/models/nope`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(((await res.json()) as { requestId: string }).requestId).toBe('abc-123');
  });
});

describe('auth on delete', () => {
  it('DELETE needs the bearer token', async () => {
    const none = await fetch(`${url}/v1/models/hihello`, { method: 'DELETE' });
    await problem(none, 401, 'UNAUTHORIZED');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await problem(await fetch(`${url}/v1/models/hihello`, { method: 'DELETE', headers: { authorization: 'Bearer wrong' } }), 401);
    expect((await fetch(`${url}/v1/models/hihello`)).status).toBe(200); // still there
    await problem(await fetch(`${url}/v1/models/..`, { method: 'DELETE', headers: { authorization: 'Bearer sesame' } }), 404);
  });
});

describe('observability', () => {
  it('logs one JSON line per request with id, method, route, status, latency and never the body', async () => {
    await post('/v1/models/hihello/next', { text: 'hihe', top: 2 }, { 'x-request-id': 'log-check-1' });
    const entry = logger.entries.find((e) => e.requestId === 'log-check-1');
    expect(entry).toMatchObject({ msg: 'request', method: 'POST', route: '/v1/models/:name/next', status: 200 });
    expect(entry!.latencyMs).toBeGreaterThan(0);
    expect(JSON.stringify(logger.entries)).not.toContain('hihe"');
  });

  it('/metrics has request counts and latency by route and status, live tensors and jobs by state', async () => {
    await post('/v1/models/nope/next', { text: 'hi' });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/seqcast_http_requests_total\{method="POST",route="\/v1\/models\/:name\/next",status="200"\} [1-9]/);
    expect(text).toMatch(/seqcast_http_requests_total\{method="POST",route="\/v1\/models\/:name\/next",status="404"\} [1-9]/);
    expect(text).toMatch(/seqcast_http_request_duration_seconds_bucket\{le="0\.05",method="POST",route="\/v1\/models\/:name\/next",status="200"\} [1-9]/);
    const live = /seqcast_tensors_live (\d+)/.exec(text);
    expect(Number(live?.[1])).toBe(tf.memory().numTensors);
    expect(text).toMatch(/seqcast_jobs\{state="running"\} 0/);
    expect(text).toMatch(/seqcast_models_served 2/);
    expect(Number(/seqcast_next_batch_rows_count (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
  });
});

describe('OpenAPI 3.1', () => {
  it('describes every endpoint, and real responses conform to it', async () => {
    const { doc, check: validate } = await openApiChecker(url);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/health',
        '/metrics',
        '/openapi.json',
        '/v1/csv',
        '/v1/jobs',
        '/v1/jobs/csv',
        '/v1/jobs/{id}',
        '/v1/jobs/{id}/events',
        '/v1/model-kinds',
        '/v1/models',
        '/v1/models/{name}',
        '/v1/models/{name}/forecast',
        '/v1/models/{name}/generate',
        '/v1/models/{name}/next',
        '/v1/models/{name}/sample.csv',
      ].sort(),
    );
    const check = async (tpl: string, method: string, res: Response) => {
      expect(validate(tpl, method, res.status, res.headers.get('content-type') ?? '', await res.json())).toBeNull();
    };
    const rows = rowsOf(series, FEATURES, 0, 30);
    await check('/health', 'get', await fetch(`${url}/health`));
    await check('/v1/models', 'get', await fetch(`${url}/v1/models`));
    await check('/v1/models/{name}', 'get', await fetch(`${url}/v1/models/hihello`));
    await check('/v1/models/{name}', 'get', await fetch(`${url}/v1/models/stock`));
    await check('/v1/models/{name}', 'get', await fetch(`${url}/v1/models/nope`));
    await check('/v1/models/{name}/next', 'post', await post('/v1/models/hihello/next', { text: 'hi' }));
    await check('/v1/models/{name}/next', 'post', await post('/v1/models/hihello/next', { text: 'hx' }));
    await check('/v1/models/{name}/generate', 'post', await post('/v1/models/hihello/generate', { prefix: 'hi', length: 5, seed: 1 }));
    await check('/v1/models/{name}/forecast', 'post', await post('/v1/models/stock/forecast', { rows, steps: 3 }));
    await check('/v1/models/{name}/forecast', 'post', await post('/v1/models/stock/forecast', { rows: rows.slice(0, 2) }));
    await check('/v1/jobs', 'get', await fetch(`${url}/v1/jobs`));
    await check('/v1/jobs', 'post', await post('/v1/jobs', {}));
    await check('/v1/jobs/{id}', 'get', await fetch(`${url}/v1/jobs/00000000-0000-0000-0000-000000000000`));
  });
});

describe('no tensor leaks', () => {
  it('the live tensor count after 10,000 requests equals the count after the first 10', async () => {
    const rows = rowsOf(series, FEATURES, 0, 20);
    const bodies: [string, unknown][] = [
      ['/v1/models/hihello/next', { text: 'hihell', top: 3 }],
      ['/v1/models/hihello/next', { text: 'hi' }],
      ['/v1/models/hihello/generate', { prefix: 'hi', length: 4, seed: 3 }],
      ['/v1/models/stock/forecast', { rows, steps: 3 }],
      ['/v1/models/hihello/next', { text: 'hiq' }], // error path: unknown char
      ['/v1/models/stock/forecast', { rows: rows.slice(0, 3) }], // error path: too few rows
    ];
    const payloads = bodies.map(([p, b]) => [p, JSON.stringify(b)] as const);
    // A keep-alive http client: cheaper per request than fetch, so 10,000 requests stay quick.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const { port } = new URL(url);
    const one = (p: string, b: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port, method: 'POST', path: p, agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(b);
      });
    let sent = 0;
    const statuses = new Map<number, number>();
    const fire = async (n: number) => {
      const workers = Array.from({ length: 16 }, async () => {
        while (sent < n) {
          const [p, b] = payloads[sent++ % payloads.length]!;
          const status = await one(p, b);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      });
      await Promise.all(workers);
    };
    await fire(10);
    const after10 = tf.memory().numTensors;
    await fire(10_000);
    agent.destroy();
    expect(sent).toBeGreaterThanOrEqual(10_000);
    expect([...statuses.keys()].sort()).toEqual([200, 400]); // both the success and the error paths ran
    expect(tf.memory().numTensors).toBe(after10);
  });
});
