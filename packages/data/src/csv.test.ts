import { describe, expect, it } from 'vitest';
import { seededRandom } from '@seqcast/core';
import { MISSING, RecordSplitter, TEXT, parseCell, parsePlainDecimal, splitQuoted } from './csv.js';

describe('parsePlainDecimal', () => {
  it('returns exactly what Number() returns for plain decimals (random and edge cases)', () => {
    const rand = seededRandom(7);
    const cases = ['0', '-0', '007', '1.', '.5', '+5', '-12.345', '828.659973', '11164900', '999999999999999', '0.0000000000000000000001'];
    for (let i = 0; i < 20_000; i++) {
      const intDigits = Math.floor(rand() * 9);
      const fracDigits = Math.floor(rand() * 9);
      let s = rand() < 0.3 ? '-' : '';
      for (let k = 0; k < intDigits; k++) s += Math.floor(rand() * 10);
      if (fracDigits > 0 || rand() < 0.1) s += '.';
      for (let k = 0; k < fracDigits; k++) s += Math.floor(rand() * 10);
      cases.push(s);
    }
    for (const s of cases) {
      const line = `x,${s},y`;
      const v = parsePlainDecimal(line, 2, 2 + s.length);
      const expected = Number(s);
      if (v === undefined) {
        // Declined: no digit at all, or too many digits for the exact path (parseCell handles it).
        expect(/\d/.test(s) === false || s.replace(/^[-+]?0*/, '').replace('.', '').length > 15).toBe(true);
      } else {
        expect(Object.is(v, expected)).toBe(true);
      }
    }
  });

  it('declines anything that is not a plain decimal', () => {
    for (const s of ['', '-', '.', '1e5', ' 1', '1 ', '0x1F', '1,5', 'NaN', '1.2.3', '12345678901234567']) {
      expect(parsePlainDecimal(s, 0, s.length)).toBeUndefined();
    }
  });
});

describe('parseCell', () => {
  it('classifies numbers, missing markers and text', () => {
    const out = { kind: 0 };
    expect(parseCell(' 1e3 ', false, out)).toBe(1000);
    expect(out.kind).toBe(0);
    for (const m of ['', '  ', 'NA', 'n/a', 'null', 'NaN', '-', '?']) {
      parseCell(m, false, out);
      expect(out.kind).toBe(MISSING);
    }
    for (const t of ['abc', '0x1F', 'Infinity', '1,5', '$12']) {
      parseCell(t, false, out);
      expect(out.kind).toBe(TEXT);
    }
    expect(parseCell('1,5', true, out)).toBe(1.5);
  });
});

describe('RecordSplitter', () => {
  it('tracks lines across chunks, comments, blank lines, CR-only files and multi-line quotes', () => {
    const got: [string[], number][] = [];
    const comments: number[] = [];
    const sp = new RecordSplitter(
      ',',
      (f, l) => got.push([f, l]),
      (_t, l) => comments.push(l),
    );
    for (const ch of ['# c\r', '\na,b\r\n\r\n"x\n', 'y",2\n', '3,4']) sp.push(ch);
    expect(sp.end()).toBe(0);
    expect(got).toEqual([
      [['a', 'b'], 2],
      [['x\ny', '2'], 4],
      [['3', '4'], 6],
    ]);
    expect(comments).toEqual([1]);
    const cr: number[] = [];
    const sp2 = new RecordSplitter(',', (_f, l) => cr.push(l), undefined, '\r');
    sp2.push('a,b\r1,2\r3,4');
    sp2.end();
    expect(cr).toEqual([1, 2, 3]);
  });

  it('a long line arriving in many chunks is joined once', () => {
    const got: [number, number][] = [];
    const sp = new RecordSplitter(',', (f, l) => got.push([f.length, l]));
    sp.push('a,b\n');
    const t0 = performance.now();
    for (let i = 0; i < 500; i++) sp.push('1,'.repeat(5000));
    sp.push('1\n2,3');
    sp.end();
    expect(got).toEqual([
      [2, 1],
      [2_500_001, 2],
      [2, 3],
    ]);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('splits quoted records per RFC 4180', () => {
    expect(splitQuoted('"a ""b""",  "c,d" ,e,', ',')).toEqual(['a "b"', 'c,d', 'e', '']);
  });
});
