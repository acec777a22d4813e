/**
 * Renders a Vega-Lite spec (built by @seqcast/forecast/charts, the same definition the CLI draws
 * as SVG) into an element, with hover read-outs from vega-tooltip. Returns the view so a caller
 * can finalize it before drawing the next chart.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Handler } from 'vega-tooltip';

export async function renderChart(el: HTMLElement, spec: TopLevelSpec, label: string): Promise<vega.View> {
  const view = new vega.View(vega.parse(compile(spec).spec), {
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
