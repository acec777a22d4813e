/**
 * Server configuration: one options object with documented defaults, resolved once so every
 * other module reads plain, validated values.
 */
import * as path from 'node:path';
import { SeqcastError } from '@seqcast/core';
import { jsonLogger, silentLogger, type Logger } from './logger.js';
import { defaultWebDir } from './web.js';

/** Per-request limits; a request over any of them is a 400 naming the field. */
export interface ServerLimits {
  /**
   * Most characters `generate` may produce per request. Default 500: every character is one
   * model step on the request thread, so very long generations would delay other requests.
   */
  maxLength?: number;
  /** Most values `forecast` may produce per request. Default 1000. */
  maxSteps?: number;
  /** Most characters accepted in `text` / `prefix`. Default 10000. */
  maxTextLength?: number;
  /** Most rows accepted by `forecast`. Default 10000. */
  maxRows?: number;
  /** Most epochs a training job may ask for. Default 1000. */
  maxEpochs?: number;
  /** Most jobs waiting to run (queued, not counting the running one). Default 8. */
  maxQueuedJobs?: number;
  /** Wall-clock limit of one training job, seconds; over it the job is stopped and fails. Default 1800. */
  maxJobSeconds?: number;
  /** Hard limit on the training process's resident memory, MiB; over it the process is killed. Default 1536. */
  jobMemoryMb?: number;
  /**
   * Memory budget of one training step, MiB: the default batch is capped to it and a job whose
   * smallest step cannot fit is refused at submit (400). Default 512.
   */
  trainMemoryMb?: number;
  /** `generate` requests worked on at once (interleaved in short slices). Default 2. */
  maxConcurrentInference?: number;
  /** `generate` requests waiting for a slot; more are answered 503 with Retry-After. Default 64. */
  maxInferenceQueue?: number;
  /**
   * Most work one `next` / `generate` request may ask for, in characters × model parameters
   * (a 500-character generation on a 2×256 LSTM is about 4e8). Default 1e9.
   */
  maxRequestWork?: number;
  /** Open job event streams (SSE) at once; more are answered 503. Default 64. */
  maxEventStreams?: number;
  /** Most columns of a CSV body (`/v1/csv`, jobs); wider files are a 413 before any column is built. Default 1000. */
  maxCsvColumns?: number;
  /**
   * Most cells (data rows × columns) of a CSV body; parsing stops at the first row over it with a
   * 413. Default 5,000,000: a 20 MB long-format panel (id, date, value) has ~3M.
   */
  maxCsvCells?: number;
  /**
   * Largest CSV upload (`POST /v1/jobs/csv`, a `text/csv` body read as it arrives), bytes; over it
   * the upload is cut off with a 413. Default 67,108,864 (64 MiB). JSON bodies keep `bodyLimit`.
   */
  maxUploadBytes?: number;
}

/** Options of {@link createApp} / {@link startServer}. Every field is optional. */
export interface ServerOptions {
  /** Directory holding one sub-directory per model (and `.jobs/` for job records). Default `./models`. */
  modelsDir?: string;
  /** Interface to listen on. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** TCP port; 0 picks a free one. Default 3000. */
  port?: number;
  /** Largest accepted request body, in bytes or an express size string. Default `1mb`. */
  bodyLimit?: number | string;
  /**
   * Bearer token for the endpoints that train or delete. Default `process.env.SEQCAST_TOKEN`;
   * when neither is set those endpoints answer 403 (switched off).
   */
  token?: string;
  /** Request limits (see {@link ServerLimits}). */
  limits?: ServerLimits;
  /**
   * Where structured logs go. Default: JSON lines on stdout, or silent when running under a
   * test runner (`VITEST` / `NODE_ENV=test`). Pass `false` for silence.
   */
  logger?: Logger | false;
  /** Path of the script each training job's process runs (for tests and bundlers). Default: the built `jobs/training-process.js`. */
  trainingScript?: string;
  /** @deprecated use `trainingScript` (renamed: "worker" is the `seqcast worker` queue process); read when `trainingScript` is unset, until the next release. */
  workerScript?: string;
  /** How long SIGTERM / close() waits for in-flight requests before cutting them, ms. Default 10000. */
  shutdownTimeoutMs?: number;
  /**
   * A connection whose request headers have not all arrived this long after it started sending
   * them is answered 408 and closed (slow-loris guard), ms. Default 15000.
   */
  headersTimeoutMs?: number;
  /** The same for the whole request (headers and body), ms. Default 60000; at least `headersTimeoutMs`. */
  requestTimeoutMs?: number;
  /**
   * Answer concurrent `next` requests for a model with one batched forward pass. Same results,
   * much higher throughput under load. Default true.
   */
  batchNext?: boolean;
  /**
   * Directory of the built web page served at `/`. Default: the `dist` of `@seqcast/web` when it
   * is installed; `false` serves no page. Without a build, `/` answers 404 with a one-line hint.
   */
  webDir?: string | false;
  /**
   * Queue mode (docs/scale.md): training jobs go to a BullMQ queue on this Redis and are run by
   * `seqcast worker` processes; the models directory is shared with other replicas. Default
   * `process.env.SEQCAST_REDIS_URL`; unset: embedded jobs, as always.
   */
  redisUrl?: string;
  /** Queue mode: how often the shared models directory is checked for changes, ms. Default 2000. */
  storePollMs?: number;
}

