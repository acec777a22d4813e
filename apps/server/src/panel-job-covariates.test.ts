// A panel training job with future-known and static covariates (and the calendar mode): the job
// options reach the model's fit, the saved model's input contract holds them, and a later panel
// forecast takes the future values in `series[i].future`. Mistakes are 400s naming the JSON field,
// on the JSON route and on the CSV upload route alike.
import { sampleCsv } from '@seqcast/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from './jobs/types.js';
import { startServer, type RunningServer } from './server.js';
import { openApiChecker, tmpDir } from './testing/fixtures.js';

const TOKEN = 'covariates';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const tmp = tmpDir();
let server: RunningServer;
const H = 7;
// 3 stores × 200 days, and the same stores' next 28 days of planned promotions.
const csv = sampleCsv('store-promo', { rows: 600 });
const futureCsv = sampleCsv('store-promo-future', { rows: 600 });
const csvOptions = { idColumn: 'store', timeColumn: 'date' };
const covariates = { futureFeatures: ['promo'], staticFeatures: ['store_type'], calendar: 'on' };

beforeAll(async () => {
  server = await startServer({ modelsDir: tmp.dir, port: 0, token: TOKEN, logger: false });
});

afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

const post = (p: string, body: unknown) => fetch(server.url + p, { method: 'POST', headers: auth, body: JSON.stringify(body) });

async function waitFor(id: string, timeoutMs = 120_000): Promise<JobRecord> {
  const t0 = Date.now();
  for (;;) {
    const r = (await (await fetch(`${server.url}/v1/jobs/${id}`)).json()) as JobRecord;
    if (r.state !== 'queued' && r.state !== 'running') return r;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} still ${r.state}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function refusal(res: Response): Promise<{ detail: string; where: string }> {
  expect(res.status).toBe(400);
  return (await res.json()) as { detail: string; where: string };
}

/** Rows of a CSV sample (header first) as objects, numbers where the cell is one. */
function records(text: string): Record<string, string | number>[] {
  const [head, ...lines] = text.trim().split(/\r?\n/);
  const names = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((c, j) => [names[j], c !== '' && Number.isFinite(Number(c)) ? Number(c) : c])));
}

