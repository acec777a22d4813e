import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isSeqcastError, type SeqcastError } from '@seqcast/core';
import { readCsv, type ReadCsvOptions } from './read.js';
import { sampleCsv } from './samples.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'seqcast-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function file(content: string | Buffer): string {
  const p = path.join(tmp, `t${n++}.csv`);
  writeFileSync(p, content);
  return p;
}

async function fails(p: Promise<unknown>): Promise<SeqcastError> {
  try {
    await p;
  } catch (e) {
    if (isSeqcastError(e)) return e;
    throw e;
  }
  throw new Error('expected a SeqcastError');
}

describe("the classic files' layouts (seeded samples of them)", () => {
  it('stock-daily: commented header, CRLF, newest-first', async () => {
    const text = sampleCsv('stock-daily');
    const cells = (line: number) => text.split('\r\n')[line - 1]!.split(',').map(Number);
    const asGiven = await readCsv({ path: file(text) });
    expect(asGiven.rows).toBe(732);
    expect(asGiven.columns).toEqual(['Open', 'High', 'Low', 'Volume', 'Close']);
    expect(asGiven.headerKind).toBe('comment');
    expect(asGiven.dateColumn).toBeNull();
    expect(asGiven.order).toBe('unknown');
    expect(asGiven.lines[0]).toBe(3); // two comment lines come first
    expect(asGiven.values.Close![0]).toBe(cells(3)[4]);

    const s = await readCsv({ path: file(text) }, { newestFirst: true });
    expect(s.order).toBe('newest-first');
    expect(s.lines[0]).toBe(734);
    expect(s.lines[731]).toBe(3);
    // The oldest row is the file's last line.
    const [open, , , volume] = cells(734);
    expect(s.values.Open![0]).toBe(open);
    expect(s.values.Volume![0]).toBe(volume);
    expect(s.values.Close![731]).toBe(cells(3)[4]);
    expect(s.missing).toEqual([]);
  });

  it('monthly-sales: quoted header and month dates', async () => {
    const text = sampleCsv('monthly-sales');
    const s = await readCsv({ path: file(text) });
    expect(s.rows).toBe(108);
    expect(s.columns).toEqual(['Sales']);
    expect(s.dateColumn).toBe('Month');
    expect(s.order).toBe('oldest-first');
    expect(s.dates![0]).toBe('1960-01');
    expect(s.dates![107]).toBe('1968-12');
    expect(s.values.Sales![0]).toBe(Number(text.split('\r\n')[1]!.split(',')[1]));
    expect(s.lines[0]).toBe(2);
    expect(s.dateIssues).toEqual([]);
  });

  it('daily-births: quoted ISO dates', async () => {
    const text = sampleCsv('daily-births');
    const last = text.split('\r\n').at(-1)!;
    const s = await readCsv({ path: file(text) });
    expect(s.rows).toBe(365);
    expect(s.dateColumn).toBe('Date');
    expect(s.order).toBe('oldest-first');
    expect(s.dates![364]).toBe('1959-12-31');
    expect(s.values.Births![364]).toBe(Number(last.split(',')[1]));
    expect(s.lines[364]).toBe(366);
  });

  it('the same seed gives the same file, another seed another', () => {
    expect(sampleCsv('monthly-sales', { seed: 3 })).toBe(sampleCsv('monthly-sales', { seed: 3 }));
    expect(sampleCsv('monthly-sales', { seed: 3 })).not.toBe(sampleCsv('monthly-sales', { seed: 4 }));
    expect(sampleCsv('daily-births', { rows: 10 }).split('\r\n')).toHaveLength(11);
  });
});

