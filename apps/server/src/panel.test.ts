// Panel models over HTTP against a real listening server: a panel training job on long-format
// CSV content, then POST /v1/models/{name}/forecast with a "series" body returning the shape of
// `seqcast forecast predict --json` (checked against the OpenAPI document), and its bad inputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { panelToCsv, syntheticPanel } from '@seqcast/forecast';
import { startServer, type RunningServer } from './server.js';
import { openApiChecker, tmpDir, trainStock } from './testing/fixtures.js';
import * as path from 'node:path';
import type { JobRecord } from './jobs/types.js';

const TOKEN = 'open-sesame';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const tmp = tmpDir();
const panel = syntheticPanel({ series: 5, length: 100, season: 12, seed: 9 });
let server: RunningServer;
let url: string;

const post = (p: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(url + p, { method: 'POST', headers, body: JSON.stringify(body) });

async function waitFor(id: string, timeoutMs = 120_000): Promise<JobRecord> {
  const t0 = Date.now();
  for (;;) {
    const r = (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as JobRecord;
    if (r.state !== 'queued' && r.state !== 'running') return r;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} still ${r.state}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

beforeAll(async () => {
  const stock = await trainStock();
  await stock.model.save(path.join(tmp.dir, 'stock'));
  stock.model.dispose();
  server = await startServer({ modelsDir: tmp.dir, port: 0, token: TOKEN, logger: false });
  url = server.url;
});

afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

describe('panel models over HTTP', () => {
  it('a panel job trains on long CSV content; a "series" body gets H values and intervals per series', async () => {
    const job = {
      kind: 'panel',
      name: 'stores',
      csv: panelToCsv(panel),
      csvOptions: { idColumn: 'id', timeColumn: 't' },
      options: { target: 'y', horizon: 4, season: 12, epochs: 1, minutes: 0.2, seed: 1 },
    };
    const res = await post('/v1/jobs', job, auth);
    expect(res.status).toBe(202);
    const done = await waitFor(((await res.json()) as JobRecord).id);
    expect(done.error).toBeNull();
    expect(done).toMatchObject({ state: 'succeeded', kind: 'panel', model: { name: 'stores', version: 1 } });

    const series = panel.series.slice(0, 3).map((s) => ({ id: s.id, rows: Array.from(s.values.slice(-60), (y) => ({ y })) }));
    const f = await post('/v1/models/stores/forecast', { series, steps: 3 });
    expect(f.status).toBe(200);
    const body = (await f.json()) as {
      target: string;
      steps: number;
      forecasts: { id: string; values: number[]; intervals: Record<string, { lower: number[]; upper: number[] }> }[];
    };
    expect(Object.keys(body)).toEqual(['target', 'steps', 'forecasts']);
    expect(body.target).toBe('y');
    expect(body.forecasts.map((x) => x.id)).toEqual(series.map((s) => s.id));
    for (const x of body.forecasts) {
      expect(x.values).toHaveLength(3);
      expect(x.intervals['95']!.lower[0]!).toBeLessThanOrEqual(x.values[0]!);
      expect(x.intervals['95']!.upper[0]!).toBeGreaterThanOrEqual(x.values[0]!);
    }
    const api = await openApiChecker(url);
    expect(api.check('/v1/models/{name}/forecast', 'post', 200, f.headers.get('content-type')!, body)).toBeNull();
    // Default steps: the horizon the model was trained for.
    const d = (await (await post('/v1/models/stores/forecast', { series })).json()) as { steps: number };
    expect(d.steps).toBe(4);
  });

  it('bad panel requests are 400s naming the field; the one-series body still works on a one-series model', async () => {
    const detail = async (r: Response) => {
      expect(r.status).toBe(400);
      return ((await r.json()) as { detail: string }).detail;
    };
    expect(await detail(await post('/v1/models/stores/forecast', { series: [{ id: 'a', rows: [{ x: 1 }] }] }))).toBe(
      'series[0].rows[0].y is missing (model "stores" forecasts y)',
    );
    expect(await detail(await post('/v1/models/stores/forecast', { series: [{ id: 'a', rows: [{ y: 1 }] }], steps: 9 }))).toBe(
      'steps must be <= 4, the horizon model "stores" was trained for (received 9)',
    );
    expect(
      await detail(
        await post('/v1/models/stores/forecast', {
          series: [
            { id: 'a', rows: [{ y: 1 }] },
            { id: 'a', rows: [{ y: 2 }] },
          ],
        }),
      ),
    ).toBe('series[1].id "a" appears twice');
    expect(await detail(await post('/v1/models/stock/forecast', { series: [{ id: 'a', rows: [{ Close: 1 }] }] }))).toBe(
      'model "stock" is a forecast model; a "series" body needs a panel model (send "rows" instead)',
    );
    expect(await detail(await post('/v1/models/stores/forecast', { rows: [{ y: 1 }] }))).toBe(
      'model "stores" is a panel model; forecast needs a forecast model',
    );
  });

  it('break 4: values a forecast would overflow on are a 400 naming the series, never a 200 with nulls or zeros', async () => {
    const rows = Array.from({ length: 30 }, (_, t) => ({ y: 3e307 * (1 + t / 100) }));
    const res = await post('/v1/models/stores/forecast', {
      series: [
        { id: 'ok', rows: [{ y: 1 }, { y: 2 }] },
        { id: 'huge', rows },
      ],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { detail: string; where: string };
    expect(body.detail).toBe('series "huge": series[1].rows[0].y is 3e+307, beyond ±1e300, where a forecast would overflow');
    expect(body.where).toBe('series[1].rows[0].y');
    // The one-series path refuses the same input the same way.
    const one = await post('/v1/models/stock/forecast', { rows: Array.from({ length: 40 }, () => ({ Close: 3e307, Volume: 1 })) });
    expect(one.status).toBe(400);
    expect(((await one.json()) as { detail: string }).detail).toMatch(/^rows\[\d+\]\.Close is 3e\+307, beyond ±1e300, where a forecast would overflow$/);
  });

  it('a panel job’s features reach the model as past covariates; a kind that reads none refuses them at submit', async () => {
    // A column x beside the target (panelToCsv writes id,t,y).
    const csv = panelToCsv(panel)
      .trimEnd()
      .split('\n')
      .map((l, i) => `${l},${i === 0 ? 'x' : i % 5}`)
      .join('\n');
    const options = { target: 'y', features: ['x'], horizon: 4, season: 12, epochs: 1, minutes: 0.2, seed: 1 };
    const res = await post('/v1/jobs', { kind: 'panel', name: 'with-x', csv, csvOptions: { idColumn: 'id', timeColumn: 't' }, options }, auth);
    expect(res.status).toBe(202);
    const done = await waitFor(((await res.json()) as JobRecord).id);
    expect(done.error).toBeNull();
    const m = (await (await fetch(`${url}/v1/models/with-x`)).json()) as { input: { covariates?: { past: string[] } } };
    expect(m.input.covariates?.past).toEqual(['x']);
    const drift = await post(
      '/v1/jobs',
      {
        kind: 'panel',
        model: 'drift',
        name: 'drift-x',
        csv,
        csvOptions: { idColumn: 'id', timeColumn: 't' },
        options: { target: 'y', features: ['x'], horizon: 4 },
      },
      auth,
    );
    expect(drift.status).toBe(400);
    expect(((await drift.json()) as { detail: string }).detail).toBe('options.features: model drift reads no covariates; drop them or train the global model');
  });

  it('a panel job with a CSV mistake is rejected at submit with its line', async () => {
    const res = await post(
      '/v1/jobs',
      { kind: 'panel', name: 'bad', csv: 'id,t,y\na,1,1\na,1,2\n', csvOptions: { idColumn: 'id', timeColumn: 't' }, options: { target: 'y', horizon: 1 } },
      auth,
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toBe('<text>:3: series "a" has time "1" twice (also line 2)');
  });
});
