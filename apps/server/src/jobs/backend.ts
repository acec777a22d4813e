/**
 * Where training jobs run: the seam between the HTTP routes and a job engine.
 *
 * Two engines implement it: the embedded {@link JobManager} (child processes of this server,
 * records in `<models>/.jobs/`) and the queue backend (`./queue/backend.ts`: a BullMQ queue on
 * Redis, jobs run by `seqcast worker` processes anywhere, records in Redis). The routes only see
 * this interface, so validation, tokens and the SSE stream are the same in both modes.
 */
import type { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { isSeqcastError } from '@seqcast/core';
import type { JobRecord, JobSpec, JobState } from './types.js';
import type { Logger } from '../logger.js';
import type { IdempotencyRequest } from './idempotency.js';
import type { PreparedJob } from './prepare.js';
import { defaultUnit } from './progress.js';

type MaybePromise<T> = T | Promise<T>;

/** What a submit answers: the job, and whether an earlier submit with the same key started it. */
export interface Submitted {
  record: JobRecord;
  replayed: boolean;
}

export interface JobBackend extends EventEmitter<{ update: [JobRecord] }> {
  /** `embedded` or `queue`, for logs and /health. */
  readonly mode: 'embedded' | 'queue';
  /** A job's record, or undefined when there is none (or it has expired). */
  get(id: string): MaybePromise<JobRecord | undefined>;
  /** Records, newest first. */
  list(): MaybePromise<JobRecord[]>;
  /** Jobs by state (for /health and /metrics; the queue backend answers from a cache). */
  counts(): Record<JobState, number>;
  /**
   * Queue a job whose request has been validated; resolves with its record (state `queued`) only
   * once that record is durably written (else a 507 and nothing queued). With an idempotency key
   * already used for this request, resolves with that job instead (`replayed`) and queues nothing.
   */
  submit(job: PreparedJob, idempotency?: IdempotencyRequest): Promise<Submitted>;
  /** Cancel a queued or running job; resolves with its record once it is final. */
  cancel(id: string): Promise<JobRecord | undefined>;
  /** Stop taking jobs and release what the backend holds. */
  close(): Promise<void>;
}

/** The record of a job just accepted (state `queued`). */
export function newJobRecord(spec: JobSpec, steps: number): JobRecord {
  return {
    id: randomUUID(),
    name: spec.name,
    kind: spec.kind,
    ...(spec.model !== undefined ? { modelKind: spec.model } : {}),
    state: 'queued',
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    step: 0,
    steps,
    unit: defaultUnit(spec.kind),
    epoch: 0,
    epochs: steps,
    loss: null,
    elapsedMs: 0,
    etaMs: null,
    options: spec.options,
    model: null,
    error: null,
  };
}

/**
 * The error a job record shows (records are readable without a token): a user's mistake as
 * the library worded it, with server paths cut to the model's place in the models directory;
 * anything else (our bug, a crashed process) only as "internal error", details in the log.
 */
export function publicJobError(e: unknown, id: string, modelsDir: string, logger: Logger): NonNullable<JobRecord['error']> {
  if (isSeqcastError(e) && e.code !== 'INTERNAL') {
    return {
      code: e.code,
      message: e.message
        .split(modelsDir + '/')
        .join('')
        .split(modelsDir)
        .join('models directory'),
    };
  }
  logger.log('error', 'job failed', { job: id, error: e instanceof Error ? e.message : String(e) });
  return { code: 'INTERNAL', message: `the training failed unexpectedly (job ${id}; details are in the server log)` };
}
