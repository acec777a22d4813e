// POST /v1/csv with "model": the file read as that model's `forecast predict` reads it (the same
// reader, the model's saved row order, missing policy and panel columns), so the web page
// forecasts from the rows the CLI would. A newest-first file on a --newest-first model comes
// back oldest first; a panel model's layout picks its id and time columns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { SeriesForecaster, GlobalForecaster, layoutOf, panelToCsv, syntheticPanel, syntheticStockSeries } from '@seqcast/forecast';
import { readCsv, readPanelCsv } from '@seqcast/data';
import { startServer, type RunningServer } from './server.js';
import { tmpDir } from './testing/fixtures.js';
import type { ParsedCsv } from './wire.js';

const tmp = tmpDir();
let server: RunningServer;

/** The lecture's stock layout: two comment lines, newest row first, CRLF, no dates. */
function newestFirstCsv(rows: number, seed: number): string {
  const s = syntheticStockSeries(rows, seed);
  const lines = Array.from({ length: rows }, (_, r) => ['Open', 'High', 'Low', 'Volume', 'Close'].map((c) => s.values[c]![r]!.toFixed(4)).join(','));
  return ['# a lecture-style stock file', '# Open,High,Low,Volume,Close', ...lines.reverse()].join('\r\n') + '\r\n';
}

const STOCK = newestFirstCsv(200, 3);
const PANEL = syntheticPanel({ series: 3, length: 60, season: 12, seed: 4 });

beforeAll(async () => {
  const series = await readCsv({ text: STOCK }, { newestFirst: true });
  const f = await SeriesForecaster.fit(series, { target: 'Close', newestFirst: true, epochs: 2, seed: 1 });
  await f.save(path.join(tmp.dir, 'stock-nf'));
  f.dispose();
  const panel = await readPanelCsv({ text: panelToCsv(PANEL) }, { target: 'y', idColumn: 'id', timeColumn: 't' });
  const g = new GlobalForecaster({ horizon: 4, season: 12, epochs: 2, seed: 1 });
  await g.fit(panel, { horizon: 4, season: 12 });
  await g.save(path.join(tmp.dir, 'shops'), { layout: layoutOf(panel, 'error') });
  g.dispose();
  server = await startServer({ modelsDir: tmp.dir, port: 0, logger: false });
}, 120_000);

afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

const post = (body: unknown) => fetch(`${server.url}/v1/csv`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('POST /v1/csv with a model', () => {
  it('reads a newest-first file as the --newest-first model does: oldest first, ending at the first data row', async () => {
    const newest = Number(STOCK.split('\r\n')[2]!.split(',')[4]);
    const oldest = Number(STOCK.trimEnd().split('\r\n').pop()!.split(',')[4]);
    const asModel = (await (await post({ csv: STOCK, model: 'stock-nf' })).json()) as ParsedCsv;
    const close = asModel.series[0]!.values.Close!;
    expect([close[0], close[close.length - 1]]).toEqual([oldest, newest]);
    expect(asModel.series[0]!.lines[close.length - 1]).toBe(3); // the newest row is file line 3
    // Without the model the file is taken in file order, as a training job with no csvOptions would.
    const plain = (await (await post({ csv: STOCK })).json()) as ParsedCsv;
    expect(plain.series[0]!.values.Close!.at(-1)).toBe(oldest);
    const described = (await (await fetch(`${server.url}/v1/models/stock-nf`)).json()) as { input: { newestFirst: boolean } };
    expect(described.input.newestFirst).toBe(true);
  });

  it("reads a panel file with the panel model's id and time columns", async () => {
    const p = (await (await post({ csv: panelToCsv(PANEL), model: 'shops' })).json()) as ParsedCsv;
    expect(p.idColumn).toBe('id');
    expect(p.series.map((s) => s.id)).toEqual(PANEL.series.map((s) => s.id));
    const cli = await readPanelCsv({ text: panelToCsv(PANEL) }, { target: 'y', idColumn: 'id', timeColumn: 't' });
    expect(p.series[1]!.values.y).toEqual(Array.from(cli.series[1]!.values));
    expect(p.dateColumn).toBe('t');
  });

  it("refuses csvOptions or idColumn next to a model, an unknown model, and a file without the model's id column", async () => {
    const both = await post({ csv: STOCK, model: 'stock-nf', idColumn: null });
    expect(both.status).toBe(400);
    expect(((await both.json()) as { detail: string; where: string }).where).toBe('idColumn');
    const missing = await post({ csv: STOCK, model: 'nope' });
    expect(missing.status).toBe(404);
    // The panel model needs its id column: a file without it is a one-line 400, not a wrong read.
    const noId = await post({ csv: 'y\n1\n2\n3\n4\n5\n6\n7\n', model: 'shops' });
    expect(noId.status).toBe(400);
    expect(((await noId.json()) as { detail: string }).detail).toMatch(/id/);
  });

  it("a panel forecast given the rows' times answers the forecast dates at the series' frequency", async () => {
    const s0 = PANEL.series[0]!;
    const rows = Array.from(s0.values, (y) => ({ y }));
    const times = rows.map((_, k) => String(3 * k)); // integer times, step 3
    const res = await fetch(`${server.url}/v1/models/shops/forecast`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ series: [{ id: s0.id, rows, times }], steps: 2 }),
    });
    const body = (await res.json()) as { forecasts: { dates?: string[] }[] };
    expect(body.forecasts[0]!.dates).toEqual([String(3 * rows.length), String(3 * rows.length + 3)]);
    const short = await fetch(`${server.url}/v1/models/shops/forecast`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ series: [{ id: s0.id, rows, times: times.slice(1) }], steps: 2 }),
    });
    expect(short.status).toBe(400);
    expect(((await short.json()) as { where: string }).where).toBe('series[0].times');
  });

  it('GET /v1/models/{name}/sample.csv is a file the model reads: its own columns, enough rows', async () => {
    for (const [name, rows] of [
      ['stock-nf', 250],
      ['shops', 72],
    ] as const) {
      // panel series are 60–100% of 120 long
      const res = await fetch(`${server.url}/v1/models/${name}/sample.csv`);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const p = (await (await post({ csv: await res.text(), model: name })).json()) as ParsedCsv;
      expect(p.series[0]!.rows).toBeGreaterThanOrEqual(rows);
    }
  });
});
