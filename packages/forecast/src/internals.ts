/**
 * @seqcast/forecast/internals — the numeric building blocks under the models and baselines, for
 * seqcast's own packages, benchmarks and tests, with no stability promise: names here may change or
 * go in any release. Applications use the main entry.
 */
export { gram, ridgeSolve, ridgeLooPredict, linearPredict, type Gram } from './linear.js';
export {
  acf,
  isSeasonal,
  seasonalIndices,
  deseasonalise,
  lagResidualSd,
  fitSes,
  thetaForecast,
  Z80,
  Z95,
  type Deseasonalised,
  type SesFit,
} from './baselines/classical.js';
export { maseScale, safeScale } from './protocol/metrics.js';
export { seasonalScale, MetricTotals } from './protocol/panel-metrics.js';
// The input stack (src/inputs/): the per-series lag design, the panel windows, the scale they share.
export { fitStats, buildInputs, buildTargets, contextFor, targetLagsFor, skipSize, stepSize, baseIndex, type DesignSpec } from './inputs/lag-design.js';
export { windowNorm, writeWindow, writeTargets, INPUT_CLIP, type WindowShape, type WindowNorm } from './inputs/panel-windows.js';
export { meanOf, meanAbsOf, meanAbsChange } from './inputs/scale.js';
