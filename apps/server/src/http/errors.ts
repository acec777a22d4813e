/**
 * The end of the chain: a 404 for anything no route or static file answered, and the one error
 * handler that renders every error as problem+json with the status from core's HTTP_STATUS table.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isSeqcastError, SeqcastError } from '@seqcast/core';
import type { Logger } from '../logger.js';
import { RETRY_AFTER_SECONDS } from '../models/inference.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../problem.js';
import { routeLabel } from './middleware.js';
import { modelNotFound } from '../models/names.js';

/**
 * A path segment the router could not percent-decode (`/v1/models/%C0%AE`) names nothing that
 * exists: 404 like any unknown name (a model name under /v1/models), not a 400 about the body.
 */
function undecodablePath(err: unknown, rawPath: string): SeqcastError | undefined {
  if (!(err instanceof URIError) || (err as { status?: number }).status !== 400) return undefined;
  const model = /^\/v1\/models\/([^/]+)/.exec(rawPath)?.[1];
  if (model !== undefined) return modelNotFound(model);
  return new SeqcastError('NOT_FOUND', `nothing at ${rawPath.slice(0, 200)} (malformed percent-encoding)`, { where: 'path' });
}

/** The body's JSON when it is valid JSON but not an object or array (`null`, `5`, `"x"`), else undefined. */
function jsonScalar(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const v: unknown = JSON.parse(body);
    if (v !== null && typeof v === 'object') return undefined;
    const text = JSON.stringify(v);
    return text.length > 40 ? `${text.slice(0, 40)}…` : text;
  } catch {
    return undefined;
  }
}

/** A body over the server's byte limit: names the limit and the flag that raises it. */
export function bodyTooLarge(limit: number | string): SeqcastError {
  return new SeqcastError('TOO_LARGE', `request body is over the ${String(limit)} limit; start the server with --body-limit BYTES to raise it`, {
    where: 'body',
  });
}

/** body-parser / express errors -> SeqcastError (client mistakes are 4xx, never 5xx). */
export function normalizeError(err: unknown, limit: number | string): unknown {
  if (isSeqcastError(err)) return err;
  const e = err as { type?: string; status?: number; message?: string };
  if (e && typeof e === 'object') {
    if (e.type === 'entity.too.large') {
      return bodyTooLarge(limit);
    }
    if (e.type === 'entity.parse.failed') {
      // Strict parsing refuses valid JSON that is not an object or array (`null`, `5`, `"x"`).
      const scalar = jsonScalar((e as { body?: unknown }).body);
      if (scalar !== undefined) {
        return new SeqcastError('BAD_ARGUMENT', `request body must be a JSON object (received ${scalar})`, { where: 'body' });
      }
      const why = (e.message ?? '').split('\n')[0]!.slice(0, 120);
      return new SeqcastError('BAD_ARGUMENT', `request body is not valid JSON (${why})`, { where: 'body' });
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      const code = e.status === 413 ? 'TOO_LARGE' : 'BAD_ARGUMENT';
      return new SeqcastError(code, `bad request body: ${(e.message ?? '').split('\n')[0]}`, { where: 'body' });
    }
  }
  return err;
}

/** `no endpoint GET /nope` (404). */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new SeqcastError('NOT_FOUND', `no endpoint ${req.method} ${req.path}`, { where: 'path' }));
};

/** Every error as problem+json; our own bugs (non-SeqcastErrors) are logged with their stack, never sent. */
export function problemHandler(logger: Logger, bodyLimit: number | string): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = undecodablePath(err, req.path) ?? normalizeError(err, bodyLimit);
    const requestId = String(res.locals.requestId ?? '');
    if (!isSeqcastError(e) || e.code === 'INTERNAL') {
      // Our bug: the stack goes to the log (never to the client).
      logger.log('error', 'unhandled error', {
        requestId,
        route: routeLabel(req),
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const problem = toProblem(e, req.path, requestId);
    // A body we did not read to its end (refused before it was read) may never end: close the
    // connection after this answer rather than keep it for a next request.
    if (!req.complete) res.setHeader('Connection', 'close');
    if (problem.code === 'UNAUTHORIZED') res.setHeader('WWW-Authenticate', 'Bearer realm="seqcast"');
    // A full disk is temporary too (RFC 4918 §11.5): say when to try again.
    if (problem.code === 'OVERLOADED' || problem.code === 'INSUFFICIENT_STORAGE') res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  };
}
