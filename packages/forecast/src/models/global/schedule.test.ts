// The combination, the verdict and the interval factors are chosen on the network phase one ends
// with; the network shipped trains on for phase two. It must stay close to the one validated.
import type { Panel } from '@seqcast/data';
import { describe, expect, it } from 'vitest';
import { syntheticCollection } from '../../synthetic-collection.js';
import { GlobalForecaster } from './forecaster.js';
import { FINAL_RATE_SHARE, phaseOneRate, phaseTwoRate, shippedDrift } from './schedule.js';

describe('the two-phase schedule', () => {
  it('phase one decays to its final rate by its own end; phase two stays there', () => {
    expect(phaseOneRate(0.003, 0.5)).toBe(0.003);
    expect(phaseOneRate(0.003, 1)).toBeCloseTo(0.003 * FINAL_RATE_SHARE, 12);
    expect(phaseTwoRate(0.003)).toBeCloseTo(0.003 * FINAL_RATE_SHARE, 12);
  });

  it('shippedDrift: the change of the forecasts over the validated error', () => {
    expect(shippedDrift([[1, 2]], [[1, 2]], [[3, 4]])).toBe(0);
    expect(shippedDrift([[1, 2]], [[2, 2]], [[3, 4]])).toBeCloseTo(0.25, 12);
  });

  it('the network shipped forecasts the validation stretch close to the network validated', async () => {
    const p: Panel = syntheticCollection(8, { series: 40, kind: 'quarterly', length: [60, 120], intermittent: 0 });
    const model = new GlobalForecaster({ horizon: 8, season: 4, steps: 200, units: 16, batchSize: 64, seed: 3 });
    await model.fit(p, { horizon: 8, season: 4 });
    const drift = model.info().validation!.drift!;
    expect(drift).toBeGreaterThan(0);
    expect(drift).toBeLessThan(0.1);
    model.dispose();
  }, 120_000);
});
