/**
 * `@seqcast/forecast/charts`: the chart specs alone (no tensors, no Node APIs), importable by a
 * browser bundle. Rendering them to SVG in Node is `forecastSvg` in the main entry.
 */
export * from './forecast-chart.js';
