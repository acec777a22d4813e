/**
 * A queue-mode training worker (`seqcast worker`): takes jobs from the BullMQ queue, checks each
 * payload again with the API's own schema and checks (a queue entry is never trusted: anyone who
 * can write to Redis can add one), trains with the same child-process runner as the embedded
 * server (memory limit, time limit, parent watchdog), and publishes the model into the shared
 * store exactly once per job.
 *
 * Faults: a worker that dies stops renewing its job's lock; after `lockDurationMs` another
 * worker's stalled-job check puts the job back in the queue and it is trained again from the
 * start. Publishing is keyed by the job id (see DirectoryModelStore), so a job that had already
 * published before its worker died is completed without a second version.
 */
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { Worker, QueueEventsProducer, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { SeqcastError } from '@seqcast/core';
import { checkRedisUrl, resolveOptions, type ServerLimits } from '../../options.js';
import type { Logger } from '../../logger.js';
import { ensureModelsDir } from '../../models/registry.js';
import { trainingStop } from '../../models/quality.js';
import { jobEtaMs } from '../eta.js';
import { setProgress } from '../progress.js';
import { parseBody, requestSchemas } from '../../schemas.js';
import { prepareJob, requestOfSpec } from '../prepare.js';
import { DirectoryModelStore } from '../../store/directory.js';
import { publicJobError } from '../backend.js';
import { DiskJobRecords } from '../disk-records.js';
import { childProcessRunner, resolveTrainingScript, type JobRunner, type RunHandle } from '../runner.js';
import { TERMINAL_STATES, workOf, type JobRecord, type JobSpec, type JobState } from '../types.js';
import { RedisJobRecords } from './records.js';
import { blockingConnectionOptions, cancelKey, commandConnection, connectOrExplain, publishLockKey, QUEUE_NAME, settlesWithin } from './redis.js';

export interface QueueWorkerOptions {
  redisUrl: string;
  /** The shared models directory (the replicas serve from the same one). */
  modelsDir: string;
  /** Jobs trained at once by this worker (each in its own process). Default 1. */
  concurrency?: number;
  /** Job limits; keep them equal to the replicas' (a job they accept and this worker refuses fails). */
  limits?: ServerLimits;
  logger?: Logger | false;
  /** Path of the script each job's training process runs (tests, bundlers). Default: the built `jobs/training-process.js`. */
  trainingScript?: string;
  /** @deprecated use `trainingScript`; read when it is unset, until the next release. */
  workerScript?: string;
  /** How jobs are trained (tests); default: a child process per job, as the embedded server. */
  runner?: JobRunner;
  /** A killed worker's job goes back to the queue this long after its last lock renewal. Default 30000. */
  lockDurationMs?: number;
  /** How often this worker looks for such jobs. Default 15000. */
  stalledIntervalMs?: number;
  /** Shown in logs and stored on BullMQ's job (`processedBy`). Default `<hostname>:<pid>`. */
  name?: string;
}

export interface QueueWorker {
  readonly name: string;
  /**
   * Stop: take no new job, kill running trainings and put their jobs back in the queue at once
   * (state `queued` again, for another worker), disconnect. Resolves within about 15 s even when
   * Redis is away or just restarted; a job that could not be handed back by then returns to the
   * queue when its lock expires.
   */
  close(): Promise<void>;
}

/** A job stopped for good (no retry): its record already says why. */
function final(message: string): UnrecoverableError {
  return new UnrecoverableError(message);
}

/** Progress records are written to Redis at most this often (events go out every step, at most 5 a second). */
const SAVE_EVERY_MS = 1000;
/** Progress reaches the record's durable copy on the disk at most this often (state changes always do). */
const DISK_EVERY_MS = 10_000;
const EVENT_EVERY_MS = 200;
const CANCEL_POLL_MS = 500;
/** How long a stopping worker waits to hand a job back, and for BullMQ to close. */
const HAND_BACK_TIMEOUT_MS = 5000;
const CLOSE_TIMEOUT_MS = 10_000;
/** Staging left by a worker that died and whose job was never retried is removed after this. */
const STAGING_MAX_AGE_MS = 24 * 3600 * 1000;

/**
 * @example
 * const worker = await startQueueWorker({ redisUrl: 'redis://127.0.0.1:6379', modelsDir: '/mnt/models', concurrency: 1 });
 * // …later
 * await worker.close();
 */
export async function startQueueWorker(o: QueueWorkerOptions): Promise<QueueWorker> {
  const {
    limits,
    logger,
    modelsDir: resolvedDir,
  } = resolveOptions({
    modelsDir: o.modelsDir,
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.logger !== undefined ? { logger: o.logger } : {}),
  });
  checkRedisUrl(o.redisUrl, 'redisUrl');
  await ensureModelsDir(resolvedDir);
  const modelsDir = await fs.realpath(resolvedDir);
  const concurrency = o.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new SeqcastError('BAD_ARGUMENT', `concurrency must be a positive integer (received ${concurrency})`, { where: 'concurrency' });
  }
  const name = o.name ?? `${hostname()}:${process.pid}`;
  // Record writes wait out a short Redis restart instead of failing the job.
  const redis = commandConnection(o.redisUrl, { enableOfflineQueue: true, maxRetriesPerRequest: 50 });
  redis.on('error', () => undefined);
  await connectOrExplain(redis, o.redisUrl);
  const producer = new QueueEventsProducer(QUEUE_NAME, { connection: blockingConnectionOptions(o.redisUrl) });
  producer.on('error', () => undefined);
  const store = { models: new DirectoryModelStore(modelsDir, logger), records: new DiskJobRecords(modelsDir, logger) };
  const records = new RedisJobRecords(redis, producer, store.records);
  await store.models.sweepStaging(STAGING_MAX_AGE_MS);
  const schemas = requestSchemas(limits);
  let processRunner: JobRunner | undefined;
  const runner: JobRunner =
    o.runner ??
    ((spec, dir, onProgress) => {
      processRunner ??= childProcessRunner(o.trainingScript ?? o.workerScript ?? resolveTrainingScript(), {
        memoryMb: limits.jobMemoryMb,
        trainMemoryMb: limits.trainMemoryMb,
      });
      return processRunner(spec, dir, onProgress);
    });
  const running = new Set<RunHandle>();
  let stopping = false;

  /** Run `fn` while holding the publish lock of `model` (one publisher per name, across workers). */
  async function withPublishLock<T>(model: string, fn: () => Promise<T>): Promise<T> {
    const key = publishLockKey(model);
    const mine = `${name}:${Math.random()}`;
    const until = Date.now() + 60_000;
    while ((await redis.set(key, mine, 'PX', 60_000, 'NX')) !== 'OK') {
      if (Date.now() > until) throw new SeqcastError('CONFLICT', `model ${model}: another worker held the publish lock for 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    try {
      return await fn();
    } finally {
      // Release only our own lock (it may have expired and been taken meanwhile).
      await redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, key, mine).catch(() => undefined);
    }
  }

  /** A queue entry of an earlier server: the JobSpec (`content`), not the request. */
  function isQueuedSpec(data: unknown): data is JobSpec {
    return typeof data === 'object' && data !== null && 'content' in data && !('csv' in data) && !('text' in data);
  }

  async function processJob(job: Job<unknown>, token?: string): Promise<JobRecord> {
    const id = job.id!;
    const stored = await records.read(id);
    if (stored && stored.id !== id) {
      // A forged or corrupted entry: training it would publish under, and overwrite, another job's record.
      logger.log('error', "queue entry refused: the record under its key is another job's", { job: id, record: stored.id, worker: name });
      throw final(`queue entry ${id} holds the record of job ${stored.id}; not run`);
    }
    // Redis may have lost the record (a restart without persistence) while the entry survived.
    const rec = stored ?? (await store.records.load(id))?.record;
    if (!rec) throw final(`job ${id} has no record in Redis or in the models directory (expired or never written); not run`);
    if (TERMINAL_STATES.includes(rec.state)) return rec; // cancelled while it waited
    if (stopping) {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    const lockKey = `bull:${QUEUE_NAME}:${id}:lock`;
    // Fencing: a worker that lost the job (its lock expired and another worker took it) must not
    // overwrite the new attempt's record; the lock is checked in the same Redis step as the write.
    // The disk copy is written on every state change and every DISK_EVERY_MS (a heartbeat replicas
    // read when Redis has lost the record); Redis gets every progress save.
    let lastDisk = 0;
    let lastState: JobState | undefined;
    let rebuilt = false;
    const save = async (r: JobRecord) => {
      // A published model is a fact whoever holds the job now, and whether Redis answers or not:
      // its record reaches the disk first.
      const published = r.state === 'succeeded';
      if (published) await store.records.save(r);
      const disk = !published && (r.state !== lastState || Date.now() - lastDisk >= DISK_EVERY_MS);
      try {
        if (token === undefined) await records.save(r, { disk });
        else {
          const how = await records.saveIfHolding(r, lockKey, token, { disk });
          if (how === 'rebuilt' && !rebuilt)
            logger.log('warn', 'job record rebuilt in Redis from this worker (Redis had lost it)', { job: id, state: r.state });
          if (how === 'rebuilt') rebuilt = true;
          if (how === 'refused') {
            logger.log('warn', 'job record not written: this worker no longer holds the job', { job: id });
            return;
          }
        }
        if (disk) {
          lastDisk = Date.now();
          lastState = r.state;
        }
      } catch (e) {
        logger.log('warn', 'job record not saved', { job: id, error: e instanceof Error ? e.message : String(e) });
      }
    };
    const finish = async (state: JobState, error: JobRecord['error']) => {
      rec.state = state;
      rec.finishedAt = new Date().toISOString();
      rec.etaMs = state === 'succeeded' ? 0 : null;
      rec.error = error;
      await save(rec);
      logger.log(state === 'succeeded' ? 'info' : 'warn', `job ${state}`, {
        job: id,
        model: rec.name,
        worker: name,
        ...(error ? { error: error.message } : {}),
      });
    };

    let spec: JobSpec;
    try {
      // The entry is the job's API request (as the submitting replica validated it); one queued by
      // an earlier server holds the spec made from it, read as the request it came from.
      const request = isQueuedSpec(job.data) ? requestOfSpec(job.data) : job.data;
      ({ spec } = await prepareJob(parseBody(schemas.job, request), limits.trainMemoryMb, limits));
      if (spec.name !== rec.name || spec.kind !== rec.kind) {
        throw new SeqcastError('BAD_INPUT', `the queued job's name/kind (${spec.name}/${spec.kind}) differ from its record's (${rec.name}/${rec.kind})`, {
          where: 'name',
        });
      }
    } catch (e) {
      const error = publicJobError(e, id, modelsDir, logger);
      await finish('failed', { code: error.code, message: `the queued job did not pass this worker's checks: ${error.message}` });
      throw final(error.message);
    }
    if ((await redis.exists(cancelKey(id))) === 1) {
      await finish('cancelled', null);
      return rec;
    }
    const already = await store.models.publishedBy(spec.name, id);
    if (already !== undefined) {
      // The previous attempt published, then died before it could say so.
      rec.model = { name: spec.name, version: already };
      await finish('succeeded', null);
      return rec;
    }

    const staging = await store.models.stage(id);
    const started = Date.now();
    rec.state = 'running';
    rec.startedAt = new Date(started).toISOString();
    setProgress(rec, 0);
    rec.loss = null;
    rec.error = null;
    await save(rec);
    logger.log('info', 'job started', { job: id, model: rec.name, worker: name, attempt: job.attemptsStarted });
    let cancelled = false;
    let timedOut = false;
    let lastSave = 0;
    let lastEvent = 0;
    const handle = runner(workOf(spec), path.join(staging, 'model'), (p) => {
      setProgress(rec, p.step, p.steps, p.unit);
      rec.loss = p.loss;
      rec.elapsedMs = Date.now() - started;
      rec.etaMs = jobEtaMs(spec.kind, spec.options, p);
      // Every replica's SSE subscribers; a panel job reports every step, so at most 5 a second.
      if (Date.now() - lastEvent >= EVENT_EVERY_MS || p.step === p.steps) {
        lastEvent = Date.now();
        void job.updateProgress({ ...rec }).catch(() => undefined);
      }
      if (Date.now() - lastSave >= SAVE_EVERY_MS) {
        lastSave = Date.now();
        void save({ ...rec });
      }
    });
    running.add(handle);
    const poll = setInterval(() => {
      void redis.exists(cancelKey(id)).then(
        (n) => {
          if (n !== 1 || cancelled) return;
          cancelled = true;
          handle.cancel();
          setTimeout(() => handle.kill(), 5000).unref(); // a training step can be long
        },
        () => undefined,
      );
    }, CANCEL_POLL_MS);
    const timer = setTimeout(() => {
      timedOut = true;
      handle.kill();
    }, limits.maxJobSeconds * 1000);
    try {
      await handle.done;
      rec.elapsedMs = Date.now() - started;
      const stoppedBy = await trainingStop(path.join(staging, 'model')); // read before publishing moves it
      if (stoppedBy) rec.stoppedBy = stoppedBy;
      const published = await withPublishLock(spec.name, () => store.models.publish(spec.name, id, path.join(staging, 'model')));
      rec.model = { name: spec.name, version: published.version };
      await finish('succeeded', null);
      logger.log('info', 'model published', { job: id, model: spec.name, version: published.version, already: published.already });
      return rec;
    } catch (e) {
      rec.elapsedMs = Date.now() - started;
      if (stopping && !cancelled && !timedOut) {
        // This worker is stopping: the job goes back to the queue for another worker, from the start.
        // Record first: once the job is back in the queue this worker no longer holds it.
        Object.assign(rec, { state: 'queued', startedAt: null, loss: null, elapsedMs: 0, etaMs: null });
        setProgress(rec, 0);
        await save(rec);
        // When the lock has expired (Redis was away longer than it) the hand-back fails, and right
        // after a Redis restart it can wait forever. Either way the job is no longer this worker's:
        // the queue's stalled-job check gives it to another worker once the lock is gone.
        const moved = job.moveToWait(token).then(
          () => true,
          () => false,
        );
        const handedBack = (await settlesWithin(moved, HAND_BACK_TIMEOUT_MS)) && (await moved);
        if (!handedBack) {
          logger.log('warn', 'job not handed back: this worker no longer holds it; the queue retries it when its lock expires', { job: id, worker: name });
        } else {
          logger.log('warn', 'job handed back to the queue', { job: id, worker: name });
        }
        throw new WaitingError();
      }
      if (cancelled) {
        await finish('cancelled', null);
        return rec;
      }
      if (timedOut) {
        await finish('failed', {
          code: 'TIME_LIMIT',
          message: `the job ran longer than the server's ${limits.maxJobSeconds} s limit (limits.maxJobSeconds) and was stopped`,
        });
        throw final('time limit');
      }
      await finish('failed', publicJobError(e, id, modelsDir, logger));
      throw final(e instanceof Error ? e.message : String(e));
    } finally {
      clearInterval(poll);
      clearTimeout(timer);
      running.delete(handle);
      await store.models.discard(staging).catch(() => undefined);
    }
  }

  const worker = new Worker<unknown, JobRecord>(QUEUE_NAME, processJob, {
    connection: blockingConnectionOptions(o.redisUrl),
    concurrency,
    name,
    lockDuration: o.lockDurationMs ?? 30_000,
    stalledInterval: o.stalledIntervalMs ?? 15_000,
    // A job whose worker died twice is failed rather than passed around forever.
    maxStalledCount: 2,
    removeOnComplete: { count: 0 },
  });
  worker.on('error', (e) => logger.log('warn', 'redis error', { error: e.message }));
  await worker.waitUntilReady();
  logger.log('info', 'worker ready', { worker: name, modelsDir, concurrency });

  let closing: Promise<void> | undefined;
  return {
    name,
    close() {
      closing ??= (async () => {
        stopping = true;
        for (const h of running) h.kill();
        // Waits for the processors, which hand their jobs back; bounded, because BullMQ's close
        // can hang while a connection is still reconnecting after a Redis restart (bullmq#4656).
        // A job this worker could not hand back in time returns to the queue when its lock expires.
        if (!(await settlesWithin(worker.close(), CLOSE_TIMEOUT_MS))) {
          logger.log('warn', `the queue connection did not close in ${CLOSE_TIMEOUT_MS / 1000} s; stopping without it`, { worker: name });
          void worker.disconnect().catch(() => undefined);
        }
        await settlesWithin(producer.close(), HAND_BACK_TIMEOUT_MS);
        redis.disconnect();
        logger.log('info', 'worker stopped', { worker: name });
      })();
      return closing;
    },
  };
}
