/**
 * @seqcast/forecast — time-series forecasting that is always shown next to simple baselines.
 *
 * Layout: models/ (the SeriesForecaster; global/ the panel recurrent model), inputs/ (the
 * one series → model input stack both models build on: lag design, panel windows, shared level and
 * scale), baselines/ (one-step baselines of the per-series protocol; panel baselines implementing
 * PanelModel), protocol/ (metrics, the one-series evaluation, panel holdout and backtest), charts/
 * (Vega-Lite chart specs, browser-safe), svg/ (those charts rendered to SVG in Node), panel/ (the PanelModel contract). Dependencies point one way:
 * models → inputs, models → protocol → baselines → linear algebra; nothing in protocol imports a
 * model, and inputs imports nothing.
 *
 * The public API, listed name by name; the numeric building blocks (ridge algebra, classical
 * decomposition, metric scales, the input stack) are in `@seqcast/forecast/internals`, with no
 * stability promise.
 */
export { rmse, mae, mape, smape, mase, allMetrics, type MetricOptions, type Metric, type Metrics, type MetricTable } from './protocol/metrics.js';
export {
  naiveForecasts,
  seasonalNaiveForecasts,
  fitLinearAR,
  linearARForecasts,
  ONE_STEP_BASELINES,
  type OneStepBaselineName,
  type LinearAR,
} from './baselines/one-step.js';
export { makeSeries, column, type Series, type SeriesLike } from './series.js';
export {
  gaussian,
  syntheticAR2,
  syntheticTrendSeasonal,
  syntheticStockSeries,
  syntheticLogisticMap,
  type AR2Options,
  type TrendSeasonalOptions,
} from './synthetic.js';
export { SeriesForecaster, type ForecastOptions, type FitCallbacks, type ForecastConfig, type ForecastInfo } from './models/series-forecaster.js';
/** @deprecated use SeriesForecaster (removed in the next release). */
export { Forecaster } from './models/series-forecaster.js';
export { MAX_INPUT_MAGNITUDE, forecastable, unforecastable, checkPanelHistory, checkFiniteForecasts } from './inputs/magnitude.js';
export { forecastFitBytesPerRow, forecastFitMaxRows, fitMemoryShape, fitRowLimitReason, checkFitRows, type FitMemoryShape } from './models/fit-memory.js';
export { forecastOptionsSchema, resolveForecastOptions, defaultForecastWindow, type ResolvedForecastOptions } from './models/series-forecaster-options.js';
export { evaluate, type OneStepModel, type MethodName, type EvalReport } from './protocol/evaluate.js';
export { type Base, type InputStats } from './inputs/lag-design.js';
export { encodeCategorical, expandFeatures, indicatorName, type CategoricalLevels, type UnknownLevel } from './inputs/one-hot.js';
export { evaluationSvg, writeEvaluationSvg, type PlotOptions } from './svg/evaluation.js';
export type { ForecastSpec, Interval, IntervalLevel, PanelModel, PanelModelFactory, SeriesForecast } from './panel/model.js';
export { syntheticPanel, panelToCsv, type SyntheticPanelOptions } from './panel/synthetic.js';
export {
  NaiveModel,
  SeasonalNaiveModel,
  Naive2Model,
  SesModel,
  ThetaModel,
  PooledLinearModel,
  PANEL_BASELINES,
  type PooledLinearOptions,
} from './baselines/panel.js';
export type { PanelMetrics } from './protocol/panel-metrics.js';
export { backtest, holdout, cutPanel, MIN_TRAIN_POINTS, type PanelCut, type BacktestOptions, type BacktestReport } from './protocol/backtest.js';
export { naive2Verdict, VERDICT_LEVEL, type Naive2Verdict, type ScoredUnit, type Verdict } from './protocol/verdict.js';
export { layoutOf, loadPanelLayout, loadSavedPanelLayout, type PanelLayout } from './panel/layout.js';
export { panelForecastJson, type PanelForecastJson } from './panel/output.js';
export {
  GlobalForecaster,
  GlobalEnsemble,
  GLOBAL_KIND,
  globalForecasterOptionsSchema,
  globalEnsembleOptionsSchema,
  ensembleShipped,
  defaultWindow,
  shippedForecast,
  groupsShipped,
  QUANTILES,
  type Combination,
  type CombinationGroup,
  type GlobalForecasterOptions,
  type GlobalInfo,
  type GlobalProgress,
  type GlobalValidation,
  type EnsembleInfo,
  type GlobalEnsembleOptions,
} from './models/global/index.js';
export { syntheticCollection, type SyntheticCollectionOptions } from './synthetic-collection.js';
export { fitCovariates, type CovariateContract, type CovariateRequest, type FutureCovariates, type FutureSeries } from './inputs/covariates.js';
export { readFutureCsv, type FutureCsvOptions } from './inputs/future-csv.js';
export { covariateLine, type CovariateInfo } from './models/global/covariate-inputs.js';
export { earlyStopLine } from './models/global/early-stop.js';
export type { PhaseOneCheckpoint } from './models/global/info.js';
export { forecastSvg, writeForecastSvg, type ForecastPlotOptions } from './svg/forecast.js';
export {
  forecastChartSpec,
  lossChartSpec,
  baselinePaths,
  type IntervalBand,
  type ForecastChartData,
  type ForecastChartOptions,
  type LossPoint,
} from './charts/index.js';
export { forecastChartSvg } from './svg/render.js';
export type { FitContext, FitProgress, ForecastModel, ModelInfo, ModelKindEntry, ModelSaveOptions } from './registry/contract.js';
export { defineModelKind } from './registry/contract.js';
export {
  MODEL_KINDS,
  DEFAULT_MODEL_KIND,
  modelKind,
  modelKindNames,
  modelKindOfSaved,
  panelSavedKinds,
  panelModelKinds,
  loadModel,
  createModel,
  plannedSteps,
  defaultBacktestKinds,
  backtestFactories,
  describeModelKinds,
  type ModelKindDescription,
} from './registry/kinds.js';
export { PerSeriesModel, perSeriesKind } from './models/per-series-kind.js';
export { globalKind } from './models/global/kind.js';