export interface ResolvedOptions {
  modelsDir: string;
  host: string;
  port: number;
  bodyLimit: number | string;
  token: string | undefined;
  limits: Required<ServerLimits>;
  logger: Logger;
  trainingScript: string | undefined;
  /** @deprecated the same as `trainingScript`; removed in the next release. */
  workerScript: string | undefined;
  shutdownTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  batchNext: boolean;
  webDir: string | false;
  redisUrl: string | undefined;
  storePollMs: number;
}

export const DEFAULT_LIMITS: Required<ServerLimits> = {
  maxLength: 500,
  maxSteps: 1000,
  maxTextLength: 10_000,
  maxRows: 10_000,
  maxEpochs: 1000,
  maxQueuedJobs: 8,
  maxJobSeconds: 1800,
  jobMemoryMb: 1536,
  trainMemoryMb: 512,
  maxConcurrentInference: 2,
  maxInferenceQueue: 64,
  maxRequestWork: 1e9,
  maxEventStreams: 64,
  maxCsvColumns: 1000,
  maxCsvCells: 5_000_000,
  maxUploadBytes: 64 * 2 ** 20,
};

function positiveInt(value: number, where: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new SeqcastError('BAD_ARGUMENT', `${where} must be a positive integer (received ${value})`, { where });
  }
  return value;
}

/**
 * Fill in defaults and check values.
 *
 * @example
 * resolveOptions({ port: 0 }).host;            // '127.0.0.1'
 * resolveOptions({ limits: { maxSteps: 0 } }); // throws BAD_ARGUMENT: limits.maxSteps must be a positive integer
 */
export function resolveOptions(options: ServerOptions = {}): ResolvedOptions {
  const port = options.port ?? 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SeqcastError('BAD_ARGUMENT', `port must be an integer in 0..65535 (received ${port})`, { where: 'port' });
  }
  const limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  for (const [k, v] of Object.entries(limits)) positiveInt(v, `limits.${k}`);
  const underTest = Boolean(process.env.VITEST) || process.env.NODE_ENV === 'test';
  const envToken = process.env.SEQCAST_TOKEN;
  const token = options.token ?? (envToken && envToken.length > 0 ? envToken : undefined);
  const headersTimeoutMs = positiveInt(options.headersTimeoutMs ?? 15_000, 'headersTimeoutMs');
  const requestTimeoutMs = positiveInt(options.requestTimeoutMs ?? Math.max(60_000, headersTimeoutMs), 'requestTimeoutMs');
  if (requestTimeoutMs < headersTimeoutMs) {
    throw new SeqcastError('BAD_ARGUMENT', `requestTimeoutMs (${requestTimeoutMs}) must be at least headersTimeoutMs (${headersTimeoutMs})`, {
      where: 'requestTimeoutMs',
    });
  }
  const envRedis = process.env.SEQCAST_REDIS_URL;
  const redisUrl = options.redisUrl ?? (envRedis && envRedis.length > 0 ? envRedis : undefined);
  return {
    modelsDir: path.resolve(options.modelsDir ?? 'models'),
    host: options.host ?? '127.0.0.1',
    port,
    bodyLimit: options.bodyLimit ?? '1mb',
    token: token === '' ? undefined : token,
    limits,
    logger: options.logger === false ? silentLogger : (options.logger ?? (underTest ? silentLogger : jsonLogger())),
    trainingScript: options.trainingScript ?? options.workerScript,
    workerScript: options.trainingScript ?? options.workerScript,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10_000,
    headersTimeoutMs,
    requestTimeoutMs,
    batchNext: options.batchNext ?? true,
    webDir: options.webDir ?? defaultWebDir(),
    redisUrl: redisUrl === undefined ? undefined : checkRedisUrl(redisUrl, 'redisUrl'),
    storePollMs: positiveInt(options.storePollMs ?? 2000, 'storePollMs'),
  };
}

/** Check a Redis URL's shape: a one-line error naming the flag, never a connection attempt to nonsense. */
export function checkRedisUrl(url: string, where = 'redis'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SeqcastError('BAD_ARGUMENT', `${where} must be a redis:// or rediss:// URL (received ${JSON.stringify(url.slice(0, 80))})`, { where });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new SeqcastError('BAD_ARGUMENT', `${where} must be a redis:// or rediss:// URL (received protocol ${u.protocol})`, { where });
  }
  return url;
}
