/**
 * Large JSON answers written a chunk of items at a time, the event loop turning between chunks:
 * one JSON.stringify of a 10,000-series panel forecast (~6.7 MB) holds the loop for 50-300 ms.
 */
import type { Response } from 'express';
import { turn } from '../models/inference.js';

/**
 * Send `value` as JSON with status `status`, its array `key` serialised `chunk` items at a time
 * (the same bytes as `res.json(value)` with `key` moved last). Waits for the socket to drain
 * when the client reads slowly; stops if the client goes away.
 */
export async function sendChunkedJson(res: Response, status: number, value: Record<string, unknown>, key: string, chunk: number): Promise<void> {
  const { [key]: items, ...rest } = value;
  const list = items as readonly unknown[];
  const head = JSON.stringify({ ...rest, [key]: [] }); // ends in `[]}`
  res.status(status).type('application/json');
  res.write(head.slice(0, -2));
  for (let from = 0; from < list.length; from += chunk) {
    if (res.destroyed) return;
    const part = list
      .slice(from, from + chunk)
      .map((x) => JSON.stringify(x))
      .join(',');
    const more = res.write(from === 0 ? part : `,${part}`);
    if (!more) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
    else await turn();
  }
  res.end(']}');
}

/** Array items serialised between two turns of the event loop by {@link sendSlicedJson}. */
const SLICE_ITEMS = 20_000;
/** Bytes gathered before a write to the socket. */
const WRITE_BYTES = 1 << 16;

/**
 * Send `value` as JSON with status `status`, every array of more than {@link SLICE_ITEMS} items
 * serialised a slice at a time with the event loop turning between slices: the answer of
 * `POST /v1/csv` for a 1 MB CSV holds ~330,000 numbers (~10 MB of JSON, 65 ms in one
 * `JSON.stringify`). The bytes are those of `res.json(value)` for plain JSON data.
 */
export async function sendSlicedJson(res: Response, status: number, value: unknown): Promise<void> {
  res.status(status).type('application/json');
  let pending = '';
  const flush = async () => {
    if (!pending) return;
    const more = res.write(pending);
    pending = '';
    if (!more) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
  };
  const write = async (text: string) => {
    pending += text;
    if (pending.length >= WRITE_BYTES) await flush();
  };
  const emit = async (v: unknown): Promise<void> => {
    if (Array.isArray(v)) {
      if (v.length <= SLICE_ITEMS) return write(JSON.stringify(v));
      await write('[');
      for (let from = 0; from < v.length; from += SLICE_ITEMS) {
        if (res.destroyed) return;
        if (from > 0) {
          await write(',');
          await turn();
        }
        // One native stringify per slice, its brackets dropped: the same bytes as the whole array's.
        await write(JSON.stringify(v.slice(from, from + SLICE_ITEMS)).slice(1, -1));
      }
      return write(']');
    }
    if (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') return write(JSON.stringify(v) ?? 'null');
    await write('{');
    let first = true;
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue; // as JSON.stringify skips them
      await write(`${first ? '' : ','}${JSON.stringify(k)}:`);
      first = false;
      await emit(x);
    }
    return write('}');
  };
  await emit(value);
  await flush();
  res.end();
}