describe('layout', () => {
  it('commented header with CRLF and trailing blank lines', async () => {
    const s = await readCsv({ path: file('# exported by broker\r\n# Open,High,Close\r\n1,2,3\r\n4,5,6\r\n\r\n\r\n') });
    expect(s.columns).toEqual(['Open', 'High', 'Close']);
    expect(s.headerKind).toBe('comment');
    expect(Array.from(s.lines)).toEqual([3, 4]);
    expect(Array.from(s.values.Close!)).toEqual([3, 6]);
  });

  it('BOM before a normal header', async () => {
    const s = await readCsv({ path: file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a,b\n1,2\n3,4\n')])) });
    expect(s.columns).toEqual(['a', 'b']);
    expect(s.headerKind).toBe('row');
    expect(Array.from(s.values.a!)).toEqual([1, 3]);
  });

  it('UTF-16 files (Excel "Unicode text": BOM, tabs, CRLF) are decoded', async () => {
    const p = file(Buffer.from('\ufeffDate\tClose\r\n2020-01-01\t1.5\r\n2020-01-02\t2\r\n', 'utf16le'));
    const s = await readCsv({ path: p });
    expect(s.delimiter).toBe('\t');
    expect(Array.from(s.values.Close!)).toEqual([1.5, 2]);
    expect(Array.from(s.lines)).toEqual([2, 3]);
  });

  it('a failing stream is a one-line BAD_INPUT', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('socket hang up'));
      },
    });
    const e = await fails(readCsv({ stream: broken }));
    expect(e.message).toBe('<stream>: read failed (socket hang up)');
  });

  it('no header names columns col0..', async () => {
    const s = await readCsv({ text: '1,2,3\n4,5,6\n' });
    expect(s.columns).toEqual(['col0', 'col1', 'col2']);
    expect(s.headerKind).toBe('none');
    expect(Array.from(s.lines)).toEqual([1, 2]);
  });

  it('quoted fields: delimiters and newlines inside quotes keep later line numbers right', async () => {
    const text = '"name","v"\n"a, with comma",1\n"two\nlines",2\n"say ""hi""",3\n';
    const s = await readCsv({ text });
    expect(s.columns).toEqual(['v']);
    expect(s.ignored).toEqual(['name']); // a text-only column is left out, not an error
    expect(Array.from(s.values.v!)).toEqual([1, 2, 3]);
    expect(Array.from(s.lines)).toEqual([2, 3, 5]);
  });

  it('semicolons with decimal commas, and tabs, are detected; a given delimiter wins', async () => {
    const semi = await readCsv({ text: 'Date;Open;Close\n2020-01-01;1,5;2,25\n2020-01-02;3,5;4\n' });
    expect(semi.delimiter).toBe(';');
    expect(Array.from(semi.values.Open!)).toEqual([1.5, 3.5]);
    expect(Array.from(semi.values.Close!)).toEqual([2.25, 4]);
    const tab = await readCsv({ text: 'x\ty\n1\t2\n3\t4\n' });
    expect(tab.delimiter).toBe('\t');
    expect(Array.from(tab.values.y!)).toEqual([2, 4]);
    const text = 'a;b,c\n1;2,3\n4;5,6\n';
    const detected = await readCsv({ text });
    expect(detected.delimiter).toBe(';');
    expect(Array.from(detected.values['b,c']!)).toEqual([2.3, 5.6]);
    const given = await readCsv({ text }, { delimiter: ',' });
    expect(given.delimiter).toBe(',');
    expect(given.ignored).toEqual(['a;b']);
    expect(Array.from(given.values.c!)).toEqual([3, 6]);
  });

  it('a stream split at awkward places (inside quotes, inside a multi-byte char) reads the same as text', async () => {
    const text = 'Date,Note,Value\n"2020-01-03","é, ü",3\n"2020-01-01","x\ny",1\n"2020-01-02","z",2\n';
    const bytes = Buffer.from(text);
    const chunks = [bytes.subarray(0, 21), bytes.subarray(21, 30), bytes.subarray(30, 47), bytes.subarray(47)];
    const fromStream = await readCsv({ stream: Readable.from(chunks) });
    const fromText = await readCsv({ text });
    expect(fromStream.source).toBe('<stream>');
    expect(Array.from(fromStream.values.Value!)).toEqual([1, 2, 3]);
    expect(Array.from(fromStream.lines)).toEqual(Array.from(fromText.lines));
    expect(Array.from(fromStream.lines)).toEqual([3, 5, 2]);
  });

  it('a file larger than the detection sample streams through with correct lines', async () => {
    const rows = 20_000;
    const parts = ['# generated\n', 't,a,b\n'];
    for (let i = 0; i < rows; i++) parts.push(`${i},${i * 0.5},${(i % 7) - 3}\n`);
    const s = await readCsv({ path: file(parts.join('')) });
    expect(s.rows).toBe(rows);
    expect(s.lines[rows - 1]).toBe(rows + 2);
    expect(s.values.a![12345]).toBe(12345 * 0.5);
  });
});

