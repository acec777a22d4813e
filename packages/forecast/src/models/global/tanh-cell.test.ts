// The global forecaster takes any registered cell: core's test-only tanh cell (registered in its one
// file) trains, saves under its name and loads back with the same forecasts.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecurrentCell } from '@seqcast/core';
import { GlobalForecaster } from './forecaster.js';

// A test file of core (type-checked there): importing it registers the cell in the built core's
// registry, the one this package uses. A computed specifier keeps it out of this package's rootDir.
const cellFile = '../../../../core/src/nn/cells/__tests__/tanh-cell.js';
const { tanhCell } = (await import(cellFile)) as { tanhCell: RecurrentCell };

describe('the global forecaster with a cell from the registry', () => {
  it('trains the test-only tanh cell, saves its name and loads back with the same forecasts', async () => {
    const series = Array.from({ length: 4 }, (_, s) => ({
      id: `s${s}`,
      values: Float64Array.from({ length: 60 }, (_, i) => 10 + s + 3 * Math.sin((i + s) / 2)),
      times: null,
      features: {},
      lines: null,
    }));
    const panel = { target: 'y', idColumn: 'id', timeColumn: null, features: [], series, source: '<memory>' };
    const model = new GlobalForecaster({ horizon: 4, cell: tanhCell.name, units: 4, steps: 30, batchSize: 16, window: 8, minutes: 1, seed: 3 });
    await model.fit(panel, { horizon: 4, season: 1 });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-global-tanh-'));
    try {
      await model.save(path.join(dir, 'm'));
      const meta = JSON.parse(await fs.readFile(path.join(dir, 'm', 'seqcast.json'), 'utf8')) as { config: { network: { cell: string } } };
      expect(meta.config.network.cell).toBe('tanh');
      const again = await GlobalForecaster.load(path.join(dir, 'm'));
      const [a, b] = [await model.forecast(panel, 4), await again.forecast(panel, 4)];
      expect(b.map((f) => Array.from(f.values))).toEqual(a.map((f) => Array.from(f.values)));
      expect(a.every((f) => f.values.every(Number.isFinite))).toBe(true);
      again.dispose();
    } finally {
      model.dispose();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
