/**
 * `@seqcast/forecast/charts`: the chart specs alone (no tensors, no Node APIs), importable by a
 * browser bundle. Rendering them to SVG in Node is `forecastChartSvg` in the main entry.
 */
export {
  forecastChartSpec,
  lossChartSpec,
  baselinePaths,
  type IntervalBand,
  type ForecastChartData,
  type ForecastChartOptions,
  type LossPoint,
} from './forecast-chart.js';
