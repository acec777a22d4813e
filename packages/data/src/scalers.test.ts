import { describe, expect, it } from 'vitest';
import { errorOf } from '@seqcast/core/testing';
import { MinMaxScaler, StandardScaler, scalerFromJSON, type ScalerJSON } from './scalers.js';

const table = {
  values: {
    a: Float64Array.from([1, 3, 5, 100, -50]),
    flat: Float64Array.from([7, 7, 7, 7, 7]),
    gap: Float64Array.from([2, NaN, 4, 9, 9]),
  },
};
const train = { start: 0, end: 3 };

describe('MinMaxScaler', () => {
  it('fits on the given rows only and maps them to [0, 1]', () => {
    const sc = new MinMaxScaler().fit(table, { columns: ['a'], range: train });
    expect(sc.min).toEqual([1]);
    expect(sc.max).toEqual([5]);
    expect(Array.from(sc.transform('a', table.values.a))).toEqual([0, 0.5, 1, 24.75, -12.75]);
  });

  it('inverts exactly, also into float32 output', () => {
    const sc = new MinMaxScaler([-1, 1]).fit(table, { columns: ['a'], range: train });
    const f32 = sc.transform('a', table.values.a, new Float32Array(5));
    expect(f32).toBeInstanceOf(Float32Array);
    const back = sc.inverseTransform('a', sc.transform('a', table.values.a));
    back.forEach((v, i) => expect(v).toBeCloseTo(table.values.a[i]!, 10));
    expect(sc.inverseValue('a', sc.transformValue('a', 42))).toBeCloseTo(42, 10);
  });

  it('a constant column does not divide by zero and still inverts', () => {
    const sc = new MinMaxScaler().fit(table, { columns: ['flat'] });
    expect(Array.from(sc.transform('flat', table.values.flat))).toEqual([0, 0, 0, 0, 0]);
    expect(sc.inverseValue('flat', 0)).toBe(7);
    expect(sc.toJSON()).toEqual({ kind: 'minmax', columns: ['flat'], min: [7], max: [7], range: [0, 1] });
  });

  it('skips NaN cells when fitting', () => {
    const sc = new MinMaxScaler().fit(table, { columns: ['gap'], range: train });
    expect([sc.min[0], sc.max[0]]).toEqual([2, 4]);
  });
});

describe('StandardScaler', () => {
  it('uses the training mean/std; a constant column maps to 0', () => {
    const sc = new StandardScaler().fit(table, { columns: ['a', 'flat'], range: train });
    expect(sc.mean[0]).toBeCloseTo(3, 12);
    expect(sc.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(sc.std[1]).toBe(0);
    expect(Array.from(sc.transform('flat', table.values.flat))).toEqual([0, 0, 0, 0, 0]);
    expect(sc.inverseValue('a', sc.transformValue('a', -3))).toBeCloseTo(-3, 10);
  });
});

describe('JSON round trip', () => {
  for (const make of [() => new MinMaxScaler(), () => new StandardScaler()]) {
    it(`${make().constructor.name} survives JSON.stringify/scalerFromJSON`, () => {
      const sc = make().fit(table, { columns: ['a', 'flat'], range: train });
      const json = JSON.parse(JSON.stringify(sc)) as ScalerJSON;
      const back = scalerFromJSON(json);
      expect(back.toJSON()).toEqual(sc.toJSON());
      for (const c of ['a', 'flat']) {
        expect(Array.from(back.transform(c, table.values[c as 'a']))).toEqual(Array.from(sc.transform(c, table.values[c as 'a'])));
      }
    });
  }
});

describe('mistakes', () => {
  it('unknown columns, empty ranges, unfitted use and foreign JSON are one-line errors', () => {
    expect(errorOf(() => new MinMaxScaler().fit(table, { columns: ['zz'] }))).toBe('BAD_ARGUMENT: unknown column "zz" (available: a, flat, gap)');
    expect(errorOf(() => new MinMaxScaler().fit(table, { range: { start: 3, end: 3 } }))).toBe(
      'BAD_ARGUMENT: fit range [3, 3) is not a non-empty range of the 5 rows',
    );
    expect(errorOf(() => new StandardScaler().transform('a', [1]))).toBe('NOT_TRAINED: scaler used before fit()');
    expect(errorOf(() => new MinMaxScaler().fit(table, { columns: ['a'] }).transform('flat', [1]))).toBe(
      'BAD_ARGUMENT: scaler was not fitted on column "flat" (fitted: a)',
    );
    expect(errorOf(() => scalerFromJSON({ kind: 'robust' } as unknown as ScalerJSON))).toBe('BAD_MODEL: unknown scaler kind "robust"');
    expect(errorOf(() => new MinMaxScaler().fit({ values: { x: Float64Array.from([NaN, NaN]) } }))).toBe(
      'BAD_INPUT: column "x" has no numeric value in rows [0, 2) to fit on',
    );
  });
});
