// A panel model trained with future-known and static covariates, served: the forecast body
// carries each series' covariate columns in its rows and the future-known values in `future`
// (checked against the OpenAPI document); a missing future value is a 400 naming the series.
import * as path from 'node:path';
import { readPanelCsv, sampleCsv } from '@seqcast/data';
import { GlobalForecaster, layoutOf } from '@seqcast/forecast';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './server.js';
import { openApiChecker, tmpDir } from './testing/fixtures.js';

const tmp = tmpDir();
let server: RunningServer;
const H = 7;

beforeAll(async () => {
  const panel = await readPanelCsv(
    { text: sampleCsv('store-promo', { rows: 2400 }) },
    { target: 'sales', idColumn: 'store', timeColumn: 'date', features: ['promo', 'store_type'], categorical: 'auto' },
  );
  const model = new GlobalForecaster({ horizon: H, season: 7, steps: 60, units: 16, batchSize: 32, minutes: 2 });
  await model.fit(panel, { horizon: H, season: 7, covariates: { futureFeatures: ['promo'], staticFeatures: ['store_type'], calendar: true } });
  await model.save(path.join(tmp.dir, 'promo'), { layout: layoutOf(panel, 'error') });
  model.dispose();
  server = await startServer({ modelsDir: tmp.dir, port: 0, token: 'x', logger: false });
}, 120_000);

afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

const post = (body: unknown) =>
  fetch(`${server.url}/v1/models/promo/forecast`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const day = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
const history = Array.from({ length: 60 }, (_, i) => ({ sales: 100 + (i % 7) * 5, promo: i % 20 < 3 ? 1 : 0, store_type: 'A' }));
const times = history.map((_, i) => day(i));

describe('a panel model with covariates over HTTP', () => {
  it('describes its covariates and forecasts from rows with them and a future body', async () => {
    const m = (await (await fetch(`${server.url}/v1/models/promo`)).json()) as {
      input: { covariates?: { future: string[]; static: string[]; calendar: string[] } };
    };
    expect(m.input.covariates).toEqual({ past: [], future: ['promo'], static: ['store_type'], calendar: ['dayOfWeek', 'dayOfYear'] });
    const future = Array.from({ length: H }, (_, h) => ({ promo: h >= 2 && h < 5 ? 1 : 0 }));
    const res = await post({ series: [{ id: 'shop', rows: history, times, future }], steps: H });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { forecasts: { id: string; dates: string[]; values: number[] }[] };
    expect(body.forecasts[0]!.values).toHaveLength(H);
    expect(body.forecasts[0]!.dates[0]).toBe(day(60));
    const api = await openApiChecker(server.url);
    expect(api.check('/v1/models/{name}/forecast', 'post', 200, res.headers.get('content-type')!, body)).toBeNull();
  });

  it('a series without its future values, or a row without a covariate, is a 400 naming it', async () => {
    const detail = async (body: unknown) => {
      const r = await post(body);
      expect(r.status).toBe(400);
      return ((await r.json()) as { detail: string }).detail;
    };
    expect(await detail({ series: [{ id: 'shop', rows: history, times }], steps: H })).toBe(
      'series "shop" has no future values: the model needs promo for the next 7 step(s) of every series',
    );
    expect(await detail({ series: [{ id: 'shop', rows: history, times, future: [{ promo: 1 }] }], steps: H })).toBe(
      'series[0].future: series "shop" has 1 future value(s) of "promo", the forecast needs 7',
    );
    const rows = history.map((r, i) => (i === 5 ? { sales: r.sales, promo: r.promo } : r));
    expect(await detail({ series: [{ id: 'shop', rows, times, future: [] }], steps: H })).toBe(
      'series[0].rows[5].store_type is missing (the model reads store_type in every row)',
    );
    const unseen = history.map((r) => ({ ...r, store_type: 'Z' }));
    expect(await detail({ series: [{ id: 'shop', rows: unseen, times, future: history.slice(0, H) }], steps: H })).toMatch(
      /^request: series "shop", static column "store_type": level "Z" was not seen in training \(levels: A, B, C\)$/,
    );
  });

  it('POST /v1/csv reads a history and its future file as forecast predict --future does (the web page sends both)', async () => {
    const csv = sampleCsv('store-promo', { rows: 2400 });
    const future = sampleCsv('store-promo-future', { rows: 2400 });
    const read = (body: unknown) =>
      fetch(`${server.url}/v1/csv`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await read({ csv, model: 'promo', future, steps: H });
    expect(res.status).toBe(200);
    const parsed = (await res.json()) as {
      columns: string[];
      series: { id: string; labels?: Record<string, string[]>; future?: Record<string, number[]> }[];
    };
    const api = await openApiChecker(server.url);
    expect(api.check('/v1/csv', 'post', 200, res.headers.get('content-type')!, parsed)).toBeNull();
    expect(parsed.columns).toEqual(['sales', 'promo']);
    const first = parsed.series[0]!;
    // The store's type as text in every row, and its next 7 planned promotions from the future file.
    expect(new Set(first.labels!.store_type)).toHaveProperty('size', 1);
    const expected = future
      .split(/\r?\n/)
      .slice(1, H + 1)
      .map((l) => Number(l.split(',')[2]));
    expect(first.future).toEqual({ promo: expected });
    const detail = async (body: unknown) => {
      const r = await read(body);
      expect(r.status).toBe(400);
      return ((await r.json()) as { detail: string }).detail;
    };
    expect(await detail({ csv, future, steps: H })).toBe('future: give "model" too (the future file is read as that model reads it)');
    expect(await detail({ csv, model: 'promo', future })).toBe('steps: required with "future"');
    expect(await detail({ csv, model: 'promo', future: 'store,date,promo\nnowhere,2024-01-01,1\n', steps: H })).toBe(
      '<future>:2: series "nowhere" is not in the history file',
    );
  });

  it('the sample CSV of a covariate model carries its columns, and ?future=1 its future file: together they forecast', async () => {
    const history = await (await fetch(`${server.url}/v1/models/promo/sample.csv`)).text();
    const future = await (await fetch(`${server.url}/v1/models/promo/sample.csv?future=1`)).text();
    expect(history.split('\n')[0]).toBe('store,date,sales,promo,store_type');
    expect(future.split('\n')[0]).toBe('store,date,promo');
    expect(future.trim().split('\n')).toHaveLength(1 + 3 * H);
    const read = await fetch(`${server.url}/v1/csv`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ csv: history, model: 'promo', future, steps: H }),
    });
    expect(read.status).toBe(200);
    const parsed = (await read.json()) as {
      series: { id: string; dates: string[]; values: Record<string, number[]>; labels: Record<string, string[]>; future: Record<string, number[]> }[];
    };
    const series = parsed.series.map((s) => ({
      id: s.id,
      times: s.dates,
      rows: s.values.sales!.map((sales, r) => ({ sales, promo: s.values.promo![r]!, store_type: s.labels.store_type![r]! })),
      future: s.future.promo!.map((promo) => ({ promo })),
    }));
    const f = await post({ series, steps: H });
    expect(f.status).toBe(200);
    const bad = await fetch(`${server.url}/v1/models/promo/sample.csv?future=2`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toBe('query.future must be 1 (or left out)');
  });
});
