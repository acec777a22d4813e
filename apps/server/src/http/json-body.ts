/**
 * JSON request bodies with a size limit that is enforced while the body arrives.
 *
 * express.json alone counts the bytes too, but on a body over the limit it reads the rest of the
 * upload before it reports the error, so an endless chunked upload was answered only by the
 * request timeout (408 after 60 s). Here the 413 goes out as soon as the limit is passed (or at
 * once when Content-Length already says so), and the error handler closes the connection after it.
 */
import express, { type RequestHandler } from 'express';
import { SeqcastError } from '@seqcast/core';
import { bodyTooLarge } from './errors.js';

const UNITS: Record<string, number> = { b: 1, kb: 2 ** 10, mb: 2 ** 20, gb: 2 ** 30 };

/** Bytes in a limit given as a number or an express size string (`'1mb'`, `'512kb'`). */
export function limitBytes(limit: number | string): number {
  if (typeof limit === 'number') return limit;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(limit);
  if (!m) throw new SeqcastError('BAD_ARGUMENT', `bodyLimit ${JSON.stringify(limit)} is not a size (e.g. 1mb, 512kb, 1048576)`, { where: 'bodyLimit' });
  return Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!);
}

export function jsonBody(limit: number | string): RequestHandler {
  const maxBytes = limitBytes(limit);
  const parse = express.json({ limit: maxBytes, strict: true });
  const tooLarge = () => bodyTooLarge(limit);

  return (req, res, next) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) return next(tooLarge());

    let settled = false;
    let received = 0;
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) finish(tooLarge());
    };
    const finish = (err?: unknown) => {
      if (settled) return; // the parser still drains the body after our 413; ignore its late verdict
      settled = true;
      req.off('data', count);
      next(err);
    };
    // Attached before the parser's own listener, in the same tick, so both see every chunk.
    req.on('data', count);
    parse(req, res, finish);
  };
}
