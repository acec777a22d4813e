/**
 * What runs around every request: a request id, security headers, one log line and the request
 * metrics (by route template, never by body); and the bearer-token guard of `auth: 'token'` routes.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { SeqcastError } from '@seqcast/core';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Content-Security-Policy of every response (the web page's is what matters): scripts, data and
 * connections from this server only, never framed. Styles allow 'unsafe-inline' because the
 * charts' tooltip injects a style element and bar widths are style attributes; no script is inline
 * and chart expressions are interpreted (apps/web/src/chart.ts), so no 'unsafe-eval'.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The route template a request matched (`/v1/models/:name`), or `unmatched`. */
export function routeLabel(req: Request): string {
  const r = (req as Request & { route?: { path?: unknown } }).route;
  return r && typeof r.path === 'string' ? r.path : 'unmatched';
}

/** Request id (a valid `X-Request-Id` is kept), `nosniff`, the CSP and no framing, and on close the log line and metrics. */
export function requestLog(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const t0 = process.hrtime.bigint();
    const given = req.get('x-request-id');
    const id = given && REQUEST_ID_RE.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Frame-Options', 'DENY'); // frame-ancestors for browsers without CSP level 2
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const route = routeLabel(req);
      const status = res.writableFinished ? res.statusCode : 499; // 499: client went away first
      metrics.observe(req.method, route, status, seconds);
      logger.log(status >= 500 ? 'error' : 'info', 'request', {
        requestId: id,
        method: req.method,
        route,
        status,
        latencyMs: Math.round(seconds * 1e6) / 1e3,
      });
    });
    next();
  };
}

function tokenDigest(t: string): Buffer {
  return createHash('sha256').update(t).digest();
}

/** Train and delete endpoints: off without a token (403), then `Authorization: Bearer <token>` (401). */
export function tokenGuard(token: string | undefined): RequestHandler {
  const tokenHash = token === undefined ? undefined : tokenDigest(token);
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!tokenHash) {
      return next(new SeqcastError('DISABLED', 'training and deleting are switched off (start the server with SEQCAST_TOKEN set)'));
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    // Compare digests so the comparison takes the same time whatever the token's length.
    if (!m || !timingSafeEqual(tokenDigest(m[1]!), tokenHash)) {
      return next(new SeqcastError('UNAUTHORIZED', 'missing or wrong bearer token (Authorization: Bearer <SEQCAST_TOKEN>)', { where: 'Authorization' }));
    }
    next();
  };
}
