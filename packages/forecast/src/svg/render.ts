/**
 * A forecast chart as SVG text in Node: the spec the browser shows, compiled by Vega-Lite and
 * drawn by Vega's SVG string renderer (no browser, no canvas). vega and vega-lite are imported on
 * first use, as in evaluation.ts (their top-level await would break require()).
 */
import { forecastChartSpec, type ForecastChartData, type ForecastChartOptions } from '../charts/forecast-chart.js';

/**
 * SVG of {@link forecastChartSpec} (static: no zoom or hover).
 * @example const svg = await forecastChartSvg({ target: 'Sales', history, forecast, baselines: baselinePaths(history, 12, 12) });
 */
export async function forecastChartSvg(data: ForecastChartData, options: Omit<ForecastChartOptions, 'interactive'> = {}): Promise<string> {
  const spec = forecastChartSpec(data, { ...options, interactive: false });
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