describe('a panel job with future-known and static covariates', () => {
  it('trains with them, saves them in its input contract, and forecasts from future values', async () => {
    const job = {
      kind: 'panel',
      name: 'promo-job',
      csv,
      csvOptions,
      options: { target: 'sales', horizon: H, season: 7, ...covariates, minutes: 0.2, seed: 1 },
    };
    const res = await post('/v1/jobs', job);
    expect(res.status).toBe(202);
    const done = await waitFor(((await res.json()) as JobRecord).id);
    expect(done.error).toBeNull();
    const m = (await (await fetch(`${server.url}/v1/models/promo-job`)).json()) as { input: { covariates?: Record<string, string[]> } };
    expect(m.input.covariates).toEqual({ past: [], future: ['promo'], static: ['store_type'], calendar: ['dayOfWeek', 'dayOfYear'] });

    const history = records(csv);
    const future = records(futureCsv);
    const stores = [...new Set(history.map((r) => r.store as string))];
    const series = stores.map((id) => {
      const own = history.filter((r) => r.store === id);
      return {
        id,
        times: own.map((r) => r.date as string),
        rows: own.map((r) => ({ sales: r.sales, promo: r.promo, store_type: r.store_type })),
        future: future.filter((r) => r.store === id).map((r) => ({ promo: r.promo })),
      };
    });
    const f = await post('/v1/models/promo-job/forecast', { series, steps: H });
    expect(f.status).toBe(200);
    const body = (await f.json()) as { forecasts: { id: string; dates: string[]; values: number[] }[] };
    expect(body.forecasts.map((s) => s.id)).toEqual(stores);
    expect(body.forecasts[0]!.dates[0]).toBe(future[0]!.date);
    for (const s of body.forecasts) expect(s.values).toHaveLength(H);
    const api = await openApiChecker(server.url);
    expect(api.check('/v1/models/{name}/forecast', 'post', 200, f.headers.get('content-type')!, body)).toBeNull();
    // Without the planned promotions the model cannot forecast: it reads them.
    const without = await refusal(await post('/v1/models/promo-job/forecast', { series: series.map(({ future: _f, ...s }) => s), steps: H }));
    expect(without.detail).toBe(`series "${stores[0]}" has no future values: the model needs promo for the next 7 step(s) of every series`);
  }, 180_000);

  it('the CSV upload route takes the same covariate options', async () => {
    const options = {
      target: 'sales',
      horizon: H,
      season: 7,
      futureFeatures: ['promo'],
      staticFeatures: ['store_type'],
      calendar: 'off',
      minutes: 0.1,
      seed: 1,
    };
    const query = new URLSearchParams({ kind: 'panel', name: 'promo-upload', options: JSON.stringify(options), csvOptions: JSON.stringify(csvOptions) });
    const res = await fetch(`${server.url}/v1/jobs/csv?${query}`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: csv });
    expect(res.status).toBe(202);
    const done = await waitFor(((await res.json()) as JobRecord).id);
    expect(done.error).toBeNull();
    const m = (await (await fetch(`${server.url}/v1/models/promo-upload`)).json()) as { input: { covariates?: Record<string, string[]> } };
    expect(m.input.covariates).toEqual({ past: [], future: ['promo'], static: ['store_type'], calendar: [] });
  }, 180_000);

  it('a covariate mistake is a 400 at submit naming the option, on the JSON and the upload route', async () => {
    const options = (extra: Record<string, unknown>) => ({ target: 'sales', horizon: H, season: 7, ...extra });
    const json = (extra: Record<string, unknown>, model?: string) =>
      post('/v1/jobs', { kind: 'panel', ...(model ? { model } : {}), name: 'bad', csv, csvOptions, options: options(extra) });

    expect(await refusal(await json({ staticFeatures: ['promo'] }))).toMatchObject({
      detail: expect.stringMatching(
        /^options\.staticFeatures: <text>: static feature "promo" is not constant in series "store_001": 0 \(line \d+\) then 1 \(line \d+\); make it a options\.features or options\.futureFeatures column$/,
      ),
      where: 'options.staticFeatures',
    });
    expect(await refusal(await json({ futureFeatures: ['promo'], staticFeatures: ['promo'] }))).toEqual(
      expect.objectContaining({
        detail: 'options.staticFeatures: column "promo" is also in options.futureFeatures; give each column one kind',
        where: 'options.staticFeatures',
      }),
    );
    expect(await refusal(await json({ futureFeatures: ['sales'] }))).toEqual(
      expect.objectContaining({
        detail: 'options.futureFeatures: "sales" is the target; the model reads the target\'s past already (list only the other columns)',
        where: 'options.futureFeatures',
      }),
    );
    expect(await refusal(await json({ futureFeatures: ['holiday'] }))).toEqual(
      expect.objectContaining({
        detail: 'options.futureFeatures: unknown column "holiday" in <text> (available: store, date, store_type, promo, visitors, sales)',
        where: 'options.futureFeatures',
      }),
    );
    expect(await refusal(await json({ futureFeatures: ['promo'] }, 'drift'))).toEqual(
      expect.objectContaining({
        detail: 'options.futureFeatures: model drift reads no covariates; drop them or train the global model',
        where: 'options.futureFeatures',
      }),
    );
    expect((await refusal(await json({ calendar: 'on' }, 'drift'))).detail).toBe(
      'options.calendar: model drift reads no calendar inputs; drop it or train the global model',
    );
    expect((await refusal(await json({ calendar: 'weekly' }))).where).toBe('options.calendar');

    // The upload route submits through the same checks.
    const query = new URLSearchParams({
      kind: 'panel',
      name: 'bad',
      options: JSON.stringify(options({ staticFeatures: ['promo'] })),
      csvOptions: JSON.stringify(csvOptions),
    });
    const upload = await fetch(`${server.url}/v1/jobs/csv?${query}`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: csv });
    expect((await refusal(upload)).where).toBe('options.staticFeatures');
  });
});
