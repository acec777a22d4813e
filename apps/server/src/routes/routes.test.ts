// The route table is the one source of routing, validation and the OpenAPI document: every route
// in it is documented and answered, every documented operation is in it, and the express app has
// no route beside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type express from 'express';
import { buildOpenApi } from '../openapi.js';
import { resolveOptions } from '../options.js';
import { startServer, type RunningServer } from '../server.js';
import { tmpDir } from '../testing/fixtures.js';
import { ROUTES } from './index.js';
import { expressPath } from './route.js';

type Doc = { paths: Record<string, Record<string, { operationId?: string; security?: unknown[]; requestBody?: unknown }>> };

const tmp = tmpDir();
let server: RunningServer;
let doc: Doc;

beforeAll(async () => {
  server = await startServer({ modelsDir: tmp.dir, port: 0, logger: false, token: 'sesame' });
  doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
});

afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

describe('route table and OpenAPI document', () => {
  it('every route is a documented operation, and every documented operation is a route', () => {
    const table = ROUTES.map((r) => key(r.method, r.path)).sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((m) => METHODS.includes(m))
          .map((m) => key(m, path)),
      )
      .sort();
    expect(new Set(table).size).toBe(table.length);
    expect(documented).toEqual(table);
    for (const r of ROUTES) {
      const op = doc.paths[r.path]![r.method]!;
      expect(op.operationId, key(r.method, r.path)).toBe(r.operationId);
      // The auth rule and the body are documented as the table says.
      expect(op.security, key(r.method, r.path)).toEqual(r.auth === 'token' ? [{ bearer: [] }] : []);
      expect(op.requestBody !== undefined, key(r.method, r.path)).toBe(r.body !== undefined || r.upload !== undefined);
    }
    expect(new Set(ROUTES.map((r) => r.operationId)).size).toBe(ROUTES.length);
  });

  it('the 503s a client can get are documented with Retry-After: every inference route and job events always, every job route in queue mode', () => {
    type Responses = Record<string, { headers?: Record<string, unknown> }>;
    const responses = (d: unknown, method: string, path: string) =>
      (d as { paths: Record<string, Record<string, { responses: Responses }>> }).paths[path]![method]!.responses;
    const embedded = buildOpenApi(resolveOptions({ modelsDir: tmp.dir }));
    const queue = buildOpenApi(resolveOptions({ modelsDir: tmp.dir, redisUrl: 'redis://127.0.0.1:6379' }));
    for (const d of [embedded, queue]) {
      // The inference queue (maxInferenceQueue) is full: next, generate and forecast alike.
      for (const p of ['next', 'generate', 'forecast']) expect(responses(d, 'post', `/v1/models/{name}/${p}`)['503']?.headers).toHaveProperty('Retry-After');
      expect(responses(d, 'get', '/v1/jobs/{id}/events')['503']?.headers).toHaveProperty('Retry-After');
      // Predictions never wait on Redis: their one 503 is the inference queue's.
      expect(responses(embedded, 'post', '/v1/models/{name}/next')['503']).toEqual(responses(queue, 'post', '/v1/models/{name}/next')['503']);
    }
    const jobRoutes = ROUTES.filter((r) => r.path.startsWith('/v1/jobs'));
    expect(jobRoutes).toHaveLength(6);
    for (const r of jobRoutes) {
      expect(responses(queue, r.method, r.path)['503']?.headers, key(r.method, r.path)).toHaveProperty('Retry-After');
      if (r.path !== '/v1/jobs/{id}/events') expect(responses(embedded, r.method, r.path)['503'], key(r.method, r.path)).toBeUndefined();
    }
  });

  it('express serves exactly the routes of the table', () => {
    const app = server.app as express.Express & { router: { stack: Layer[] } };
    // Besides the table: only the web page's `GET /` (its 404 when the page is not built).
    const served = collectRoutes(app.router.stack)
      .filter((r) => r !== 'GET /')
      .sort();
    expect(collectRoutes(app.router.stack)).toContain('GET /');
    expect(served).toEqual(ROUTES.map((r) => key(r.method, expressPath(r.path))).sort());
  });

  it('every route answers (auth and validation as declared), none falls through to "no endpoint"', async () => {
    for (const r of ROUTES) {
      if (r.path.endsWith('/events')) continue; // a stream; its 404 for an unknown job is below
      const path = r.path.replace('{name}', 'nope').replace('{id}', '00000000-0000-4000-8000-000000000000');
      const res = await fetch(server.url + path, {
        method: r.method.toUpperCase(),
        headers: { 'content-type': 'application/json' },
        ...(r.method === 'get' ? {} : { body: '{"unexpected":1}' }),
      });
      const text = await res.text();
      expect(text, key(r.method, r.path)).not.toMatch(/no endpoint/);
      if (r.auth === 'token') expect(res.status, key(r.method, r.path)).toBe(401);
      else if (r.body) expect(res.status, key(r.method, r.path)).toBe(400);
      else expect([200, 204, 404], key(r.method, r.path)).toContain(res.status);
    }
    const events = await fetch(`${server.url}/v1/jobs/00000000-0000-4000-8000-000000000000/events`);
    expect(events.status).toBe(404);
    expect(await events.text()).toMatch(/job .* not found/);
  });
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** `GET /v1/models/:name` for every route in an express router stack, nested routers included. */
function collectRoutes(stack: Layer[]): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.push(key(m, layer.route.path));
    } else if (layer.handle?.stack) {
      out.push(...collectRoutes(layer.handle.stack));
    }
  }
  return out;
}
