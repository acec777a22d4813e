// A global model saved before the cell registry (main at 6f2a5a2; see
// packages/core/src/models/__fixtures__/README.md) loads and forecasts what it forecast then.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../registry/kinds.js';
import { GlobalForecaster } from './forecaster.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'main-6f2a5a2');
const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as {
  'global-lstm': { panel: { id: string; values: number[] }[]; forecast: { id: string; values: number[] }[] };
};

describe('a global model saved by earlier code', () => {
  it.each([
    ['GlobalForecaster.load', (d: string) => GlobalForecaster.load(d)],
    ['loadModel (the registry: the ensemble kind reads single networks too)', (d: string) => loadModel(d)],
  ])('loads (%s) and forecasts what it forecast when saved', async (_, load) => {
    const model = await load(path.join(dir, 'global-lstm'));
    const want = expected['global-lstm'];
    const series = want.panel.map((s) => ({ id: s.id, values: Float64Array.from(s.values), times: null, features: {}, lines: null }));
    const got = await model.forecast({ target: 'y', idColumn: 'id', timeColumn: null, features: [], series, source: '<memory>' }, 4);
    expect(got.map((f) => f.id)).toEqual(want.forecast.map((f) => f.id));
    got.forEach((f, i) => Array.from(f.values).forEach((v, j) => expect(v).toBeCloseTo(want.forecast[i]!.values[j]!, 4)));
    model.dispose();
  });
});
