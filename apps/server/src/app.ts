/**
 * The express application: routes, validation, auth, errors, logs and metrics.
 *
 * Handlers are thin — parse the body with its zod schema, call the Service, send JSON. Every
 * error goes through one handler that renders it as problem+json with the status from core's
 * HTTP_STATUS table.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { backendInfo, isSeqcastError, SeqcastError } from '@seqcast/core';
import { resolveOptions, type ResolvedOptions, type ServerOptions } from './options.js';
import { ModelRegistry, describeModel } from './models/registry.js';
import { defaultLoaders } from './models/loaders.js';
import type { ModelLoader } from './models/adapter.js';
import { isJobId } from './jobs/store.js';
import type { JobBackend } from './jobs/backend.js';
import { openJobs } from './jobs/open.js';
import type { JobRunner } from './jobs/runner.js';
import { TERMINAL_STATES, type JobRecord } from './jobs/types.js';
import { Metrics } from './metrics.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';
import { parseBody, requestSchemas } from './schemas.js';
import { buildOpenApi } from './openapi.js';
import { Service } from './service.js';
import { parseCsvForDisplay } from './csv.js';
import { webPage } from './web.js';
import { jsonBody } from './json-body.js';
import { RETRY_AFTER_SECONDS } from './models/inference.js';

/** Extra wiring for tests and embedders (not needed for normal use). */
export interface AppInternals {
  /** Model loaders by kind (default: chars -> CharLM, forecast -> Forecaster). */
  loaders?: Record<string, ModelLoader>;
  /** How training jobs run (default: a child process per job). */
  runner?: JobRunner;
}

