/**
 * The queue-mode {@link JobBackend} of a server replica: jobs are added to a BullMQ queue on
 * Redis and run by `seqcast worker` processes; records are read from Redis; progress reaches
 * SSE subscribers of every replica through the queue's event stream; a cancel removes a waiting
 * job or asks the worker running it to stop.
 *
 * A replica owns no job: stopping or killing one loses nothing (workers keep training, and any
 * replica can be asked about the job).
 */
import { EventEmitter } from 'node:events';
import { Queue, QueueEvents, QueueEventsProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import { SeqcastError } from '@seqcast/core';
import { newJobRecord, type JobBackend } from '../backend.js';
import { JOB_STATES, TERMINAL_STATES, type JobRecord, type JobSpec, type JobState } from '../types.js';
import type { Logger } from '../../logger.js';
import { parseRecord, RedisJobRecords } from './records.js';
import {
  blockingConnectionOptions,
  cancelKey,
  commandConnection,
  connectOrExplain,
  FAILED_KEEP_SECONDS,
  QUEUE_NAME,
  RECORD_EVENT,
  redisUnavailable,
} from './redis.js';

export interface QueueBackendOptions {
  redisUrl: string;
  logger: Logger;
  /** Most jobs waiting in the queue (all replicas together); more are refused (409). */
  maxQueued: number;
}

/** Counts for /health and /metrics are recomputed at most this often (they never wait on Redis). */
const COUNTS_EVERY_MS = 2000;
/** How long a cancel of a running job waits for the worker to confirm. */
const CANCEL_WAIT_MS = 15_000;

const isTerminal = (s: JobState): boolean => TERMINAL_STATES.includes(s);

/**
 * @example
 * const jobs = await QueueJobBackend.open({ redisUrl: 'redis://127.0.0.1:6379', logger, maxQueued: 8 });
 * const rec = await jobs.submit(spec, 20);   // a worker anywhere picks it up
 * jobs.on('update', (r) => console.log(r.state, r.epoch));
 */
export class QueueJobBackend extends EventEmitter<{ update: [JobRecord] }> implements JobBackend {
  readonly mode = 'queue' as const;
  private cachedCounts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  private countsAt = 0;
  private closed = false;

  private constructor(
    private readonly opts: QueueBackendOptions,
    private readonly redis: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly producer: QueueEventsProducer,
    private readonly records: RedisJobRecords,
  ) {
    super();
    this.setMaxListeners(0); // one listener per SSE subscriber
  }

  /** Connect (a one-line error when Redis cannot be reached) and start following the queue's events. */
  static async open(opts: QueueBackendOptions): Promise<QueueJobBackend> {
    const redis = commandConnection(opts.redisUrl);
    redis.on('error', () => undefined); // reconnects by itself; failed commands answer 503
    await connectOrExplain(redis, opts.redisUrl);
    // Adds fail fast while Redis is away (503), instead of waiting in an offline queue.
    const queue = new Queue(QUEUE_NAME, { connection: blockingConnectionOptions(opts.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) });
    const events = new QueueEvents(QUEUE_NAME, { connection: blockingConnectionOptions(opts.redisUrl) });
    const producer = new QueueEventsProducer(QUEUE_NAME, {
      connection: blockingConnectionOptions(opts.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
    });
    const onError = (e: Error) => opts.logger.log('warn', 'redis error', { error: e.message });
    queue.on('error', onError);
    events.on('error', onError);
    producer.on('error', onError);
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), producer.waitUntilReady()]);
    const backend = new QueueJobBackend(opts, redis, queue, events, producer, new RedisJobRecords(redis, producer));
    backend.follow();
    return backend;
  }

  private follow(): void {
    const pass = (value: unknown) => {
      const rec = parseRecord(value);
      if (rec) this.emit('update', rec);
    };
    this.events.on('progress', ({ data }) => pass(data));
    (this.events as unknown as EventEmitter).on(RECORD_EVENT, (args: { record?: unknown }) => pass(args.record));
    // A job BullMQ failed by itself (its worker died more often than maxStalledCount allows)
    // never got a final record from a worker: write one, so it does not look running forever.
    this.events.on('failed', ({ jobId, failedReason }) => {
      void this.records
        .get(jobId)
        .then(async (rec) => {
          if (!rec || isTerminal(rec.state)) return;
          rec.state = 'failed';
          rec.finishedAt = new Date().toISOString();
          rec.etaMs = null;
          rec.error = { code: 'INTERRUPTED', message: `the job stopped without a result (${failedReason.slice(0, 200)})` };
          await this.records.save(rec);
          this.opts.logger.log('warn', 'job failed in the queue', { job: jobId, error: failedReason });
        })
        .catch(() => undefined);
    });
  }

  private async redisCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof SeqcastError) throw e;
      throw redisUnavailable(e);
    }
  }

  get(id: string): Promise<JobRecord | undefined> {
    return this.redisCall(() => this.records.get(id));
  }

  list(): Promise<JobRecord[]> {
    return this.redisCall(() => this.records.list());
  }

  counts(): Record<JobState, number> {
    if (!this.closed && Date.now() - this.countsAt > COUNTS_EVERY_MS) {
      this.countsAt = Date.now();
      void this.records.list().then(
        (all) => {
          const c = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
          for (const r of all) c[r.state]++;
          this.cachedCounts = c;
        },
        () => undefined, // Redis away: keep the last counts
      );
    }
    return this.cachedCounts;
  }

  async submit(spec: JobSpec, epochs: number): Promise<JobRecord> {
    if (this.closed) throw new SeqcastError('DISABLED', 'the server is shutting down; job not accepted');
    return this.redisCall(async () => {
      const waiting = await this.queue.getJobCountByTypes('waiting', 'prioritized', 'delayed');
      if (waiting >= this.opts.maxQueued) {
        throw new SeqcastError('CONFLICT', `${waiting} jobs are already waiting (limit ${this.opts.maxQueued}); retry later`);
      }
      const rec = newJobRecord(spec, epochs);
      await this.records.save(rec);
      // The payload is the validated spec; workers validate it again before training.
      await this.queue.add('train', spec, {
        jobId: rec.id,
        attempts: 1,
        removeOnComplete: true,
        removeOnFail: { age: FAILED_KEEP_SECONDS },
      });
      this.opts.logger.log('info', 'job queued', { job: rec.id, model: rec.name, kind: rec.kind });
      this.emit('update', rec);
      return rec;
    });
  }

  async cancel(id: string): Promise<JobRecord | undefined> {
    return this.redisCall(async () => {
      const rec = await this.records.get(id);
      if (!rec || isTerminal(rec.state)) return rec;
      // A waiting job is taken out of the queue; remove() refuses a job a worker holds.
      const job = await this.queue.getJob(id);
      let removed = false;
      if (job && (await job.getState()) !== 'active') {
        removed = await job.remove().then(
          () => true,
          () => false,
        );
      }
      if (removed) {
        rec.state = 'cancelled';
        rec.finishedAt = new Date().toISOString();
        rec.etaMs = null;
        await this.records.save(rec);
        this.opts.logger.log('warn', 'job cancelled', { job: id, model: rec.name });
        return rec;
      }
      // Running (or about to run): the worker polls this key and stops the training.
      await this.redis.set(cancelKey(id), '1', 'EX', 24 * 3600);
      const until = Date.now() + CANCEL_WAIT_MS;
      let last = rec;
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, 250));
        last = (await this.records.get(id)) ?? last;
        if (isTerminal(last.state)) break;
      }
      return last;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Jobs are left alone: they belong to the queue, not to this replica.
    await Promise.allSettled([this.events.close(), this.producer.close(), this.queue.close()]);
    this.redis.disconnect();
  }
}
