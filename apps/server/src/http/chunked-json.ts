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
