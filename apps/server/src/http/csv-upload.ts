/**
 * CSV uploads: a `text/csv` request body read as it arrives, up to the server limit
 * `maxUploadBytes`, with no JSON around it. A 20 MB panel file cannot be a JSON body under the
 * 1 MB `bodyLimit` (and raising that limit would let any anonymous route buffer and JSON.parse
 * 20 MB on the event loop); as a plain body it costs one string of its own size, and the job
 * submission reads it in slices like any CSV content.
 */
import type { Request } from 'express';
import { TextDecoder } from 'node:util';
import { SeqcastError } from '@seqcast/core';

/** Media types a CSV upload may declare (`charset`, when given, must be UTF-8). */
const CSV_TYPES = new Set(['text/csv', 'text/plain']);

/** The upload over the limit: names the limit and how to raise it. */
export function uploadTooLarge(maxBytes: number): SeqcastError {
  return new SeqcastError(
    'TOO_LARGE',
    `CSV upload is over the ${maxBytes}-byte limit (server limit maxUploadBytes); start the server with --limit maxUploadBytes=BYTES to raise it`,
    { where: 'body' },
  );
}

/** Refuse (400) a body that is not declared as CSV text, before any of it is read. */
function checkContentType(req: Request): void {
  const declared = req.get('content-type') ?? '';
  const [type = '', ...params] = declared.split(';').map((p) => p.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (!CSV_TYPES.has(type) || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new SeqcastError(
      'BAD_ARGUMENT',
      `send the CSV file as the body with Content-Type: text/csv (received ${JSON.stringify(declared.slice(0, 80) || 'none')})`,
      {
        where: 'Content-Type',
      },
    );
  }
}

/**
 * Read a CSV upload's body as text (UTF-8; a UTF-16 file with its byte-order mark, as Excel's
 * "Unicode text" export writes it, is decoded too). Over `maxBytes` — declared by
 * Content-Length, or counted as the bytes arrive — it stops reading and rejects with a 413.
 *
 * @example
 * const csv = await readCsvUpload(req, 64 * 2 ** 20);
 */
export function readCsvUpload(req: Request, maxBytes: number): Promise<string> {
  checkContentType(req);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(uploadTooLarge(maxBytes));
  return new Promise<string>((resolve, reject) => {
    let decoder: TextDecoder | undefined;
    const parts: string[] = [];
    let received = 0;
    const stop = (err: unknown) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
      req.pause(); // the error handler answers, then closes the connection (the rest is never read)
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) return stop(uploadTooLarge(maxBytes));
      decoder ??= new TextDecoder(chunk[0] === 0xff && chunk[1] === 0xfe ? 'utf-16le' : chunk[0] === 0xfe && chunk[1] === 0xff ? 'utf-16be' : 'utf-8');
      parts.push(decoder.decode(chunk, { stream: true }));
    };
    const onEnd = () => {
      req.off('data', onData).off('error', onError).off('aborted', onAborted);
      parts.push(decoder?.decode() ?? '');
      resolve(parts.join(''));
    };
    const onError = (e: Error) =>
      stop(new SeqcastError('BAD_ARGUMENT', `the upload failed while it was read (${e.message.split('\n')[0]})`, { where: 'body' }));
    const onAborted = () => stop(new SeqcastError('BAD_ARGUMENT', 'the client closed the upload before its end', { where: 'body' }));
    req.on('data', onData).once('end', onEnd).once('error', onError).once('aborted', onAborted);
  });
}
