/**
 * The route table as an express router: per route, the token check (before the body is read, so
 * an anonymous client cannot make the server parse 1 MB), the JSON body parser and zod validation
 * for routes with a body, then the handler; its result is sent as JSON with the declared status.
 */
import express, { type RequestHandler, type Router } from 'express';
import { jsonBody } from '../http/json-body.js';
import { parseBody, type RequestSchemas } from '../schemas.js';
import { ANSWERED, expressPath, pathParamNames, type Route, type RouteContext } from './route.js';

export interface MountOptions {
  requests: RequestSchemas;
  bodyLimit: number | string;
  /** Guards `auth: 'token'` routes. */
  requireToken: RequestHandler;
}

/**
 * @example
 * app.use(routeTable(ROUTES, ctx, { requests: requestSchemas(limits), bodyLimit: '1mb', requireToken }));
 */
export function routeTable(routes: readonly Route[], ctx: RouteContext, opts: MountOptions): Router {
  const router = express.Router();
  const json = jsonBody(opts.bodyLimit);
  for (const r of routes) {
    const names = pathParamNames(r.path);
    const chain: RequestHandler[] = [];
    if (r.auth === 'token') chain.push(opts.requireToken);
    if (r.body) chain.push(json);
    chain.push(async (req, res) => {
      const params: Record<string, string> = {};
      for (const n of names) params[n] = (req.params as Record<string, string | undefined>)[n] ?? '';
      const body = r.body ? (r.body.parse ? r.body.parse(opts.requests, req.body) : parseBody(r.body.schema(opts.requests), req.body)) : undefined;
      const out = await r.handle(ctx, { params, body, req, res } as Parameters<Route['handle']>[1]);
      if (res.headersSent || out === ANSWERED) return;
      if (out === undefined) {
        res.status(r.reply.status).end();
        return;
      }
      res.status(r.reply.status).json(out);
    });
    router[r.method](expressPath(r.path), ...chain);
  }
  return router;
}
