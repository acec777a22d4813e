/**
 * Renders a Vega-Lite spec (built by @seqcast/forecast/charts, the same definition the CLI draws
 * as SVG) into an element, with hover read-outs from vega-tooltip. Returns the view so a caller
 * can finalize it before drawing the next chart.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Handler } from 'vega-tooltip';
import { expressionInterpreter } from 'vega-interpreter';

export async function renderChart(el: HTMLElement, spec: TopLevelSpec, label: string): Promise<vega.View> {
  // Expressions are interpreted, not compiled with new Function, so the page's CSP needs no 'unsafe-eval'.
  const view = new vega.View(vega.parse(compile(spec).spec, undefined, { ast: true }), {
    expr: expressionInterpreter,
    renderer: 'svg',
    container: el,
    hover: true,
    tooltip: new Handler().call,
  });
  await view.runAsync();
  const svg = el.querySelector('svg');
  if (svg) {
    // A chart is one image to assistive technology; its numbers are in the table beside it.
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
  }
  return view;
}
