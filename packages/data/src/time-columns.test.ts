import { describe, expect, it } from 'vitest';
import { isSeqcastError, type SeqcastError } from '@seqcast/core';
import { formatInspection, inspectCsv } from './inspect.js';
import { readPanelCsv } from './panel.js';
import { readCsv } from './read.js';
import { sampleCsv } from './samples.js';
import { composeTimestamp, detectTimeColumns } from './time-columns.js';

async function fails(p: Promise<unknown>): Promise<SeqcastError> {
  try {
    await p;
  } catch (e) {
    if (isSeqcastError(e)) return e;
    throw e;
  }
  throw new Error('expected a SeqcastError');
}

// Two days of hourly rows, listed newest first so that ordering by the combined time is visible.
const hourly = ['No,year,month,day,hour,value'];
for (let t = 47; t >= 0; t--) hourly.push(`${t + 1},2010,1,${1 + Math.floor(t / 24)},${t % 24},${t * 10}`);
const HOURLY = hourly.join('\n') + '\n';

describe('time split across columns', () => {
  it('composes ISO cells from any prefix of year, month, day, hour, minute', () => {
    expect(composeTimestamp(['2010'])).toBe('2010');
    expect(composeTimestamp(['2010', '3'])).toBe('2010-03');
    expect(composeTimestamp(['2010', '3', '7'])).toBe('2010-03-07');
    expect(composeTimestamp(['2010', '3', '7', '5'])).toBe('2010-03-07 05:00');
    expect(composeTimestamp(['2010', '3', '7', '5', '30'])).toBe('2010-03-07 05:30');
    expect(composeTimestamp(['2010', '13', '7'])).toBe('year=2010 month=13 day=7');
  });

  it('finds year, month, day[, hour[, minute]] by name, any case, and nothing less', () => {
    expect(detectTimeColumns(['No', 'year', 'month', 'day', 'hour', 'pm2.5'])).toEqual(['year', 'month', 'day', 'hour']);
    expect(detectTimeColumns(['Year', 'Month', 'Day', 'value'])).toEqual(['Year', 'Month', 'Day']);
    expect(detectTimeColumns(['Year', 'Month', 'value'])).toBeNull();
    expect(detectTimeColumns(['year', 'value'])).toBeNull();
  });

  it('readCsv combines the columns into ordered dates instead of taking `year` alone', async () => {
    const s = await readCsv({ text: HOURLY });
    expect(s.timeColumns).toEqual(['year', 'month', 'day', 'hour']);
    expect(s.dateColumn).toBe('year+month+day+hour');
    expect(s.order).toBe('newest-first');
    expect(s.dates!.slice(0, 2)).toEqual(['2010-01-01 00:00', '2010-01-01 01:00']);
    expect(Array.from(s.values.value!.slice(0, 3))).toEqual([0, 10, 20]);
    expect(s.columns).toEqual(['No', 'value']);
    expect(s.dateIssues).toEqual([]);
  });

  it('a real date column beside year, month, day columns stays the date column', async () => {
    const s = await readCsv({ text: 'Date,year,month,day,v\n2020-01-02,2020,1,2,2\n2020-01-01,2020,1,1,1\n' });
    expect(s.dateColumn).toBe('Date');
    expect(s.timeColumns).toBeNull();
  });

  it('an explicit timeColumns prefix wins; dateColumn: null turns detection off', async () => {
    const daily = await readCsv({ text: HOURLY }, { timeColumns: ['year', 'month', 'day'] });
    expect(daily.dates![0]).toBe('2010-01-01');
    expect(daily.dateIssues.filter((d) => d.kind === 'duplicate-date')).toHaveLength(46);
    const none = await readCsv({ text: HOURLY }, { dateColumn: null });
    expect(none.timeColumns).toBeNull();
    expect(none.columns).toContain('year');
  });

  it('a part out of range is a bad date with its file line; an unknown column is named', async () => {
    const e = await fails(readCsv({ text: 'year,month,day,v\n2010,1,1,1\n2010,13,2,2\n' }));
    expect(e.message).toBe(
      '<text>:3: date column "year+month+day": "year=2010 month=13 day=2" is not a date (1 bad in all; choose missing: drop to skip such rows)',
    );
    const u = await fails(readCsv({ text: HOURLY }, { timeColumns: ['year', 'mnth'] }));
    expect(u.message).toMatch(/^timeColumns: "mnth" is not a column of <text> \(columns: No, year, month, day, hour, value\)$/);
  });

  it('inspect says which columns it combined; the air-quality layout is hourly, not "by year"', async () => {
    const r = await inspectCsv({ text: sampleCsv('hourly-weather', { rows: 72 }) });
    expect(r.timeColumns).toEqual(['year', 'month', 'day', 'hour']);
    expect(r.dateColumn).toBe('year+month+day+hour');
    expect(r.dateIssues).toEqual([]);
    const text = formatInspection(r).join('\n');
    expect(text).toContain('date column year+month+day+hour (2010-01-01 00:00 .. 2010-01-03 23:00)');
    expect(text).toContain('order       oldest-first (by year+month+day+hour)');
    expect(text).toContain('time        combined from columns year, month, day, hour');
  });

  it('panels take timeColumns, and the joined name as timeColumn reads the same way', async () => {
    const text = 'id,year,month,day,v\na,2020,1,2,2\nb,2020,1,1,10\na,2020,1,1,1\nb,2020,1,2,20\n';
    const p = await readPanelCsv({ text }, { target: 'v', idColumn: 'id', timeColumns: ['year', 'month', 'day'] });
    expect(p.timeColumn).toBe('year+month+day');
    expect(p.series.map((s) => [s.id, Array.from(s.values), s.times])).toEqual([
      ['b', [10, 20], ['2020-01-01', '2020-01-02']],
      ['a', [1, 2], ['2020-01-01', '2020-01-02']],
    ]);
    const again = await readPanelCsv({ text }, { target: 'v', idColumn: 'id', timeColumn: p.timeColumn });
    expect(again.series.map((s) => s.times)).toEqual(p.series.map((s) => s.times));
    const e = await fails(readPanelCsv({ text }, { target: 'v', idColumn: 'id', features: ['day'], timeColumns: ['year', 'month', 'day'] }));
    expect(e.message).toBe('time column "day" is also the target, a feature or the id');
  });
});
