/**
 * The express application: owns the models directory (lock, registry), the job manager and the
 * metrics, and stacks four layers — per-request middleware (http/middleware.ts), the route table
 * (routes/), the static web page (web.ts), and the 404 + problem+json error handler
 * (http/errors.ts).
 */
import express, { type Response } from 'express';
import { resolveOptions, type ResolvedOptions, type ServerOptions } from './options.js';
import type { ModelRegistry } from './models/registry.js';
import { defaultLoaders } from './models/loaders.js';
import { InferenceGate } from './models/inference.js';
import type { ModelLoader } from './models/adapter.js';
import type { JobBackend } from './jobs/backend.js';
import { openJobs } from './jobs/open.js';
import type { JobRunner } from './jobs/runner.js';
import { Metrics } from './metrics.js';
import { requestSchemas } from './schemas.js';
import { buildOpenApi } from './openapi.js';
import { Service } from './service.js';
import { webPage } from './web.js';
import { ROUTES, type RouteContext } from './routes/index.js';
import { routeTable } from './routes/mount.js';
import { requestLog, tokenGuard } from './http/middleware.js';
import { notFound, problemHandler } from './http/errors.js';

/** Extra wiring for tests and embedders (not needed for normal use). */
export interface AppInternals {
  /** Model loaders by kind (default: chars -> CharLM, forecast -> SeriesForecaster). */
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
  /** The gate every inference request (next, generate, forecast) passes: its load is running and waiting work. */
  inference: InferenceGate;
  /** Open server-sent-event streams (ended on close). */
  readonly streams: Set<Response>;
  /** Stop jobs (running ones become `interrupted`), end event streams, dispose models. */
  close(): Promise<void>;
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
  // One gate for every inference route (next passes in the loaders, the rest in the Service).
  const gate = new InferenceGate(limits.maxConcurrentInference, limits.maxInferenceQueue);
  const loaders = internals.loaders ?? defaultLoaders({ batchNext: opts.batchNext, onNextBatch: (n) => metrics.observeBatch(n), gate });
  // Embedded or queue mode (opts.redisUrl): see jobs/open.ts.
  const opened = await openJobs(opts, loaders, internals.runner);
  registry = opened.registry;
  jobs = opened.jobs;
  const service = new Service(registry, jobs, limits, gate);
  const streams = new Set<Response>();
  const openapi = buildOpenApi(opts, ROUTES);
  const ctx: RouteContext = { options: opts, service, registry, jobs, metrics, streams, started: Date.now(), openapi: () => openapi };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Around everything: request id, security headers, log line, metrics.
  app.use(requestLog(logger, metrics));
  // The API: routing, auth and validation read off the route table (routes/).
  app.use(routeTable(ROUTES, ctx, { requests: requestSchemas(limits), bodyLimit: opts.bodyLimit, requireToken: tokenGuard(opts.token) }));
  // The browser app (apps/web) at `/`, after every API route so it can never shadow one.
  app.use(webPage(opts.webDir));
  // Anything else is a 404; every error becomes problem+json.
  app.use(notFound);
  app.use(problemHandler(logger, opts.bodyLimit));

  let closing: Promise<void> | undefined;
  return {
    app,
    options: opts,
    registry,
    jobs,
    metrics,
    inference: gate,
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
