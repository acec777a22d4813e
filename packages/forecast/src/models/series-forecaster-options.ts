/**
 * The SeriesForecaster's options table: every option's type, range, default and
 * description, declared once. `SeriesForecaster.fit` parses it; the server's training-job schema and the
 * CLI's `forecast train` flags are derived from it (see docs/forecast.md).
 */
import { cellField, fractionField, intField, parseOptions, positiveField } from '@seqcast/core';
import { z } from 'zod';

const column = 'must name a numeric column';

/** Options of `SeriesForecaster.fit`. Only `target` is required. */
export const forecastOptionsSchema = z.object({
  target: z.string({ error: column }).min(1, { error: column }).meta({ description: 'Column to forecast' }),
  features: z.array(z.string().min(1)).optional().meta({ description: 'Input columns; default [target]. The target is always an input (added when missing)' }),
  window: intField(1, 1000).optional().meta({ description: 'Rows per input window. Default 8, or season + 1 when season > 1' }),
  horizon: intField(1, 1000).default(1).meta({ description: 'Values predicted at once (direct multi-step)' }),
  season: intField(1, 1000).default(1).meta({ description: 'Season length m (1 = none)' }),
  epochs: intField(0).default(100).meta({ description: 'Maximum training epochs of the recurrent path (0 = linear path only)' }),
  seed: intField(0).default(0).meta({ description: 'Seed for weights and batch order' }),
  units: intField(1, 1024).default(32).meta({ description: 'Recurrent units' }),
  cell: cellField().default('lstm').meta({ description: "A registered recurrent cell ('lstm', 'gru', ...)" }),
  learningRate: positiveField(10).default(0.003).meta({ description: 'Adam learning rate' }),
  batchSize: intField(1, 100_000).default(32).meta({ description: 'Mini-batch size' }),
  patience: intField(1).default(10).meta({ description: 'Early-stopping patience in epochs' }),
  split: fractionField().default(0.8).meta({ description: 'Fraction of rows that train (the rest test)' }),
  validation: fractionField().default(0.2).meta({ description: 'Fraction of the training rows (the last ones) that validate' }),
  minGain: z
    .number({ error: 'must be a number >= 0' })
    .min(0, { error: 'must be a number >= 0' })
    .default(0.02)
    .meta({ description: 'Minimum relative validation-MAE gain for the recurrent path to be kept' }),
  newestFirst: z.boolean().default(false).meta({
    description: 'Recorded only: the training file was newest-first (no date column), so tools that re-read a CSV for this model read it the same way',
  }),
  missing: z
    .enum(['drop', 'ffill'])
    .optional()
    .meta({ description: 'Recorded only: the missing-cell policy the training CSV was read with (CLI eval/predict reuse it)' }),
  timeColumns: z.array(z.string().min(1)).optional().meta({
    description:
      'Recorded only: the columns combined into the timestamp of the training CSV (year, month, …), so CLI eval/predict read later files the same way',
  }),
  frequency: z
    .string()
    .optional()
    .meta({ description: 'Recorded only: the frequency inferred from the dates (hourly, daily, …) when the season was inferred from them' }),
});

/** Options of `SeriesForecaster.fit` (see {@link forecastOptionsSchema}). */
export type ForecastOptions = z.input<typeof forecastOptionsSchema>;

/** {@link ForecastOptions} with every default applied and checked (the window's depends on the season). */
export type ResolvedForecastOptions = z.output<typeof forecastOptionsSchema> & { window: number };

/** The default window: one season and a step (so the seasonal lags are in it), else 8 rows. */
export function defaultForecastWindow(season: number): number {
  return season > 1 ? season + 1 : 8;
}

/** Parse options with the table (a bad one is one BAD_ARGUMENT line naming the field) and fill the window. */
export function resolveForecastOptions(options: ForecastOptions): ResolvedForecastOptions {
  const o = parseOptions(forecastOptionsSchema, options);
  return { ...o, window: o.window ?? defaultForecastWindow(o.season) };
}
