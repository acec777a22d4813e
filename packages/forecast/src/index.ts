/**
 * @seqcast/forecast — time-series forecasting that is always shown next to simple baselines.
 *
 * Layout: models/ (the per-series Forecaster; global/ the panel recurrent model), baselines/
 * (one-step baselines of the per-series protocol; panel baselines implementing PanelModel),
 * protocol/ (metrics, the one-series evaluation, panel holdout and backtest), plots/ (Vega-Lite
 * charts), panel/ (the PanelModel contract). Dependencies point one way:
 * models → protocol → baselines → linear algebra; nothing in protocol imports a model.
 */
export * from './protocol/metrics.js';
export * from './linear.js';
export * from './baselines/one-step.js';
export * from './series.js';
export * from './synthetic.js';
export * from './models/forecaster.js';
export * from './protocol/evaluate.js';
export { type Base, type InputStats } from './models/design.js';
export * from './plots/evaluation.js';
export type { ForecastSpec, Interval, IntervalLevel, PanelModel, PanelModelFactory, SeriesForecast } from './panel/model.js';
export { syntheticPanel, panelToCsv, type SyntheticPanelOptions } from './panel/synthetic.js';
export * from './baselines/classical.js';
export * from './baselines/panel.js';
export * from './protocol/panel-metrics.js';
export * from './protocol/backtest.js';
export * from './panel/layout.js';
export * from './panel/output.js';
export * from './models/global/index.js';
export * from './synthetic-collection.js';
export * from './plots/panel.js';
