/**
 * @seqcast/forecast — time-series forecasting that is always shown next to simple baselines:
 * a recurrent model with a closed-form linear skip path, the evaluation protocol, metrics,
 * baselines, charts and synthetic series.
 */
export * from './metrics.js';
export * from './linear.js';
export * from './baselines.js';
export * from './series.js';
export * from './synthetic.js';
export * from './forecaster.js';
export * from './evaluate.js';
export { type Base, type ColumnStats } from './design.js';
export * from './plot.js';
export * from './models/global/index.js';
export * from './synthetic-panel.js';
