// Quality where models are listed: GET /v1/models gives each forecasting model's validation
// score against its baselines and what its forecasts are; a panel job's record counts its real
// planned steps while queued and says when the time budget, not the step count, ended it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { GlobalForecaster, layoutOf, panelToCsv, syntheticPanel } from '@seqcast/forecast';
import { readPanelCsv } from '@seqcast/data';
import { startServer, type RunningServer } from './server.js';
import { tmpDir, trainStock } from './testing/fixtures.js';
import { panelQuality } from './models/quality.js';
import type { JobRecord, ModelList } from './wire.js';

const TOKEN = 'quality-token';
const tmp = tmpDir();
const PANEL = syntheticPanel({ series: 4, length: 80, season: 12, seed: 6 });
let server: RunningServer;

beforeAll(async () => {
  const stock = await trainStock();
  await stock.model.save(path.join(tmp.dir, 'stock'));
  stock.model.dispose();
  const panel = await readPanelCsv({ text: panelToCsv(PANEL) }, { target: 'y', idColumn: 'id', timeColumn: 't' });
  const g = new GlobalForecaster({ horizon: 4, season: 12, epochs: 2, seed: 1 });
  await g.fit(panel, { horizon: 4, season: 12 });
  await g.save(path.join(tmp.dir, 'shops'), { layout: layoutOf(panel, 'error') });
  g.dispose();
  server = await startServer({ modelsDir: tmp.dir, port: 0, token: TOKEN, logger: false });
}, 120_000);

afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

async function waitDone(id: string): Promise<JobRecord> {
  const t0 = Date.now();
  for (;;) {
    const r = (await (await fetch(`${server.url}/v1/jobs/${id}`)).json()) as JobRecord;
    if (r.state !== 'queued' && r.state !== 'running') return r;
    if (Date.now() - t0 > 120_000) throw new Error(`job ${id} still ${r.state}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('GET /v1/models shows quality', () => {
  it("lists each forecasting model's validation score next to its baselines", async () => {
    const { models } = (await (await fetch(`${server.url}/v1/models`)).json()) as ModelList;
    const stock = models.find((m) => m.name === 'stock')!;
    const info = stock.metrics as { metrics: { validation: Record<string, { mase: number }> } };
    expect(stock.quality).toMatchObject({ metric: 'mase', model: info.metrics.validation.model!.mase });
    expect(stock.quality!.baselines.naive).toBe(info.metrics.validation.naive!.mase);
    expect(stock.quality!.summary).toMatch(/^validation MASE \d+\.\d+ vs best baseline \w+ \d+\.\d+: /);
    const shops = models.find((m) => m.name === 'shops')!;
    const v = (shops.metrics as { validation: { owa: number; worseThanNaive2: boolean } }).validation;
    expect(shops.quality).toMatchObject({ metric: 'owa', model: v.owa, baselines: { naive2: 1 }, worseThanNaive2: v.worseThanNaive2 });
    expect(shops.quality!.summary.startsWith(`validation OWA ${v.owa.toFixed(3)} vs Naive2 1`)).toBe(true);
    expect(shops.quality!.summary).toContain(`; ships ${shops.quality!.ships}`);
  });

  it("says when a panel model ships Naive2's forecasts and was worse than Naive2", () => {
    const q = panelQuality({
      validation: { series: 60, owa: 1.004, modelOwa: 1.08, worseThanNaive2: true },
      combination: { partner: 'naive2', weight: 0 },
    });
    expect(q.ships).toBe("Naive2's forecasts (the network did not beat it)");
    expect(q.summary).toBe(
      "validation OWA 1.004 vs Naive2 1 (network alone 1.080); ships Naive2's forecasts (the network did not beat it); worse than Naive2 on its validation stretch",
    );
    expect(q.worseThanNaive2).toBe(true);
  });

  it('says what a panel model ships for each length group that chose its own combination', () => {
    const q = panelQuality({
      validation: { series: 180, owa: 0.7, modelOwa: 0.75, worseThanNaive2: false },
      combination: {
        partner: 'naive2',
        weight: 1,
        groups: [
          { maxLength: 30, series: 60, partner: 'theta', weight: 0, own: true, owa: 0.8, panelOwa: 1.2 },
          { maxLength: 90, series: 60, partner: 'naive2', weight: 1, own: false, owa: 0.6, panelOwa: 0.6 },
          { maxLength: null, series: 60, partner: 'naive2', weight: 1, own: false, owa: 0.5, panelOwa: 0.5 },
        ],
      },
    });
    expect(q.ships).toBe('by history length, ≤ 30 values: Theta alone; 31–90 values: network; > 90 values: network');
    expect(q.summary).toBe(`validation OWA 0.700 vs Naive2 1 (network alone 0.750); ships ${q.ships}`);
  });
});

describe('panel job records', () => {
  it('a queued panel job shows its planned steps; one ended by its time budget says stoppedBy "time"', async () => {
    const res = await fetch(`${server.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      // No epochs: the default 3 networks × 4,000 steps; a budget of 0.01 minutes ends it long before.
      body: JSON.stringify({
        kind: 'panel',
        name: 'hurried',
        csv: panelToCsv(PANEL),
        csvOptions: { idColumn: 'id', timeColumn: 't' },
        options: { target: 'y', horizon: 4, season: 12, minutes: 0.01, seed: 1 },
      }),
    });
    expect(res.status).toBe(202);
    const queued = (await res.json()) as JobRecord;
    expect(queued).toMatchObject({ steps: 12_000, unit: 'step' });
    const done = await waitDone(queued.id);
    expect(done.state).toBe('succeeded');
    expect(done.steps).toBe(12_000);
    expect(done.step).toBeLessThan(12_000);
    expect(done.stoppedBy).toBe('time');
  }, 120_000);

  it('with options.epochs the queued record already shows the steps the fit then counts', async () => {
    const res = await fetch(`${server.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'panel',
        name: 'paced',
        csv: panelToCsv(PANEL),
        csvOptions: { idColumn: 'id', timeColumn: 't' },
        options: { target: 'y', horizon: 4, season: 12, epochs: 2, seed: 1 },
      }),
    });
    const queued = (await res.json()) as JobRecord;
    const done = await waitDone(queued.id);
    expect(done.state).toBe('succeeded');
    expect(queued.steps).toBe(done.steps);
    expect(done).toMatchObject({ step: done.steps, unit: 'step', stoppedBy: 'steps' });
  }, 120_000);
});
