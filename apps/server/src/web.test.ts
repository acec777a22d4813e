// The web page's server side: POST /v1/csv (the same CSV reader and line-exact errors as
// training jobs, panels split by their id column) and the static page at `/`, including a
// server whose page was never built.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startServer, type RunningServer } from './server.js';
import { tmpDir } from './testing/fixtures.js';

const tmp = tmpDir();
const built = path.join(tmp.dir, 'web-dist');
let withPage: RunningServer;
let without: RunningServer;

beforeAll(async () => {
  mkdirSync(path.join(built, 'assets'), { recursive: true });
  writeFileSync(path.join(built, 'index.html'), '<!doctype html><title>seqcast</title>');
  writeFileSync(path.join(built, 'assets', 'index-abc123.js'), 'console.log(1)');
  // Two servers, two models directories (a models directory is locked by the server using it).
  const models = path.join(tmp.dir, 'models');
  const otherModels = path.join(tmp.dir, 'models-2');
  mkdirSync(models);
  mkdirSync(otherModels);
  withPage = await startServer({ modelsDir: models, port: 0, webDir: built });
  without = await startServer({ modelsDir: otherModels, port: 0, webDir: path.join(tmp.dir, 'never-built') });
});

afterAll(async () => {
  await withPage?.close();
  await without?.close();
  tmp.cleanup();
});

const parse = (body: unknown) =>
  fetch(`${withPage.url}/v1/csv`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('GET /', () => {
  it('serves the built page, its hashed assets cached for good and the page itself never', async () => {
    const page = await fetch(`${withPage.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<title>seqcast</title>');
    const asset = await fetch(`${withPage.url}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('never shadows the API', async () => {
    const r = await fetch(`${withPage.url}/v1/models`);
    expect(await r.json()).toEqual({ models: [] });
  });

  it('without a build: / is a 404 whose one line says how to build the page, and the API still works', async () => {
    const r = await fetch(`${without.url}/`);
    expect(r.status).toBe(404);
    const p = (await r.json()) as { detail: string };
    expect(p.detail).toMatch(/^the web page is not built .*: run pnpm --filter @seqcast\/web build$/);
    expect((await fetch(`${without.url}/health`)).status).toBe(200);
  });
});

describe('POST /v1/csv', () => {
  it('parses one series oldest first with its file lines', async () => {
    const r = await parse({ csv: 'Month,Sales\n1960-02,8728\n1960-01,6550\n1960-03,12026\n' });
    expect(r.status).toBe(200);
    const body = (await r.json()) as {
      columns: string[];
      idColumn: null;
      series: { id: null; dates: string[]; lines: number[]; values: { Sales: number[] } }[];
    };
    expect(body.columns).toEqual(['Sales']);
    expect(body.idColumn).toBeNull();
    expect(body.series).toHaveLength(1);
    expect(body.series[0]!.dates).toEqual(['1960-01', '1960-02', '1960-03']);
    expect(body.series[0]!.values.Sales).toEqual([6550, 8728, 12026]);
    expect(body.series[0]!.lines).toEqual([3, 2, 4]);
  });

  it('splits a panel by its text id column, in order of first appearance', async () => {
    const r = await parse({ csv: 'store,t,y\nb,1,7\na,1,5\nb,2,8\na,2,6\n' });
    const body = (await r.json()) as { idColumn: string; series: { id: string; values: { y: number[] }; lines: number[] }[] };
    expect(body.idColumn).toBe('store');
    expect(body.series.map((s) => [s.id, s.values.y, s.lines])).toEqual([
      ['b', [7, 8], [2, 4]],
      ['a', [5, 6], [3, 5]],
    ]);
    const one = (await (await parse({ csv: 'store,t,y\nb,1,7\na,1,5\n', idColumn: null })).json()) as { series: unknown[] };
    expect(one.series).toHaveLength(1);
  });

  it('a bad cell is a 400 naming its file line, exactly as a training job reports it', async () => {
    const r = await parse({ csv: 'Month,Sales\n1960-01,6550\n1960-02,8728\n1960-03,abc\n' });
    expect(r.status).toBe(400);
    const p = (await r.json()) as { detail: string; where: string };
    expect(p.where).toBe('<text>:4');
    expect(p.detail).toBe('<text>:4: column "Sales": "abc" is not a number');
  });

  it('an id column that is not a text column is a 400 naming it', async () => {
    const r = await parse({ csv: 't,y\n1,5\n2,6\n', idColumn: 'y' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { detail: string }).detail).toBe('idColumn "y" is not a text column of the CSV (text columns: none)');
  });
});
