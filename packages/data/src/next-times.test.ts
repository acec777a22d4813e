import { describe, expect, it } from 'vitest';
import { nextDates, nextTimes } from './dates.js';

describe('nextTimes: forecast dates following a panel series’ own frequency', () => {
  it('integer time columns continue as integers, by their usual step', () => {
    expect(nextTimes(['1', '2', '3', '4'], 3)).toEqual(['5', '6', '7']);
    expect(nextTimes(['0', '7', '14', '21', '28'], 2)).toEqual(['35', '42']);
  });

  it('a Mon–Fri series continues Mon–Fri; monthly stays monthly; quarters stay quarters', () => {
    // Wed 2024-01-03 .. Fri 2024-01-12 without the weekend: next are Mon 15, Tue 16, Wed 17.
    const week = ['2024-01-03', '2024-01-04', '2024-01-05', '2024-01-08', '2024-01-09', '2024-01-10', '2024-01-11', '2024-01-12'];
    expect(nextTimes(week, 3)).toEqual(['2024-01-15', '2024-01-16', '2024-01-17']);
    expect(nextTimes(['2023-11-01', '2023-12-01', '2024-01-01'], 2)).toEqual(['2024-02-01', '2024-03-01']);
    expect(nextTimes(['2023-10', '2023-11', '2023-12'], 2)).toEqual(['2024-01', '2024-02']);
    expect(nextDates(['2023-01-01', '2023-04-01', '2023-07-01', '2023-10-01'], 2)).toEqual(['2024-01-01', '2024-04-01']);
  });

  it('other date layouts are continued and written as ISO dates; hours keep their step', () => {
    expect(nextTimes(['1/30/2024', '1/31/2024', '2/1/2024', '2/2/2024', '2/5/2024'], 2)).toEqual(['2024-02-06', '2024-02-07']);
    expect(nextTimes(['2024-01-01 22:00', '2024-01-01 23:00'], 2)).toEqual(['2024-01-02 00:00', '2024-01-02 01:00']);
  });

  it('null when the cells give no spacing', () => {
    expect(nextTimes(null, 2)).toBeNull();
    expect(nextTimes(['5'], 2)).toBeNull();
    expect(nextTimes(['3', '3'], 2)).toBeNull();
    expect(nextTimes(['a', 'b'], 2)).toBeNull();
  });
});
