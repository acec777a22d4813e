/**
 * The panel baselines as registered model kinds (registry/kinds.ts lists them): each kind's
 * options table, how to make one and how to load a saved one.
 */
import { intField, parseOptions } from '@seqcast/core';
import { z } from 'zod';
import { defineModelKind, type ModelKindEntry } from '../registry/contract.js';
import { loadStateless } from '../registry/stateless.js';
import { Naive2Model, NaiveModel, PooledLinearModel, SeasonalNaiveModel, SesModel, ThetaModel, type LocalModel, type PooledLinearState } from './panel.js';

/** Local baselines have no options. */
const noOptions = z.strictObject({});

function localKind(kind: string, summary: string, make: () => LocalModel): ModelKindEntry<typeof noOptions> {
  return defineModelKind({
    kind,
    name: kind,
    summary,
    options: noOptions,
    create: (options) => (parseOptions(noOptions, options), make()),
    load: async (dir) => make().restore((await loadStateless(dir, kind, noOptions)).info),
  });
}

export const naive2Kind = localKind('naive2', "Naive on the seasonally adjusted series (M4's Naive2), reseasonalised", () => new Naive2Model());
export const seasonalNaiveKind = localKind('snaive', 'The value one season back', () => new SeasonalNaiveModel());
export const naiveKind = localKind('naive', 'The last value, repeated', () => new NaiveModel());
export const sesKind = localKind('ses', 'Simple exponential smoothing on the seasonally adjusted series', () => new SesModel());
export const thetaKind = localKind('theta', 'The standard Theta method on the seasonally adjusted series', () => new ThetaModel());

/** Options of the pooled linear model (see {@link PooledLinearModel}). */
export const pooledLinearOptionsSchema = z.strictObject({
  window: intField(1, 10_000).optional().meta({ description: 'Input window. Default max(2·season, horizon, 8)' }),
  lambda: z
    .number({ error: 'must be a number >= 0' })
    .min(0, { error: 'must be a number >= 0' })
    .default(1e-3)
    .meta({ description: 'Ridge penalty per window' }),
  maxWindowsPerSeries: intField(1).default(300).meta({ description: 'Most recent windows used per series (bounds time and memory)' }),
});

export const pooledLinearKind = defineModelKind({
  kind: 'pooledLinear',
  name: 'pooledLinear',
  summary: 'One ridge regression over every series’ normalised windows, direct multi-horizon',
  options: pooledLinearOptionsSchema,
  create: (options) => new PooledLinearModel(parseOptions(pooledLinearOptionsSchema, options)),
  load: async (dir) => {
    const saved = await loadStateless<typeof pooledLinearOptionsSchema, PooledLinearState>(dir, 'pooledLinear', pooledLinearOptionsSchema);
    return new PooledLinearModel(saved.options).restore(saved.info, saved.state);
  },
});
