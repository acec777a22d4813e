/** The global recurrent model as a registered model kind (registry/kinds.ts): an ensemble of networks by default. */
import { defineModelKind } from '../../registry/contract.js';
import { GlobalEnsemble, globalEnsembleOptionsSchema, memberOptions } from './ensemble.js';
import { GLOBAL_KIND, GlobalForecaster } from './forecaster.js';

/** The global model's options without the spec (horizon, season), which every kind shares. */
export const globalKindOptionsSchema = globalEnsembleOptionsSchema.omit({ horizon: true, season: true });

export const globalKind = defineModelKind({
  kind: 'global',
  // The report column keeps its name from before the registry (backtest JSON consumers read it).
  name: 'model',
  summary: 'Recurrent networks trained on every series, an ensemble of input windows (quantile outputs: median and 80%/95% intervals)',
  options: globalKindOptionsSchema,
  savedKind: GLOBAL_KIND,
  create: (options, spec) => new GlobalEnsemble({ ...options, ...spec }),
  load: (dir) => GlobalEnsemble.load(dir),
  plannedSteps: (options, train, spec) =>
    memberOptions(
      { ...options, ...spec },
      spec,
      train.series.map((s) => s.values),
    ).reduce((n, o) => {
      const planner = new GlobalForecaster(o);
      try {
        return n + planner.plannedSteps(train, spec);
      } finally {
        planner.dispose();
      }
    }, 0),
});
