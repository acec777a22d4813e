// The linear start is one ridge fit pooled over every series. A panel-wide intercept would be
// the panel's average drift in window units, added to every series: on a panel where most
// series grow, it pulls the declining ones up.
import { seededRandom } from '@seqcast/core';
import { describe, expect, it } from 'vitest';
import { gaussian } from '../../synthetic.js';
import { writeWindow, type WindowShape } from '../../inputs/panel-windows.js';
import { linearStart } from './linear-start.js';
import { MEDIAN, QUANTILES } from './network.js';

const H = 6;
const shape: WindowShape = { window: 18, patch: 1, horizon: H, season: 1 };

/** 45 series growing by 1 a step, 15 declining by 1, noise 10 around it, 200 points each. */
function trending(): { values: Float64Array; sign: number }[] {
  const g = gaussian(5);
  return Array.from({ length: 60 }, (_, i) => {
    const sign = i % 4 === 3 ? -1 : 1;
    const values = Float64Array.from({ length: 200 }, (_, t) => 1000 + sign * t + 10 * g());
    return { values, sign };
  });
}

describe('linearStart', () => {
  it('forecasts a declining series of a mostly growing panel down, not pulled up by the panel’s drift', () => {
    const panel = trending();
    const sources = panel.map((s) => ({ values: s.values, lo: 10, hi: s.values.length - 2 * H }));
    const start = linearStart(sources, shape, seededRandom(3), 8000);
    expect(start.kind).toBe('ridge');
    const Q = QUANTILES.length;
    const x = new Float32Array(shape.window);
    const mask = new Float32Array(shape.window);
    // Mean forecast change over H steps, in original units, per direction.
    const change = { up: 0, down: 0 };
    for (const s of panel) {
      // Averaged over the last 100 cutoffs, so the noise of each window's last value cancels.
      for (let end = 100; end <= s.values.length; end++) {
        const norm = writeWindow(s.values, end, shape, 0, x, mask);
        let y = start.bias[(H - 1) * Q + MEDIAN]!;
        for (let j = 0; j < shape.window; j++) y += x[j]! * start.kernel[j * H * Q + (H - 1) * Q + MEDIAN]!;
        change[s.sign > 0 ? 'up' : 'down'] += (y * norm.scale) / (s.sign > 0 ? 45 : 15) / 101;
      }
    }
    // The truth is +6 and −6 from the trend line; what a window can tell is symmetric in sign.
    expect(change.up).toBeGreaterThan(0);
    expect(change.down).toBeLessThan(0);
    expect(Math.abs(change.up + change.down)).toBeLessThan(0.1 * (change.up - change.down));
  });
});
