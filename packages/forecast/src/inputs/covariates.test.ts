import { readPanelCsv, sampleCsv, type Panel, type PanelSeries } from '@seqcast/data';
import { describe, expect, it } from 'vitest';
import { calendarParts } from './calendar.js';
import { channelModes, covariateBatch, covariateDims, encodeSeries, fitCovariates, writeCovariates } from './covariates.js';

function series(id: string, values: number[], features: Record<string, number[]>, times: string[] | null = null): PanelSeries {
  return {
    id,
    values: Float64Array.from(values),
    times,
    features: Object.fromEntries(Object.entries(features).map(([k, v]) => [k, Float64Array.from(v)])),
    lines: Int32Array.from(values, (_, i) => i + 2),
  };
}

function panel(list: PanelSeries[], features: string[], timeColumn: string | null = null): Panel {
  return { target: 'y', idColumn: 'id', timeColumn, features, series: list, source: 'p.csv' };
}

const days = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));

describe('fitCovariates', () => {
  it('chooses how each numeric column is normalised: 0/1 as is, same units as the target with its scale, others their own', () => {
    const y = [100, 102, 101, 103, 104, 102];
    const p = panel([series('a', y, { promo: [0, 1, 0, 0, 1, 0], open: y.map((v) => v - 1), volume: y.map((v) => v * 1e4) })], ['promo', 'open', 'volume']);
    const c = fitCovariates(p, { features: ['open', 'volume'], futureFeatures: ['promo'] });
    expect(c.modes).toEqual({ promo: 'raw', open: 'target', volume: 'window' });
    expect(covariateDims(c)).toEqual({ window: 3, horizon: 1, statics: 0 });
  });

  it('refuses a static feature that changes within a series, naming the series and the lines', () => {
    const p = panel([series('a', [1, 2, 3], { size: [5, 5, 5] }), series('b', [1, 2, 3], { size: [7, 8, 7] })], ['size']);
    expect(() => fitCovariates(p, { staticFeatures: ['size'] })).toThrow(
      'p.csv: static feature "size" is not constant in series "b": 7 (line 2) then 8 (line 3); make it a --features or --future-features column',
    );
  });

  it('refuses the target as a covariate, a column given two kinds, and a column that was not read', () => {
    const p = panel([series('a', [1, 2, 3], { x: [1, 2, 3] })], ['x']);
    expect(() => fitCovariates(p, { features: ['y'] })).toThrow(/"y" is the target/);
    expect(() => fitCovariates(p, { features: ['x'], futureFeatures: ['x'] })).toThrow(
      '--future-features: column "x" is also in --features; give each column one kind',
    );
    expect(() => fitCovariates(p, { staticFeatures: ['z'] })).toThrow('--static-features: column "z" was not read from p.csv');
  });

  it('feeds by default the calendar positions the season does not show, the history covers twice and the panel shows an effect at; all when on; none when off', () => {
    // Sales 30% up on weekends and in summer months; `flat` has neither.
    const effect = (d: Date) => 1 + ([0, 6].includes(d.getUTCDay()) ? 0.3 : 0) + ([5, 6, 7].includes(d.getUTCMonth()) ? 0.3 : 0);
    const dated = (n: number, flat = false) => {
      const times = days(n);
      const values = times.map((t, i) => 100 * (flat ? 1 + 0.05 * Math.sin(i * 1.7) : effect(new Date(`${t}T00:00:00Z`))));
      return panel([series('a', values, {}, times)], [], 'date');
    };
    expect(fitCovariates(dated(8), { calendar: true }).calendar).toEqual(['dayOfWeek', 'dayOfYear']);
    // Daily with season 7: the weekday is the season's; the day of year needs two years, and an effect.
    expect(fitCovariates(dated(400), {}, 7).calendar).toEqual([]);
    expect(fitCovariates(dated(800), {}, 7).calendar).toEqual(['dayOfYear']);
    expect(fitCovariates(dated(800, true), {}, 7).calendar).toEqual([]);
    // Without a season the weekday is news to the model.
    expect(fitCovariates(dated(400), {}, 1).calendar).toEqual(['dayOfWeek']);
    const hours = Array.from({ length: 400 }, (_, i) => new Date(Date.UTC(2024, 0, 1) + i * 3_600_000));
    const hourly = (flat: boolean) =>
      panel(
        [
          series(
            'a',
            hours.map((d, i) => 100 * (flat ? 1 + 0.05 * Math.sin(i * 1.7) : effect(d))),
            {},
            hours.map((d) => d.toISOString().slice(0, 16).replace('T', ' ')),
          ),
        ],
        [],
        'time',
      );
    expect(fitCovariates(hourly(false), {}, 24).calendar).toEqual(['dayOfWeek']);
    expect(fitCovariates(hourly(true), {}, 24).calendar).toEqual([]);
    // The calendar is fed for the horizon's steps only (they fix the window's): 3 sine/cosine pairs.
    expect(covariateDims(fitCovariates(hourly(false), {}, 24))).toEqual({ window: 0, horizon: 6, statics: 0 });
    expect(fitCovariates(dated(8), { calendar: false }).calendar).toEqual([]);
    const numbered = panel([series('a', [1, 2, 3, 4], {}, ['1', '2', '3', '4'])], [], 't');
    expect(fitCovariates(numbered, {}).calendar).toEqual([]);
    expect(calendarParts('hourly')).toEqual(['hourOfDay', 'dayOfWeek']);
    expect(calendarParts('monthly')).toEqual(['monthOfYear']);
    expect(calendarParts('yearly')).toEqual([]);
  });
});

