import { describe, expect, it } from 'vitest';
import type { Panel } from '@seqcast/data';
import { DriftModel } from './drift.js';

const panel = (values: number[]): Panel => ({
  target: 'y',
  idColumn: 'id',
  timeColumn: null,
  features: [],
  source: 'test',
  series: [{ id: 'a', values: Float64Array.from(values), times: null, features: {}, lines: null }],
});

describe('drift model', () => {
  it('extends the average change per step, with intervals that widen', async () => {
    const m = new DriftModel();
    await m.fit(panel([1, 3, 4, 7]), { horizon: 3, season: 1 });
    const [f] = await m.forecast(panel([1, 3, 4, 7]), 3);
    expect(f!.values).toEqual([9, 11, 13]);
    const i80 = f!.intervals!['80'];
    expect(i80.upper[2]! - i80.lower[2]!).toBeGreaterThan(i80.upper[0]! - i80.lower[0]!);
  });

  it('takes the change over the last `lookback` values only', async () => {
    const m = new DriftModel({ lookback: 2 });
    await m.fit(panel([0, 0, 10, 11]), { horizon: 2, season: 1 });
    expect((await m.forecast(panel([0, 0, 10, 11]), 2))[0]!.values).toEqual([12, 13]);
  });
});
