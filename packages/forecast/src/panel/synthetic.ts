/**
 * Seeded synthetic panels for tests, the README and the panel bench: several kinds of series in
 * one panel (additive and multiplicative seasonality, trends, level shifts, intermittent
 * demand, random walks), of unequal lengths and very different scales.
 */
import type { Panel, PanelSeries } from '@seqcast/data';
import { seededRandom } from '@seqcast/core';
import { gaussian } from '../synthetic.js';

/** Options of {@link syntheticPanel}. */
export interface SyntheticPanelOptions {
  /** Number of series. Default 20. */
  series?: number;
  /** Length of the longest series; others are 60–100% of it. Default 300. */
  length?: number;
  /** Seasonal period. Default 24. */
  season?: number;
  /** Default 0. */
  seed?: number;
}

const KINDS = ['additive', 'multiplicative', 'trend', 'shift', 'intermittent', 'walk'] as const;

/**
 * A panel of `series` series cycling through the kinds above, ids `s000`, `s001`, ….
 * @example const p = syntheticPanel({ series: 40, length: 500, season: 24, seed: 1 });
 */
export function syntheticPanel(options: SyntheticPanelOptions = {}): Panel {
  const count = options.series ?? 20;
  const length = options.length ?? 300;
  const m = options.season ?? 24;
  const u = seededRandom(options.seed ?? 0);
  const g = gaussian((options.seed ?? 0) + 1);
  const out: PanelSeries[] = [];
  for (let i = 0; i < count; i++) {
    const kind = KINDS[i % KINDS.length]!;
    const n = Math.max(4 * m + 10, Math.round(length * (0.6 + 0.4 * u())));
    const scale = 10 ** (1 + 3 * u());
    const amp = 0.2 + 0.5 * u();
    const phase = Math.floor(u() * m);
    const slope = (u() - 0.3) * 0.003;
    const shiftAt = Math.floor(n * (0.3 + 0.5 * u()));
    const x = new Float64Array(n);
    let walk = 1;
    for (let t = 0; t < n; t++) {
      const s = Math.sin((2 * Math.PI * (t + phase)) / m) + 0.5 * Math.sin((4 * Math.PI * (t + phase)) / m);
      const e = 0.05 * g();
      let v: number;
      switch (kind) {
        case 'additive':
          v = 1 + 0.3 * amp * s + e;
          break;
        case 'multiplicative':
          v = (1 + slope * t * 2) * (1 + amp * s) * (1 + e);
          break;
        case 'trend':
          v = 1 + slope * 3 * t + 0.2 * amp * s + e;
          break;
        case 'shift':
          v = (t < shiftAt ? 1 : 1.4) * (1 + 0.3 * amp * s) + e;
          break;
        case 'intermittent':
          v = u() < 0.3 + 0.2 * (s > 0 ? 1 : 0) ? 0.5 + u() : 0;
          break;
        default:
          walk *= Math.exp(0.02 * g());
          v = walk;
      }
      x[t] = Math.max(0, scale * v);
    }
    out.push({ id: `s${String(i).padStart(3, '0')}`, values: x, times: null, features: {}, lines: null });
  }
  return { target: 'y', idColumn: 'id', timeColumn: null, features: [], series: out, source: '<memory>' };
}

/**
 * A panel as long-format CSV text (`id,t,y`), for CLI and server tests and docs.
 * @example await readPanelCsv({ text: panelToCsv(syntheticPanel()) }, { idColumn: 'id', timeColumn: 't', target: 'y' })
 */
export function panelToCsv(panel: Panel): string {
  const rows = ['id,t,' + panel.target];
  for (const s of panel.series) s.values.forEach((v, t) => rows.push(`${s.id},${t},${+v.toPrecision(8)}`));
  return rows.join('\n') + '\n';
}
