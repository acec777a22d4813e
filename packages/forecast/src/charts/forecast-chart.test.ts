import { describe, expect, it } from 'vitest';
import { compile } from 'vega-lite';
import { baselinePaths, forecastChartSpec, lossChartSpec } from './forecast-chart.js';
import { forecastChartSvg } from '../svg/render.js';

describe('baselinePaths', () => {
  it('naive repeats the last value; seasonal naive repeats the last season', () => {
    expect(baselinePaths([1, 2, 3, 4], 3, 2)).toEqual({ naive: [4, 4, 4], 'seasonal naive (m=2)': [3, 4, 3] });
    expect(baselinePaths([1, 2, 3], 2)).toEqual({ naive: [3, 3] });
    expect(baselinePaths([1, 2], 2, 12)).toEqual({ naive: [2, 2] }); // not one full season
  });
});

describe('forecastChartSpec', () => {
  const data = {
    target: 'Sales',
    history: [5, 6, 7, 8],
    forecast: [9, 10],
    dates: ['2020-01', '2020-02', '2020-03', '2020-04', '2020-05', '2020-06'],
    intervals: { '80': { lower: [8, 8.5], upper: [10, 11.5] }, '95': { lower: [7, 7], upper: [11, 13] } },
    baselines: baselinePaths([5, 6, 7, 8], 2),
  };

  it('compiles, with the bands widest first and one hover row per step holding every number', () => {
    const spec = forecastChartSpec(data, { interactive: true }) as unknown as { layer: { data: { values: Record<string, unknown>[] }; params?: unknown[] }[] };
    expect(() => compile(spec as never)).not.toThrow();
    const [bands, lines, points] = spec.layer;
    expect(bands!.data.values.map((v) => v.level)).toEqual(['95% interval', '95% interval', '80% interval', '80% interval']);
    expect(points!.data.values[1]).toEqual({
      x: '2020-06-01',
      step: 2,
      forecast: 10,
      '95% lower': 7,
      '95% upper': 13,
      '80% lower': 8.5,
      '80% upper': 11.5,
      naive: 8,
    });
    // The forecast and baseline lines start at the last observed point.
    expect(lines!.data.values.filter((v) => v.series === 'forecast').map((v) => v.value)).toEqual([8, 9, 10]);
    expect(lines!.params).toHaveLength(1); // zoom on x
  });

  it('without intervals there is no band layer; the static chart has no zoom', () => {
    const spec = forecastChartSpec({ ...data, intervals: undefined }) as unknown as { layer: { mark: { type: string }; params?: unknown }[] };
    expect(spec.layer.map((l) => l.mark.type)).toEqual(['line', 'point']);
    expect(spec.layer[0]!.params).toBeUndefined();
  });

  it('renders to SVG in Node with both bands and every series in the legend', async () => {
    const svg = await forecastChartSvg(data);
    expect(svg.startsWith('<svg')).toBe(true);
    for (const label of ['history', 'forecast', 'naive', '80% interval', '95% interval', 'Sales: history and 2-step forecast']) expect(svg).toContain(label);
    expect(svg.match(/class="mark-area role-mark/g)).toHaveLength(2); // one band per level
  });
});

describe('lossChartSpec', () => {
  it('uses a log scale once the loss spans a decade', () => {
    const y = (s: unknown) => (s as { encoding: { y: { scale: { type?: string } } } }).encoding.y.scale.type;
    expect(
      y(
        lossChartSpec([
          { epoch: 1, loss: 2 },
          { epoch: 2, loss: 0.1 },
        ]),
      ),
    ).toBe('log');
    expect(
      y(
        lossChartSpec([
          { epoch: 1, loss: 2 },
          { epoch: 2, loss: 1 },
        ]),
      ),
    ).toBeUndefined();
  });
});
