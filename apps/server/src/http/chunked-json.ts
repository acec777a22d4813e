/**
 * Large JSON answers made a slice at a time, the event loop turning between slices, then written:
 * one JSON.stringify of a 10,000-series panel forecast (~6.7 MB) or of `POST /v1/csv`'s answer
 * for a 1 MB CSV (~10 MB) holds the loop for 50-300 ms.
 *
 * Making the text and writing it are two steps so that a route can make it inside the inference
 * gate (bounded CPU work, see models/inference.ts) and write it outside: a client that reads its
 * answer slowly, or never, then waits on its own socket without holding a slot every other
 * inference request needs. The text is kept as Buffers of ~256 KB (off the JS heap: a pending
 * answer adds nothing to what each young-generation GC copies).
 */
import type { Response } from 'express';
import { turn } from '../models/inference.js';

/** Bytes gathered into one Buffer (and one socket write). */
const PIECE_BYTES = 1 << 18;

/** An answer made and ready to write: its status and its JSON bytes. */
export interface JsonAnswer {
  status: number;
  pieces: Buffer[];
}

/** Collects text into ~PIECE_BYTES Buffers. */
class Pieces {
  readonly out: Buffer[] = [];
  private pending = '';

  add(text: string): void {
    this.pending += text;
    if (this.pending.length >= PIECE_BYTES) this.flush();
  }

  flush(): Buffer[] {
    if (this.pending) this.out.push(Buffer.from(this.pending));
    this.pending = '';
    return this.out;
  }
}

/**
 * `value` as JSON, its array `key` serialised `chunk` items at a time with the event loop turning
 * between chunks (the same bytes as `JSON.stringify(value)` with `key` moved last).
 */
export async function chunkedJson(value: Record<string, unknown>, key: string, chunk: number): Promise<Buffer[]> {
  const { [key]: items, ...rest } = value;
  const list = items as readonly unknown[];
  const out = new Pieces();
  const head = JSON.stringify({ ...rest, [key]: [] }); // ends in `[]}`
  out.add(head.slice(0, -2));
  for (let from = 0; from < list.length; from += chunk) {
    if (from > 0) await turn();
    // One native stringify per chunk, its brackets dropped: the same bytes as the whole array's.
    out.add((from === 0 ? '' : ',') + JSON.stringify(list.slice(from, from + chunk)).slice(1, -1));
  }
  out.add(']}');
  return out.flush();
}

/** Array items serialised between two turns of the event loop by {@link slicedJson}. */
const SLICE_ITEMS = 4_000;

/**
 * `value` as JSON, every array of more than {@link SLICE_ITEMS} items serialised a slice at a time
 * with the event loop turning between slices: the answer of `POST /v1/csv` for a 1 MB CSV holds
 * ~330,000 numbers (~10 MB of JSON, 65 ms in one `JSON.stringify`). The bytes are those of
 * `JSON.stringify(value)` for plain JSON data.
 */
export async function slicedJson(value: unknown): Promise<Buffer[]> {
  const out = new Pieces();
  const emit = async (v: unknown): Promise<void> => {
    if (Array.isArray(v)) {
      if (v.length <= SLICE_ITEMS) return out.add(JSON.stringify(v));
      out.add('[');
      for (let from = 0; from < v.length; from += SLICE_ITEMS) {
        if (from > 0) {
          out.add(',');
          await turn();
        }
        out.add(JSON.stringify(v.slice(from, from + SLICE_ITEMS)).slice(1, -1));
      }
      return out.add(']');
    }
    if (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') return out.add(JSON.stringify(v) ?? 'null');
    out.add('{');
    let first = true;
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue; // as JSON.stringify skips them
      out.add(`${first ? '' : ','}${JSON.stringify(k)}:`);
      first = false;
      await emit(x);
    }
    out.add('}');
  };
  await emit(value);
  return out.flush();
}

/** Write a made answer, waiting for the socket to drain when the client reads slowly; stops if it goes away. */
export async function sendJsonPieces(res: Response, answer: JsonAnswer): Promise<void> {
  res.status(answer.status).type('application/json');
  for (const piece of answer.pieces) {
    if (res.destroyed) return;
    if (!res.write(piece)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
  }
  res.end();
}

/** {@link slicedJson} written to `res` with `status` (the same bytes as `res.json(value)`). */
export async function sendSlicedJson(res: Response, status: number, value: unknown): Promise<void> {
  await sendJsonPieces(res, { status, pieces: await slicedJson(value) });
}
