/**
 * @seqcast/server — an HTTP service for seqcast models: char predictions, forecasts, and
 * training jobs that run off the request thread and publish new model versions live.
 *
 * @example
 * import { startServer } from '@seqcast/server';
 * const s = await startServer({ modelsDir: 'models', port: 3000 });
 * console.log(s.url);   // http://127.0.0.1:3000
 */
export { createApp, type SeqcastApp, type AppInternals } from './app.js';
export { startServer, type StartOptions, type RunningServer } from './server.js';
export { resolveOptions, DEFAULT_LIMITS, type ServerOptions, type ServerLimits, type ResolvedOptions } from './options.js';
export { jsonLogger, silentLogger, memoryLogger, type Logger, type LogLevel } from './logger.js';
export { toProblem, problemType, PROBLEM_CONTENT_TYPE, type Problem } from './problem.js';
export type { ModelAdapter, CharsAdapter, ForecastAdapter, ModelLoader, InputContract, NextChar } from './models/adapter.js';
export { ModelRegistry, describeModel, type ServedModel, type ModelDescription } from './models/registry.js';
export { charsAdapter, forecastAdapter, defaultLoaders, type LoaderOptions } from './models/loaders.js';
export { NextBatcher } from './models/batch.js';
export { MODEL_NAME_PATTERN, isValidModelName } from './models/names.js';
export type { JobRecord, JobState, JobKind } from './jobs/types.js';
export { JOBS_DIR } from './jobs/disk-records.js';
export { buildOpenApi } from './openapi.js';
export type { JobBackend } from './jobs/backend.js';
export { QueueJobBackend, type QueueBackendOptions } from './jobs/queue/backend.js';
export { startQueueWorker, type QueueWorker, type QueueWorkerOptions } from './jobs/queue/worker.js';
export { QUEUE_NAME, RECORD_TTL_SECONDS } from './jobs/queue/redis.js';
export type { ModelStore, Published } from './store/model-store.js';
export { DirectoryModelStore } from './store/directory.js';
export { watchStore, type StoreWatcher } from './store/watcher.js';
