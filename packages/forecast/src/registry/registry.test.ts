import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { leakedTensors } from '@seqcast/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticPanel } from '../panel/synthetic.js';
import { backtest } from '../protocol/backtest.js';
import { GlobalForecaster } from '../models/global/forecaster.js';
import { backtestFactories, createModel, defaultBacktestKinds, describeModelKinds, loadModel, MODEL_KINDS, modelKind, modelKindNames } from './kinds.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'seqcast-registry-'));
  dirs.push(d);
  return d;
}

const spec = { horizon: 6, season: 12 };
// Small, fast options per kind (the recurrent ones train a few steps only).
const quick: Record<string, Record<string, unknown>> = { global: { steps: 20, units: 8 }, perSeries: { epochs: 2, units: 4 } };

describe('model registry', () => {
  it('lists each kind once, with its options as JSON Schema and their defaults', () => {
    expect(new Set(modelKindNames()).size).toBe(MODEL_KINDS.length);
    const d = describeModelKinds();
    const global = d.find((k) => k.kind === 'global')!;
    const props = global.options.properties as Record<string, { default?: unknown }>;
    expect(props.units!.default).toBe(64);
    expect(props.horizon).toBeUndefined(); // the spec, common to every kind
    expect(d.find((k) => k.kind === 'drift')!.options.properties).toHaveProperty('lookback');
    expect(() => modelKind('nbeats', '--model')).toThrow('--model: unknown model kind "nbeats" (known: global, naive2,');
  });

  it('a bad option is one line naming it', () => {
    expect(() => createModel('global', { units: 0 }, spec)).toThrow(/units/);
    expect(() => createModel('naive', { units: 3 }, spec)).toThrow(/units/);
  });

  for (const entry of MODEL_KINDS) {
    it(`${entry.kind}: fit, forecast, save, load (by the saved kind) gives the same forecasts, info, dispose`, async () => {
      const panel = syntheticPanel({ series: entry.kind === 'perSeries' ? 1 : 4, length: 120, season: 12, seed: 3 });
      const model = createModel(entry.kind, quick[entry.kind] ?? {}, spec);
      expect(model.kind).toBe(entry.kind);
      const progress: number[] = [];
      await model.fit(panel, spec, { onProgress: (p) => progress.push(p.step / p.steps) });
      if (entry.kind === 'global' || entry.kind === 'perSeries') expect(progress.at(-1)).toBe(1);
      const before = await model.forecast(panel, spec.horizon);
      expect(before).toHaveLength(panel.series.length);
      expect(before.every((f) => f.values.length === spec.horizon && f.values.every(Number.isFinite))).toBe(true);
      expect(model.info()).toMatchObject({ target: panel.target, horizon: spec.horizon, season: spec.season });
      const dir = path.join(await tmp(), entry.kind);
      await model.save(dir);
      model.dispose();
      const again = await loadModel(dir);
      try {
        expect(again.kind).toBe(entry.kind);
        const after = await again.forecast(panel, spec.horizon);
        after.forEach((f, i) => f.values.forEach((v, h) => expect(v).toBeCloseTo(before[i]!.values[h]!, 4)));
      } finally {
        again.dispose();
      }
    });
  }

  it('backtests every default kind by its report name, nothing left out', async () => {
    const panel = syntheticPanel({ series: 6, length: 100, season: 12, seed: 1 });
    const kinds = defaultBacktestKinds().filter((k) => k !== 'global');
    const r = await backtest(panel, backtestFactories(kinds, spec), { ...spec, windows: 1 });
    expect(Object.keys(r.metrics)).toEqual(kinds.map((k) => modelKind(k).name));
    expect(kinds).toContain('drift');
  });

  it('an aborted global fit stops between steps, leaves the model untrained and frees its tensors', async () => {
    const panel = syntheticPanel({ series: 4, length: 120, season: 12, seed: 2 });
    const model = new GlobalForecaster({ ...spec, steps: 5000, units: 8, minutes: 60 });
    const abort = new AbortController();
    let seen = 0;
    let reports = 0;
    const leaked = await leakedTensors(async () => {
      await expect(
        model.fit(panel, spec, {
          signal: abort.signal,
          onProgress: (p) => {
            seen = p.step;
            reports++;
            abort.abort(new Error('cancelled')); // at the first report (every 40 steps here)
          },
        }),
      ).rejects.toThrow('cancelled');
      model.dispose();
    });
    expect(reports).toBe(1); // stopped at the next step, not after 5,000
    expect(seen).toBeLessThan(100);
    expect(() => model.info()).toThrow(/not been trained/);
    const dir = path.join(await tmp(), 'aborted');
    await expect(model.save(dir)).rejects.toThrow(/not been trained/);
    expect(await readdir(path.dirname(dir))).toEqual([]);
    expect(leaked).toBe(0);
  });
});
