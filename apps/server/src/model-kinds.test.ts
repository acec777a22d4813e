// The model registry over HTTP: GET /v1/model-kinds lists every panel kind with its options and
// defaults (as the OpenAPI document says), and a panel job names any kind (`model`): the drift
// model, registered in one place, trains, is served, and a cancelled global job saves nothing.
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { panelModelKinds, panelToCsv, syntheticPanel } from '@seqcast/forecast';
import { startServer, type RunningServer } from './server.js';
import { openApiChecker, tmpDir } from './testing/fixtures.js';
import type { JobRecord, ModelKindList } from './wire.js';

const TOKEN = 'open-sesame';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const tmp = tmpDir();
const panel = syntheticPanel({ series: 4, length: 100, season: 12, seed: 5 });
let server: RunningServer;
let url: string;

const post = (p: string, body: unknown, headers: Record<string, string> = auth) => fetch(url + p, { method: 'POST', headers, body: JSON.stringify(body) });

async function waitFor(id: string, until: (r: JobRecord) => boolean = (r) => r.state !== 'queued' && r.state !== 'running'): Promise<JobRecord> {
  const t0 = Date.now();
  for (;;) {
    const r = (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as JobRecord;
    if (until(r)) return r;
    if (Date.now() - t0 > 60_000) throw new Error(`job ${id} still ${r.state}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

beforeAll(async () => {
  server = await startServer({ modelsDir: tmp.dir, port: 0, token: TOKEN, logger: false });
  url = server.url;
});
afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

describe('model kinds over HTTP', () => {
  it('GET /v1/model-kinds lists every registered panel kind, the default first, with its options and defaults', async () => {
    const res = await fetch(`${url}/v1/model-kinds`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ModelKindList;
    expect(body.kinds.map((k) => k.kind).sort()).toEqual(
      panelModelKinds()
        .map((k) => k.kind)
        .sort(),
    );
    expect(body.kinds[0]).toMatchObject({ kind: 'global', default: true });
    const global = body.kinds[0]!.options as { properties: Record<string, { default?: unknown }>; required: string[] };
    expect(global.properties.minutes!.default).toBe(8);
    expect(global.required).toEqual(expect.arrayContaining(['target', 'horizon']));
    const drift = body.kinds.find((k) => k.kind === 'drift')!.options as { properties: Record<string, unknown> };
    expect(Object.keys(drift.properties)).toEqual(expect.arrayContaining(['lookback', 'target', 'horizon', 'season']));
    expect(drift.properties).not.toHaveProperty('minutes');
    const api = await openApiChecker(url);
    expect(api.check('/v1/model-kinds', 'get', 200, res.headers.get('content-type')!, body)).toBeNull();
  });

  it('a panel job of the drift model trains and is served; a wrong option or kind is one line naming the field', async () => {
    const job = {
      kind: 'panel',
      model: 'drift',
      name: 'drifty',
      csv: panelToCsv(panel),
      csvOptions: { idColumn: 'id', timeColumn: 't' },
      options: { target: 'y', horizon: 4, season: 12, lookback: 24 },
    };
    const res = await post('/v1/jobs', job);
    expect(res.status).toBe(202);
    const done = await waitFor(((await res.json()) as JobRecord).id);
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ state: 'succeeded', kind: 'panel', modelKind: 'drift', epoch: 1, epochs: 1, model: { name: 'drifty', version: 1 } });
    const series = panel.series.slice(0, 2).map((s) => ({ id: s.id, rows: Array.from(s.values.slice(-30), (y) => ({ y })) }));
    const f = (await (await post('/v1/models/drifty/forecast', { series, steps: 4 })).json()) as { forecasts: { values: number[] }[] };
    expect(f.forecasts.map((x) => x.values.length)).toEqual([4, 4]);
    const d = (await (await fetch(`${url}/v1/models/drifty`)).json()) as { kind: string; metrics: { modelKind: string } };
    expect(d).toMatchObject({ kind: 'panel', metrics: { modelKind: 'drift' } });

    const bad = await post('/v1/jobs', { ...job, options: { ...job.options, minutes: 3 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toBe('options: unknown field "minutes"');
    const unknown = await post('/v1/jobs', { ...job, model: 'nbeats' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { detail: string }).detail).toMatch(/^model must be one of "global", "naive2", .*"drift"/);
  });

  it('cancelling a running global-model job stops its fit at the next step and publishes nothing', async () => {
    const job = {
      kind: 'panel',
      name: 'cancelme',
      csv: panelToCsv(panel),
      csvOptions: { idColumn: 'id', timeColumn: 't' },
      options: { target: 'y', horizon: 4, season: 12, minutes: 30 }, // 4000 steps: minutes of training
    };
    const res = await post('/v1/jobs', job);
    expect(res.status).toBe(202);
    const id = ((await res.json()) as JobRecord).id;
    await waitFor(id, (r) => r.state === 'running' && r.step > 0);
    const c = await fetch(`${url}/v1/jobs/${id}`, { method: 'DELETE', headers: auth });
    expect(c.status).toBe(200);
    const end = await waitFor(id);
    expect(end.state).toBe('cancelled');
    expect(end.model).toBeNull();
    expect(await readdir(tmp.dir)).not.toContain('cancelme');
    expect((await fetch(`${url}/v1/models/cancelme`)).status).toBe(404);
  });
});
