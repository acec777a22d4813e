/** The global recurrent forecaster: one network over every series of a panel. */
export { GlobalForecaster, GLOBAL_KIND, defaultWindow, shippedForecast } from './forecaster.js';
export { groupsShipped, type CombinationGroup } from './info.js';
export type { Combination, GlobalForecasterOptions, GlobalInfo, GlobalProgress, GlobalValidation } from './forecaster.js';
export { QUANTILES } from './network.js';
export { globalForecasterOptionsSchema } from './options.js';
export { GlobalEnsemble, globalEnsembleOptionsSchema, ensembleShipped, type EnsembleInfo, type GlobalEnsembleOptions } from './ensemble.js';
