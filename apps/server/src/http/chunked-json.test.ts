// Large answers are written a slice at a time: the bytes of one JSON.stringify, with the event
// loop turning in between (the answer of POST /v1/csv for a 1 MB CSV is ~10 MB of JSON).
import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { describe, expect, it } from 'vitest';
import { chunkedJson, sendSlicedJson } from './chunked-json.js';

/** A response that keeps what is written (and says the socket drained at once). */
function fakeResponse(): { res: Response; body: () => string; statusCode: () => number } {
  const chunks: string[] = [];
  let code = 0;
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    status(c: number) {
      code = c;
      return res;
    },
    type() {
      return res;
    },
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
    end(chunk?: string) {
      if (chunk) chunks.push(chunk);
    },
  });
  return { res: res as unknown as Response, body: () => chunks.join(''), statusCode: () => code };
}

describe('sendSlicedJson', () => {
  it('writes the bytes of JSON.stringify, long arrays included, skipping undefined fields as it does', async () => {
    const value = {
      columns: ['Close'],
      none: undefined,
      series: [{ id: null, rows: 50_001, dates: null, values: { Close: Array.from({ length: 50_001 }, (_, i) => i / 3) }, lines: [undefined, 2, 3] }],
      empty: [],
      nested: { a: [1, 'x', null, true], b: 'é"\\' },
    };
    const { res, body, statusCode } = fakeResponse();
    await sendSlicedJson(res, 200, value);
    expect(statusCode()).toBe(200);
    expect(body()).toBe(JSON.stringify(value));
  });

  it('lets the event loop turn between slices of a long array (a server keeps answering)', async () => {
    const { res, body } = fakeResponse();
    let turned = false;
    setImmediate(() => (turned = true));
    await sendSlicedJson(res, 200, { values: Array.from({ length: 100_000 }, (_, i) => i) });
    expect(turned).toBe(true); // one JSON.stringify would have finished before any macrotask
    expect(JSON.parse(body()).values).toHaveLength(100_000);
  });
});

describe('chunkedJson', () => {
  it('makes the bytes of JSON.stringify with the chunked array last, turning the event loop between chunks', async () => {
    const value = { target: 'y', forecasts: Array.from({ length: 1000 }, (_, i) => ({ id: `s${i}`, values: [i, i / 7] })), steps: 2 };
    let turned = false;
    setImmediate(() => (turned = true));
    const text = Buffer.concat(await chunkedJson(value, 'forecasts', 256)).toString('utf8');
    expect(turned).toBe(true);
    expect(text).toBe(JSON.stringify({ target: 'y', steps: 2, forecasts: value.forecasts }));
  });
});
