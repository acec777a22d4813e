import { describe, expect, it } from 'vitest';
import { detectDayFirst, isDateName, nextDates, parseDate } from './dates.js';

describe('parseDate', () => {
  it('accepts the ISO-like layouts, fast path and regex path alike', () => {
    expect(parseDate('1960-01')).toBe(Date.UTC(1960, 0, 1));
    expect(parseDate('1959-01-01')).toBe(Date.UTC(1959, 0, 1));
    expect(parseDate('2020-01-02 09:30')).toBe(Date.UTC(2020, 0, 2, 9, 30));
    expect(parseDate('2020-01-02T09:30:15')).toBe(Date.UTC(2020, 0, 2, 9, 30, 15));
    // Regex path: single-digit parts, slashes, fractions, zones, surrounding blanks.
    expect(parseDate(' 2020-1-2 ')).toBe(Date.UTC(2020, 0, 2));
    expect(parseDate('2020/01/02')).toBe(Date.UTC(2020, 0, 2));
    expect(parseDate('2020-01-02T09:30:15.250Z')).toBe(Date.UTC(2020, 0, 2, 9, 30, 15, 250));
    expect(parseDate('2020-01-02T10:30:00+01:00')).toBe(Date.UTC(2020, 0, 2, 9, 30));
  });

  it('day/month order: dots are day-first, slashes month-first unless told', () => {
    expect(parseDate('02.01.2020')).toBe(Date.UTC(2020, 0, 2));
    expect(parseDate('1/2/2020')).toBe(Date.UTC(2020, 0, 2));
    expect(parseDate('1/2/2020', { dayFirst: true })).toBe(Date.UTC(2020, 1, 1));
    expect(detectDayFirst(['1/2/2020', '13/2/2020'])).toBe(true);
    expect(detectDayFirst(['1/2/2020', '1/13/2020'])).toBe(false);
    expect(detectDayFirst(['13/1/2020', '1/13/2020'])).toBe('dates mix day-first and month-first layouts');
    expect(detectDayFirst(['2020-01-01'])).toBeUndefined();
  });

  it('reads English month names: month-day-year, day-month-year and month-year', () => {
    expect(parseDate('Jan 1 2000')).toBe(Date.UTC(2000, 0, 1));
    expect(parseDate('Sep 30, 2008')).toBe(Date.UTC(2008, 8, 30));
    expect(parseDate('Sept. 3 2008')).toBe(Date.UTC(2008, 8, 3));
    expect(parseDate('February 29, 2020')).toBe(Date.UTC(2020, 1, 29));
    expect(parseDate('02-Jan-2020')).toBe(Date.UTC(2020, 0, 2));
    expect(parseDate('2 jan 2020')).toBe(Date.UTC(2020, 0, 2));
    expect(parseDate('Mar 1995')).toBe(Date.UTC(1995, 2, 1));
    expect(parseDate('DECEMBER-1995')).toBe(Date.UTC(1995, 11, 1));
    for (const bad of ['Feb 30 2020', 'Ju 1 2020', 'Foo 1 2020', 'Mayo 2020', 'Jan 1', 'Jan 32 2020']) expect(parseDate(bad)).toBeNaN();
  });

  it('rejects impossible dates and numbers; bare years only when loose', () => {
    for (const bad of ['2020-02-30', '2021-02-29', '2020-13', '2020-01-01 24:00', '12.5', '35', '', 'soon']) {
      expect(parseDate(bad)).toBeNaN();
    }
    expect(parseDate('2020-02-29')).toBe(Date.UTC(2020, 1, 29));
    expect(parseDate('1959')).toBeNaN();
    expect(parseDate('1959', { loose: true })).toBe(Date.UTC(1959, 0, 1));
    expect(parseDate('19590102', { loose: true })).toBe(Date.UTC(1959, 0, 2));
  });

  it('recognises date-like header names', () => {
    expect(['Date', 'Month', 'timestamp', 'trade_date', 'Year'].every(isDateName)).toBe(true);
    expect(['Close', 'Sales', 'Births'].some(isDateName)).toBe(false);
  });
});

describe('nextDates', () => {
  it('continues daily, business-day and monthly spacing; null without ISO dates', () => {
    expect(nextDates(['1959-12-30', '1959-12-31'], 2)).toEqual(['1960-01-01', '1960-01-02']);
    // Business days (a Friday -> Monday gap, no weekend dates): Thursday, Friday -> Monday, Tuesday
    expect(nextDates(['2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07', '2020-01-08', '2020-01-09', '2020-01-10'], 2)).toEqual([
      '2020-01-13',
      '2020-01-14',
    ]);
    expect(nextDates(['2020-01-31', '2020-02-29', '2020-03-31'], 2)).toEqual(['2020-04-30', '2020-05-31']);
    expect(nextDates(['1968-11', '1968-12'], 2)).toEqual(['1969-01', '1969-02']);
    expect(nextDates(['a', 'b'], 2)).toBeNull();
    expect(nextDates(null, 2)).toBeNull();
  });
});
