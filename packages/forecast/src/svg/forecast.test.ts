import { describe, expect, it } from 'vitest';
import { forecastSvg } from './forecast.js';

describe('forecastSvg', () => {
  it('draws history, forecast, actual and both interval bands', async () => {
    const history = Float64Array.from({ length: 30 }, (_, t) => 10 + Math.sin(t));
    const svg = await forecastSvg(
      history,
      {
        id: 'store-7',
        values: [11, 12, 13],
        intervals: { '80': { lower: [10, 10, 10], upper: [12, 14, 16] }, '95': { lower: [9, 8, 7], upper: [13, 16, 19] } },
      },
      { actual: [11.5, 12.5, 12], target: 'sales' },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    for (const label of ['store-7: 3-step forecast', '95% interval', '80% interval', 'history', 'forecast', 'actual', 'sales']) expect(svg).toContain(label);
    // Two filled areas (the bands) besides the lines.
    expect(svg.match(/class="mark-area/g)).toHaveLength(2);
  });
});
