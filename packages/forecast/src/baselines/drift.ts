/**
 * The drift method: the last value plus the average change per step, extended H steps (a
 * random walk with drift). Intervals from the one-step changes around that average. Added
 * through the registry alone (its file, one line in registry/kinds.ts, its test), as the
 * documented path for a new model.
 */
import { intField, parseOptions } from '@seqcast/core';
import { z } from 'zod';
import { defineModelKind } from '../registry/contract.js';
import { loadStateless } from '../registry/stateless.js';
import { Z80, Z95 } from './classical.js';
import { LocalModel } from './panel.js';
import type { SeriesForecast } from '../panel/model.js';

export const driftOptionsSchema = z.strictObject({
  lookback: intField(2, 1_000_000).optional().meta({ description: 'Most recent values the average change is taken over. Default: the whole series' }),
});

export class DriftModel extends LocalModel {
  readonly name = 'drift';
  constructor(private readonly options: z.output<typeof driftOptionsSchema> = {}) {
    super();
  }
  protected one(all: Float64Array, horizon: number): Omit<SeriesForecast, 'id'> {
    const x = this.options.lookback !== undefined ? all.subarray(Math.max(0, all.length - this.options.lookback)) : all;
    const n = x.length;
    const last = x[n - 1]!;
    const slope = n > 1 ? (last - x[0]!) / (n - 1) : 0;
    const values = Array.from({ length: horizon }, (_, i) => last + slope * (i + 1));
    if (n < 3) return { values };
    let ss = 0;
    for (let t = 1; t < n; t++) ss += (x[t]! - x[t - 1]! - slope) ** 2;
    const sd = Math.sqrt(ss / (n - 2));
    const band = (z: number) => ({
      lower: values.map((v, i) => v - z * sd * Math.sqrt((i + 1) * (1 + (i + 1) / (n - 1)))),
      upper: values.map((v, i) => v + z * sd * Math.sqrt((i + 1) * (1 + (i + 1) / (n - 1)))),
    });
    return { values, intervals: { '80': band(Z80), '95': band(Z95) } };
  }
  /** Its options go into seqcast.json too. */
  override save(dir: string, options = {}): Promise<void> {
    return this.saveWith(dir, { ...this.options }, options);
  }
}

export const driftKind = defineModelKind({
  kind: 'drift',
  name: 'drift',
  summary: 'The last value plus the average change per step (random walk with drift)',
  options: driftOptionsSchema,
  create: (options) => new DriftModel(parseOptions(driftOptionsSchema, options)),
  load: async (dir) => {
    const saved = await loadStateless(dir, 'drift', driftOptionsSchema);
    return new DriftModel(saved.options).restore(saved.info);
  },
});
