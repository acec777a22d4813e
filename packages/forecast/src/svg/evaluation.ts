/**
 * Charts of an evaluation: actual vs model vs naive over the test rows, as SVG, rendered headless
 * with Vega-Lite (compiled to Vega, rendered by Vega's SVG string renderer; no browser, no canvas).
 *
 * vega and vega-lite are imported on first use: both use top-level await, and a static import
 * here would make every entry point that reaches this module fail under require()
 * (ERR_REQUIRE_ASYNC_MODULE) and pay their load time without drawing anything.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { EvalReport } from '../protocol/evaluate.js';

export interface PlotOptions {
  /** Chart title. Default "<target>: actual vs model vs naive (test rows)". */
  title?: string;
  /** Name of the plotted column, for the y axis. Default "value". */
  target?: string;
  /** Width/height of the plot area in px. Defaults 760 x 320. */
  width?: number;
  height?: number;
}

function isDate(s: string): boolean {
  return /^\d{4}-\d{2}(-\d{2})?/.test(s) && !Number.isNaN(Date.parse(s.length === 7 ? `${s}-01` : s));
}

/**
 * SVG text of actual vs model vs naive over the report's test rows.
 * @example const svg = await evaluationSvg(evaluate(model, series), { target: 'Close' });
 */
export async function evaluationSvg(report: EvalReport, options: PlotOptions = {}): Promise<string> {
  const target = options.target ?? 'value';
  const useDates = report.dates !== null && report.dates.every(isDate);
  const values: { x: string | number; value: number; series: string }[] = [];
  const label = (k: string) =>
    k === 'model' ? `model (MASE ${report.metrics.model.mase.toFixed(3)})` : `naive (MASE ${report.metrics.naive.mase.toFixed(3)})`;
  report.actual.forEach((v, i) => {
    const x = useDates ? (report.dates![i]!.length === 7 ? `${report.dates![i]}-01` : report.dates![i]!) : report.firstRow + i + 1;
    values.push({ x, value: v, series: 'actual' });
    values.push({ x, value: report.predictions.model[i]!, series: label('model') });
    values.push({ x, value: report.predictions.naive[i]!, series: label('naive') });
  });
  const naiveLabel = label('naive');
  const modelLabel = label('model');
  const x = useDates
    ? ({ field: 'x', type: 'temporal', title: 'date' } as const)
    : ({ field: 'x', type: 'quantitative', title: 'row (1-based)', scale: { zero: false } } as const);
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: ['actual', modelLabel, naiveLabel], range: ['#222222', '#d62728', '#1f77b4'] },
    legend: { orient: 'top-left', fillColor: 'white', padding: 6 },
  } as const;
  // One layer per series so the model is drawn on top of the (dashed) naive forecast: where the
  // two coincide the model's line stays visible.
  const layer = (name: string, dash: number[], width: number) => ({
    transform: [{ filter: { field: 'series', equal: name } }],
    mark: { type: 'line' as const, strokeWidth: width, strokeDash: dash },
    encoding: { x, y: { field: 'value', type: 'quantitative' as const, title: target, scale: { zero: false } }, color },
  });
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title ?? `${target}: actual vs model vs naive (one step ahead, ${report.rows} test rows)`,
    width: options.width ?? 760,
    height: options.height ?? 320,
    background: 'white',
    data: { values },
    layer: [layer(naiveLabel, [5, 3], 1.4), layer('actual', [1, 0], 1.6), layer(modelLabel, [1, 0], 1.6)],
  };
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Write {@link evaluationSvg} to `file` atomically (temp file + rename).
 * @example await writeEvaluationSvg('docs/forecast-cars.svg', evaluate(model, series), { target: 'Sales' });
 */
export async function writeEvaluationSvg(file: string, report: EvalReport, options: PlotOptions = {}): Promise<void> {
  const svg = await evaluationSvg(report, options);
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, svg);
  await fs.rename(tmp, file);
}
