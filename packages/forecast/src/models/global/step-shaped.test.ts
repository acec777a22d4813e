// Step-shaped series (administered prices: plateaus with rounding jitter, then jumps of 8–40%;
// breaks after calm stretches; values held then a steep rise) give windows whose one-step change
// nearly vanishes. Their scale must not collapse, and neither the linear start nor the trained
// network may extrapolate wildly from the few windows that carry a jump.
import type { Panel } from '@seqcast/data';
import { seededRandom } from '@seqcast/core';
import { describe, expect, it } from 'vitest';
import { syntheticCollection } from '../../synthetic-collection.js';
import { windowNorm, type WindowShape } from '../../inputs/panel-windows.js';
import { GlobalForecaster } from './forecaster.js';
import { linearStart } from './linear-start.js';

const H = 13;
const shape: WindowShape = { window: 46, patch: 1, horizon: H, season: 1 };

function stepPanel(series: number): Panel {
  return syntheticCollection(3, { series, kind: 'weekly-steps', length: [80, 600], intermittent: 0 });
}

describe('step-shaped series', () => {
  it('a plateau window keeps a scale near the jumps it sits between, not its rounding jitter', () => {
    // 100 weeks at 5,000 with jitter of 5e-2, a jump of 20% every 40 weeks before that.
    const v = new Float64Array(300);
    let level = 5000;
    for (let t = 0; t < v.length; t++) {
      if (t % 40 === 0 && t < 200) level *= 1.2;
      v[t] = level + (t % 3 === 0 ? 0.05 : 0);
    }
    const { level: at, scale } = windowNorm(v, 250, shape);
    // The window's own mean absolute change is ~0.03; the series moves by ~30 a week over the long run.
    expect(scale).toBeGreaterThan(1e-3 * at);
  });

  it('an all-zero window of an intermittent series is scaled by the series, not by 1 in raw units', () => {
    const v = new Float64Array(200);
    for (let t = 0; t < 120; t += 7) v[t] = 5000;
    expect(windowNorm(v, 200, shape).scale).toBeGreaterThan(100);
  });

  it("the linear start's kernel stays bounded", () => {
    const p = stepPanel(60);
    const sources = p.series.map((s) => ({ values: s.values, lo: 12, hi: s.values.length - 2 * H }));
    const { kernel } = linearStart(sources, shape, seededRandom(17), 5000);
    let max = 0;
    for (const k of kernel) max = Math.max(max, Math.abs(k));
    expect(max).toBeLessThan(3);
  });

  it('the fitted network alone is not far worse than Naive2 on the held-out stretch', async () => {
    const p = stepPanel(60);
    const model = new GlobalForecaster({ horizon: H, steps: 40, units: 8, batchSize: 64, seed: 2 });
    await model.fit(p, { horizon: H, season: 1 });
    const v = model.info().validation!;
    expect(v.modelOwa).toBeLessThan(1.1);
    model.dispose();
  }, 60_000);
});
