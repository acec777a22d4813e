/** The global recurrent model as a registered model kind (registry/kinds.ts). */
import { defineModelKind } from '../../registry/contract.js';
import { GLOBAL_KIND, GlobalForecaster } from './forecaster.js';
import { globalForecasterOptionsSchema } from './options.js';

/** The global model's options without the spec (horizon, season), which every kind shares. */
export const globalKindOptionsSchema = globalForecasterOptionsSchema.omit({ horizon: true, season: true });

export const globalKind = defineModelKind({
  kind: 'global',
  // The report column keeps its name from before the registry (backtest JSON consumers read it).
  name: 'model',
  summary: 'One recurrent network trained on every series (quantile outputs: median and 80%/95% intervals)',
  options: globalKindOptionsSchema,
  savedKind: GLOBAL_KIND,
  create: (options, spec) => new GlobalForecaster({ ...options, ...spec }),
  load: (dir) => GlobalForecaster.load(dir),
  plannedSteps: (options, train, spec) => {
    const planner = new GlobalForecaster({ ...options, ...spec });
    try {
      return planner.plannedSteps(train, spec);
    } finally {
      planner.dispose();
    }
  },
});
