/**
 * The GlobalForecaster's options table: every option's type, range, default and description,
 * declared once. The model parses it; the server's panel-job schema and the CLI's panel flags
 * are derived from it.
 */
import { cellField, intField, positiveField } from '@seqcast/core';
import { z } from 'zod';

/** Options of `GlobalForecaster`; all but `horizon` have defaults (the window's depends on H, m and the data). */
export const globalForecasterOptionsSchema = z.object({
  horizon: intField(1, 1000).meta({ description: 'Steps ahead H the model forecasts directly' }),
  season: intField(1, 1000).default(1).meta({ description: 'Seasonal period m (1 = none)' }),
  window: intField(1, 10_000)
    .optional()
    .meta({ description: 'Input values per window. Default: max(3.5·H, 4·m) rounded up to whole seasons, capped by the data' }),
  epochs: intField(1).optional().meta({ description: 'Passes over all training windows; default: as many steps as the budget allows, at most `steps`' }),
  minutes: positiveField().default(8).meta({ description: 'Wall-clock budget for fit, minutes' }),
  seed: z
    .number({ error: 'must be an integer' })
    .int({ error: 'must be an integer' })
    .default(0)
    .meta({ description: 'Seed of the initial weights and the window draws' }),
  cell: cellField().default('lstm').meta({ description: "A registered recurrent cell ('lstm', 'gru', ...)" }),
  units: intField(1).default(64).meta({ description: 'Recurrent units' }),
  members: intField(1).default(1).meta({ description: "Ensemble members (their outputs' element-wise median)" }),
  batchSize: intField(1).default(256).meta({ description: 'Windows per optimizer step' }),
  learningRate: positiveField().default(0.003).meta({ description: 'Adam learning rate (decays over the last third of training)' }),
  steps: intField(1).default(4000).meta({ description: 'Step cap per member when `epochs` is not given' }),
  linearStart: z.boolean().default(true).meta({ description: 'Start the linear path from the closed-form pooled ridge fit' }),
});

/** Options of `GlobalForecaster` (see {@link globalForecasterOptionsSchema}). */
export type GlobalForecasterOptions = z.input<typeof globalForecasterOptionsSchema>;
