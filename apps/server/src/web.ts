/**
 * The browser app (`@seqcast/web`, a static bundle) served at `/`. The server runs without it: a
 * checkout where the page was never built answers `/` with a 404 whose detail says how to build it.
 */
import * as path from 'node:path';
import { createRequire } from 'node:module';
import express, { type Router } from 'express';
import { SeqcastError } from '@seqcast/core';

/** `…/apps/web/dist` when `@seqcast/web` is installed beside the server, else false. */
export function defaultWebDir(): string | false {
  try {
    const pkg = createRequire(import.meta.url).resolve('@seqcast/web/package.json');
    return path.join(path.dirname(pkg), 'dist');
  } catch {
    return false;
  }
}

/**
 * Static files of `dir` (hashed assets cached for a year, index.html never cached); `GET /`
 * without a build is a 404 naming the build command.
 */
export function webPage(dir: string | false): Router {
  const router = express.Router();
  if (dir) {
    router.use(
      express.static(dir, {
        index: 'index.html',
        setHeaders(res, file) {
          const hashed = file.includes(`${path.sep}assets${path.sep}`);
          res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      }),
    );
  }
  router.get('/', (_req, _res, next) => {
    const hint = dir
      ? `the web page is not built (no ${path.join(dir, 'index.html')}): run pnpm --filter @seqcast/web build`
      : 'no web page is served (install @seqcast/web, or start the server with webDir)';
    next(new SeqcastError('NOT_FOUND', hint, { where: 'path' }));
  });
  return router;
}