describe('{text} is content, never a path or URL', () => {
  it('parses "/etc/passwd", a URL and an existing CSV path as CSV text', async () => {
    const fetchSpy = vi.fn();
    vi.stubGlobal('fetch', fetchSpy);
    try {
      for (const text of ['/etc/passwd', 'http://127.0.0.1/x', file(sampleCsv('daily-births'))]) {
        const e = await fails(readCsv({ text }));
        expect(e.code).toBe('BAD_INPUT');
        expect(e.message).toMatch(/^<text>:1: /);
      }
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('time order', () => {
  it('quoted dates out of order are sorted oldest-first; lines follow their rows', async () => {
    const s = await readCsv({ text: '"Date","v"\n"2020-01-03",3\n"2020-01-01",1\n"2020-01-02",2\n' });
    expect(s.dateColumn).toBe('Date');
    expect(s.order).toBe('unknown');
    expect(s.dates).toEqual(['2020-01-01', '2020-01-02', '2020-01-03']);
    expect(Array.from(s.values.v!)).toEqual([1, 2, 3]);
    expect(Array.from(s.lines)).toEqual([3, 4, 2]);
  });

  it('newest-first dates are reported as such and reversed; duplicates cite both lines', async () => {
    const s = await readCsv({ text: 'month,v\n1960-03,3\n1960-02,2\n1960-02,2.5\n1960-01,1\n' });
    expect(s.order).toBe('newest-first');
    expect(Array.from(s.values.v!)).toEqual([1, 2.5, 2, 3]);
    expect(s.dateIssues).toEqual([{ kind: 'duplicate-date', line: 4, value: '1960-02', firstLine: 3 }]);
  });

  it('day-first dates are recognised from the column', async () => {
    const s = await readCsv({ text: 'Datum;Wert\n13.01.2021;2\n12.01.2021;1\n' });
    expect(s.dateColumn).toBe('Datum');
    expect(s.dates).toEqual(['12.01.2021', '13.01.2021']);
  });

  it('duplicate dates are kept and reported with both lines', async () => {
    const s = await readCsv({ text: 'Date,v\n2020-01-01,1\n2020-01-02,2\n2020-01-02,3\n' });
    expect(s.rows).toBe(3);
    expect(s.dateIssues).toEqual([{ kind: 'duplicate-date', line: 4, value: '2020-01-02', firstLine: 3 }]);
  });

  it('an unparsable date is an error naming its line, or a dropped and reported row', async () => {
    const text = 'Date,v\n2020-01-01,1\n2020-02-30,2\nsoon,3\n2020-01-03,4\n';
    const e = await fails(readCsv({ text }));
    expect(e.message).toBe('<text>:3: date column "Date": "2020-02-30" is not a date (2 bad in all; choose missing: drop to skip such rows)');
    const s = await readCsv({ text }, { missing: 'drop' });
    expect(s.rows).toBe(2);
    expect(s.dateIssues.map((d) => [d.kind, d.line])).toEqual([
      ['bad-date', 3],
      ['bad-date', 4],
    ]);
  });

  it('dateColumn: null keeps a date-looking column out and order as given', async () => {
    const s = await readCsv({ text: 'when,v\n2020-01-02,2\n2020-01-01,1\n' }, { dateColumn: null, columns: ['v'] });
    expect(s.dateColumn).toBeNull();
    expect(Array.from(s.values.v!)).toEqual([2, 1]);
  });
});

describe('columns and cells', () => {
  it('a text cell in a numeric column names the column and the file line', async () => {
    const p = file('# note\nOpen,Close\n1,2\n3,n/a?\n');
    const e = await fails(readCsv({ path: p }));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toBe(`${p}:4: column "Close": "n/a?" is not a number`);
  });

  it('explicit columns: only those are parsed; unknown names list the available ones', async () => {
    const text = 'sym,Open,Close\nAAPL,1,2\nAAPL,3,4\n';
    const s = await readCsv({ text }, { columns: ['Close'] });
    expect(s.columns).toEqual(['Close']);
    const e = await fails(readCsv({ text }, { columns: ['Volume'] }));
    expect(e.message).toBe('unknown column "Volume" in <text> (available: sym, Open, Close)');
    const t = await fails(readCsv({ text }, { columns: ['sym'] }));
    expect(t.message).toBe('<text>:2: column "sym": "AAPL" is not a number');
  });

  it('extra cells are an error naming the line; a trailing delimiter is not', async () => {
    expect((await readCsv({ text: 'a,b\n1,2,\n3,4,\n' })).rows).toBe(2);
    const e = await fails(readCsv({ text: 'a,b\n1,2\n3,4,5\n' }));
    expect(e.message).toBe('<text>:3: row has 3 cells but the header has 2 (a, b)');
  });

  const gaps = 'Date,a,b\n2020-01-04,4,40\n2020-01-03,,30\n2020-01-02,2,NA\n2020-01-01,1,10\n';

  it('missing cells: error (default) names the first one', async () => {
    const e = await fails(readCsv({ text: gaps }));
    expect(e.message).toBe('<text>:3: column "a" has a missing cell (2 missing in all; choose missing: drop or ffill)');
  });

  it('missing cells: drop removes the rows and still reports them', async () => {
    const s = await readCsv({ text: gaps }, { missing: 'drop' });
    expect(s.dates).toEqual(['2020-01-01', '2020-01-04']);
    expect(s.droppedRows).toBe(2);
    expect(s.missing).toEqual([
      { column: 'a', line: 3 },
      { column: 'b', line: 4 },
    ]);
  });

  it('missing cells: ffill carries the OLDER value forward in time, not file order', async () => {
    const s = await readCsv({ text: gaps }, { missing: 'ffill' });
    expect(Array.from(s.values.a!)).toEqual([1, 2, 2, 4]);
    expect(Array.from(s.values.b!)).toEqual([10, 10, 30, 40]);
    expect(s.missing).toHaveLength(2);
  });

  it('missing cells: ffill drops leading rows with nothing to carry; short rows count as missing', async () => {
    const s = await readCsv({ text: 'a,b\n1\n2,20\n3\n' }, { missing: 'ffill' });
    expect(s.missing).toEqual([
      { column: 'b', line: 2 },
      { column: 'b', line: 4 },
    ]);
    expect(Array.from(s.values.b!)).toEqual([20, 20]);
    expect(Array.from(s.lines)).toEqual([3, 4]);
  });

  it('missing cells: keep leaves NaN', async () => {
    const s = await readCsv({ text: gaps }, { missing: 'keep' });
    expect(s.rows).toBe(4);
    expect(Number.isNaN(s.values.a![2]!)).toBe(true);
  });
});

describe('unusable input', () => {
  const cases: [string, string, ReadCsvOptions, RegExp][] = [
    ['empty file', '', {}, /: empty input \(no rows\)$/],
    ['blank lines only', '\r\n\r\n', {}, /: empty input \(no rows\)$/],
    ['comments only', '# a\n# b\n', {}, /: no data rows \(only comments or blank lines\)$/],
    ['header only', 'a,b\n', {}, /:1: header only, no data rows$/],
    ['no numeric column', 'Date,name\n2020-01-01,x\n2020-01-02,y\n', {}, /: no numeric column \(columns: Date, name; date column Date\)$/],
    ['unterminated quote', 'a,b\n1,"2\n3,4\n', {}, /:2: unterminated quoted field$/],
  ];
  for (const [name, content, opts, re] of cases) {
    it(name, async () => {
      const p = file(content);
      const e = await fails(readCsv({ path: p }, opts));
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message).toMatch(re);
      expect(e.message.startsWith(p)).toBe(true);
      expect(e.message).not.toContain('\n');
    });
  }

  it('a missing file is NOT_FOUND', async () => {
    const e = await fails(readCsv({ path: path.join(tmp, 'nope.csv') }));
    expect(e.code).toBe('NOT_FOUND');
  });
});
