import { describe, expect, it } from 'vitest';
import { describeFrequency, inferFrequency } from './frequency.js';

function dates(start: string, n: number, step: (d: Date) => void, fmt: (d: Date) => string = (d) => d.toISOString().slice(0, 10)): string[] {
  const d = new Date(start);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(fmt(d));
    step(d);
  }
  return out;
}
const hours = (d: Date) => d.setUTCHours(d.getUTCHours() + 1);
const days = (k: number) => (d: Date) => d.setUTCDate(d.getUTCDate() + k);
const months = (k: number) => (d: Date) => d.setUTCMonth(d.getUTCMonth() + k);
const iso16 = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');

describe('inferFrequency', () => {
  it('names the usual frequencies and their seasons', () => {
    const f = (ds: string[]) => {
      const r = inferFrequency(ds);
      return r && [r.frequency, r.season, r.gaps.count];
    };
    expect(f(dates('2010-01-01T00:00Z', 100, hours, iso16))).toEqual(['hourly', 24, 0]);
    expect(f(dates('2010-01-01T00:00Z', 100, (d) => d.setUTCMinutes(d.getUTCMinutes() + 15), iso16))).toEqual(['every 15 minutes', 96, 0]);
    expect(f(dates('2010-01-01', 100, days(1)))).toEqual(['daily', 7, 0]);
    expect(f(dates('2010-01-01', 50, days(7)))).toEqual(['weekly', 1, 0]);
    expect(f(dates('2010-01-01', 120, days(7)))).toEqual(['weekly', 52, 0]);
    expect(f(dates('2010-01-15', 30, months(1)).map((d) => d.slice(0, 7)))).toEqual(['monthly', 12, 0]);
    expect(f(dates('2010-01-01', 30, months(1)))).toEqual(['monthly', 12, 0]);
    expect(f(dates('2010-01-01', 30, months(3)))).toEqual(['quarterly', 4, 0]);
    expect(f(dates('2010-01-01', 30, months(12)))).toEqual(['yearly', 1, 0]);
    expect(inferFrequency(['1990', '1991', '1992', '1993'], { loose: true })?.frequency).toBe('yearly');
  });

  it('business days: weekend gaps are regular, a missing weekday is a gap', () => {
    const weekdays = dates('2021-01-04', 60, days(1)).filter((d) => ![0, 6].includes(new Date(d).getUTCDay()));
    expect(inferFrequency(weekdays)).toEqual({ frequency: 'business-daily', season: 5, gaps: { count: 0, first: [] } });
    const holiday = weekdays.filter((d) => d !== '2021-01-13');
    expect(inferFrequency(holiday)?.gaps).toEqual({ count: 1, first: [{ from: '2021-01-12', to: '2021-01-14' }] });
  });

  it('reports irregular gaps and says so in one line', () => {
    const ds = dates('2010-01-01T00:00Z', 48, hours, iso16).filter((d) => !d.endsWith('05:00') && !d.endsWith('06:00'));
    const r = inferFrequency(ds)!;
    expect(r.frequency).toBe('hourly');
    expect(r.gaps.count).toBe(2);
    expect(describeFrequency(r)).toBe(
      'season 24 inferred from the dates (hourly; 2 irregular gaps, first 2010-01-01 04:00 -> 2010-01-01 07:00, 2010-01-02 04:00 -> 2010-01-02 07:00)',
    );
  });

  it('no dates, too few, or steps of no known frequency: null', () => {
    expect(inferFrequency(['1', '2', '3', '4'])).toBeNull();
    expect(inferFrequency(null)).toBeNull();
    expect(inferFrequency(['2010-01-01', '2010-01-02'])).toBeNull();
    expect(inferFrequency(dates('2010-01-01', 20, days(11)))).toBeNull();
  });
});