describe('encodeSeries', () => {
  it('one-hot encodes a categorical static and future column from the CSV, and names the series whose future values are short', async () => {
    const p = await readPanelCsv(
      { text: sampleCsv('store-promo', { rows: 800 }) },
      { target: 'sales', idColumn: 'store', timeColumn: 'date', features: ['promo', 'store_type'], categorical: 'auto' },
    );
    const c = fitCovariates(p, { futureFeatures: ['promo'], staticFeatures: ['store_type'], calendar: false });
    const s = p.series[1]!;
    const future = new Map([[s.id, { columns: { promo: [1, 0] }, source: 'future.csv' }]]);
    const enc = encodeSeries(c, p, s, { values: future, horizon: 2 });
    const type = p.categoricalLevels!.store_type![s.categorical!.store_type![0]!]!;
    expect(Array.from(enc.statics)).toEqual(c.levels.store_type!.map((l) => (l === type ? 1 : 0)));
    expect(Array.from(enc.channels[0]!.subarray(s.values.length))).toEqual([1, 0]);
    expect(() => encodeSeries(c, p, s, { values: future, horizon: 3 })).toThrow(
      `future.csv: series "${s.id}" has 2 future value(s) of "promo", the forecast needs 3`,
    );
    expect(() => encodeSeries(c, p, p.series[0]!, { values: future, horizon: 2 })).toThrow(`series "${p.series[0]!.id}" has no future values`);
  });

  it('writes the window and the horizon of a future column beside the target, padded in front', () => {
    const p = panel([series('a', [1, 2, 3, 4, 5, 6], { promo: [0, 0, 1, 0, 1, 1] })], ['promo']);
    const c = fitCovariates(p, { futureFeatures: ['promo'] });
    const d = covariateDims(c);
    const shape = { window: 4, patch: 1, horizon: 2, season: 1 };
    const out = covariateBatch(d, 1, shape);
    writeCovariates(encodeSeries(c, p, p.series[0]!), channelModes(c), d, 3, shape, { level: 0, scale: 1 }, 0, out);
    expect(Array.from(out.window)).toEqual([0, 0, 0, 1]);
    expect(Array.from(out.horizon)).toEqual([0, 1]);
  });
});
