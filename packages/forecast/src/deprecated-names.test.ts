// Names renamed in this release keep working, through the package's public entry, until the next
// one: code written against the old name compiles (as a value and as a type) and gets the same model.
import { describe, expect, it } from 'vitest';
import { Forecaster, SeriesForecaster, syntheticAR2 } from './index.js';

describe('deprecated aliases of the public API', () => {
  it('Forecaster (now SeriesForecaster) still fits and is a SeriesForecaster', async () => {
    const model: Forecaster = await Forecaster.fit(syntheticAR2(200, 1), { target: 'value', epochs: 0 });
    try {
      expect(model).toBeInstanceOf(SeriesForecaster);
      expect(Forecaster.load).toBe(SeriesForecaster.load);
    } finally {
      model.dispose();
    }
  });
});