/** A created app and the parts it owns. */
export interface SeqcastApp {
  /** The express app (mount it, or pass it to http.createServer). */
  app: express.Express;
  options: ResolvedOptions;
  registry: ModelRegistry;
  jobs: JobBackend;
  metrics: Metrics;
  /** Open server-sent-event streams (ended on close). */
  readonly streams: Set<Response>;
  /** Stop jobs (running ones become `interrupted`), end event streams, dispose models. */
  close(): Promise<void>;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

function routeLabel(req: Request): string {
  const r = (req as Request & { route?: { path?: unknown } }).route;
  return r && typeof r.path === 'string' ? r.path : 'unmatched';
}

/** body-parser / express errors -> SeqcastError (client mistakes are 4xx, never 5xx). */
function normalizeError(err: unknown, limit: number | string): unknown {
  if (isSeqcastError(err)) return err;
  const e = err as { type?: string; status?: number; message?: string };
  if (e && typeof e === 'object') {
    if (e.type === 'entity.too.large') {
      return new SeqcastError('TOO_LARGE', `request body is over the ${String(limit)} limit`, { where: 'body' });
    }
    if (e.type === 'entity.parse.failed') {
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

function tokenDigest(t: string): Buffer {
  return createHash('sha256').update(t).digest();
}

/**
 * Build the app: load the models in `modelsDir`, recover job records, wire routes.
 *
 * @example
 * const { app, close } = await createApp({ modelsDir: 'models' });
 * const server = app.listen(3000, '127.0.0.1');
 */
export async function createApp(options: ServerOptions = {}, internals: AppInternals = {}): Promise<SeqcastApp> {
  const opts = resolveOptions(options);
  const { logger, limits } = opts;
  // Metric sources are read lazily (at scrape time), after everything below exists.
  let registry: ModelRegistry | undefined;
  let jobs: JobBackend | undefined;
  const metrics = new Metrics({
    models: () => registry?.size ?? 0,
    jobs: () => jobs!.counts(),
  });
  const loaders = internals.loaders ?? defaultLoaders({ batchNext: opts.batchNext, onNextBatch: (n) => metrics.observeBatch(n) });
  // Embedded or queue mode (opts.redisUrl): see jobs/open.ts.
  const opened = await openJobs(opts, loaders, internals.runner);
  registry = opened.registry;
  jobs = opened.jobs;
  const service = new Service(registry, jobs, limits);
  const schemas = requestSchemas(limits);
  const openapi = buildOpenApi(schemas, opts);
  const streams = new Set<Response>();
  const started = Date.now();
  const tokenHash = opts.token === undefined ? undefined : tokenDigest(opts.token);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const json = jsonBody(opts.bodyLimit);

  // Request id, log line and metrics for every request (route templates, never bodies).
  app.use((req, res, next) => {
    const t0 = process.hrtime.bigint();
    const given = req.get('x-request-id');
    const id = given && REQUEST_ID_RE.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    res.setHeader('X-Content-Type-Options', 'nosniff');
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
  });

  /** Train and delete endpoints: off without a token, then `Authorization: Bearer <token>`. */
  const requireToken = (req: Request, _res: Response, next: NextFunction) => {
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

  const param = (req: Request, key: string): string => {
    const v = (req.params as Record<string, string | undefined>)[key];
    return v ?? '';
  };

  app.get('/health', (_req, res) => {
    const counts = jobs.counts();
    res.json({
      status: 'ok',
      backend: backendInfo()?.name ?? 'unknown',
      models: registry.size,
      jobs: { running: counts.running, queued: counts.queued },
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
    });
  });

  app.get('/v1/models', (_req, res) => {
    res.json({ models: registry.list().map(describeModel) });
  });

  app.get('/v1/models/:name', async (req, res) => {
    res.json(describeModel(await registry.get(param(req, 'name'))));
  });

  app.delete('/v1/models/:name', requireToken, async (req, res) => {
    await registry.remove(param(req, 'name'));
    res.status(204).end();
  });

  app.post('/v1/models/:name/next', json, async (req, res) => {
    const body = parseBody(schemas.next, req.body);
    res.json({ next: await service.next(param(req, 'name'), body.text, body.top) });
  });

  app.post('/v1/models/:name/generate', json, async (req, res) => {
    const body = parseBody(schemas.generate, req.body);
    const { prefix, length, ...gen } = body;
    // A client that hangs up stops its generation (and frees its slot) at the next slice.
    const gone = new AbortController();
    res.once('close', () => gone.abort(new SeqcastError('BAD_ARGUMENT', 'client closed the request')));
    res.json({ text: await service.generate(param(req, 'name'), prefix, length, gen, gone.signal) });
  });

  app.post('/v1/models/:name/forecast', json, async (req, res) => {
    // A "series" body is for panel models; anything else keeps the one-series contract and errors.
    if (req.body && typeof req.body === 'object' && 'series' in req.body) {
      const panel = parseBody(schemas.panelForecast, req.body);
      res.json(await service.forecastPanel(param(req, 'name'), panel.series, panel.steps));
      return;
    }
    const body = parseBody(schemas.forecast, req.body);
    res.json({ forecast: await service.forecast(param(req, 'name'), body.rows, body.steps) });
  });

  app.post('/v1/csv', json, async (req, res) => {
    const body = parseBody(schemas.csv, req.body);
    res.json(await parseCsvForDisplay(body.csv, body.csvOptions ?? {}, body.idColumn));
  });

  app.get('/v1/jobs', async (_req, res) => {
    res.json({ jobs: await jobs.list() });
  });

  // Auth runs before the body is read, so an anonymous client cannot make the server parse 1 MB.
  app.post('/v1/jobs', requireToken, json, async (req, res) => {
    const rec = await service.submitJob(parseBody(schemas.job, req.body));
    res.status(202).location(`/v1/jobs/${rec.id}`).json(rec);
  });

  const job = async (req: Request): Promise<JobRecord> => {
    const id = param(req, 'id');
    const rec = isJobId(id) ? await jobs.get(id) : undefined;
    if (!rec) throw new SeqcastError('NOT_FOUND', `job ${JSON.stringify(id.slice(0, 80))} not found`, { where: 'id' });
    return rec;
  };

  app.get('/v1/jobs/:id', async (req, res) => {
    res.json(await job(req));
  });

  app.delete('/v1/jobs/:id', requireToken, async (req, res) => {
    const rec = await job(req);
    res.json(await jobs.cancel(rec.id));
  });

  app.get('/v1/jobs/:id/events', async (req, res) => {
    // Updates that arrive while the record is read (a Redis round trip in queue mode) are kept
    // and replayed after it, so a job that ends meanwhile still ends its stream.
    const early: JobRecord[] = [];
    const keep = (r: JobRecord) => void (r.id === param(req, 'id') && early.push(r));
    jobs.on('update', keep);
    const rec = await job(req).finally(() => jobs.off('update', keep));
    if (streams.size >= limits.maxEventStreams) {
      throw new SeqcastError('OVERLOADED', `${streams.size} event streams are open (server limit maxEventStreams); poll GET /v1/jobs/{id} or retry later`);
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    let seq = 0;
    const send = (event: string, r: JobRecord) => {
      res.write(`event: ${event}\nid: ${++seq}\ndata: ${JSON.stringify(r)}\n\n`);
    };
    const stop = () => {
      jobs.off('update', onUpdate);
      clearInterval(ping);
      streams.delete(res);
    };
    const onUpdate = (r: JobRecord) => {
      if (r.id !== rec.id) return;
      send('progress', r);
      if (TERMINAL_STATES.includes(r.state)) {
        send('end', r);
        stop();
        res.end();
      }
    };
    // Keeps proxies from closing an idle stream while an epoch runs.
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    ping.unref();
    streams.add(res);
    req.on('close', stop);
    send('progress', rec);
    if (TERMINAL_STATES.includes(rec.state)) {
      send('end', rec);
      stop();
      res.end();
      return;
    }
    jobs.on('update', onUpdate);
    for (const r of early) if (streams.has(res)) onUpdate(r);
  });

  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.text());
  });

  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  // The browser app (apps/web) at `/`, after every API route so it can never shadow one.
  app.use(webPage(opts.webDir));

  app.use((req, _res, next) => {
    next(new SeqcastError('NOT_FOUND', `no endpoint ${req.method} ${req.path}`, { where: 'path' }));
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = normalizeError(err, opts.bodyLimit);
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
    if (problem.code === 'OVERLOADED') res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    options: opts,
    registry,
    jobs,
    metrics,
    streams,
    close() {
      closing ??= (async () => {
        await jobs.close();
        for (const s of streams) s.end();
        streams.clear();
        registry.close();
        await opened.release();
      })();
      return closing;
    },
  };
}
