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
import { newJobRecord, type JobBackend, type Submitted } from '../backend.js';
import type { PreparedJob } from '../prepare.js';
import { IdempotencyKeys, replayOf, type IdempotencyRequest } from '../idempotency.js';
import { DiskJobRecords } from '../disk-records.js';
import { JOB_STATES, TERMINAL_STATES, type JobRecord, type JobState } from '../types.js';
import type { Logger } from '../../logger.js';
import { parseRecord, RedisJobRecords } from './records.js';
import {
  blockingConnectionOptions,
  cancelKey,
  commandConnection,
  connectOrExplain,
  FAILED_KEEP_SECONDS,
  INDEX_MAX,
  QUEUE_NAME,
  RECORD_TTL_SECONDS,
  RECORD_EVENT,
  redisUnavailable,
} from './redis.js';

export interface QueueBackendOptions {
  redisUrl: string;
  /** The shared models directory: job records' durable copies and idempotency keys live in its `.jobs/`. */
  modelsDir: string;
  logger: Logger;
  /** Most jobs waiting in the queue (all replicas together); more are refused (409). */
  maxQueued: number;
}

/** Counts for /health and /metrics are recomputed at most this often (they never wait on Redis). */
const COUNTS_EVERY_MS = 2000;
/** How long a cancel of a running job waits for the worker to confirm. */
const CANCEL_WAIT_MS = 15_000;

/** A job the disk says is unfinished, unwritten this long and gone from the queue, was lost with Redis's data. */
const LOST_AFTER_MS = 60_000;
/** A submit's reserved place in the queue lapses after this (a replica that died between reserve and add). */
const RESERVATION_MS = 30_000;
/** Sorted set of job ids being submitted (score: when the reservation lapses, ms). */
const RESERVATIONS_KEY = 'seqcast:submitting';

// KEYS: wait, paused, prioritized, delayed (BullMQ's), reservations; ARGV: limit, reservation ms, id.
// Counts what waits plus what is being submitted and reserves a place, in one step: the count and
// the add can never interleave with another replica's.
const RESERVE = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zremrangebyscore', KEYS[5], '-inf', now)
local n = redis.call('llen', KEYS[1]) + redis.call('llen', KEYS[2]) + redis.call('zcard', KEYS[3]) + redis.call('zcard', KEYS[4]) + redis.call('zcard', KEYS[5])
if n >= tonumber(ARGV[1]) then return -n - 1 end
redis.call('zadd', KEYS[5], now + tonumber(ARGV[2]), ARGV[3])
return n`;

const isTerminal = (s: JobState): boolean => TERMINAL_STATES.includes(s);

/**
 * @example
 * const jobs = await QueueJobBackend.open({ redisUrl: 'redis://127.0.0.1:6379', logger, maxQueued: 8 });
 * const { record } = await jobs.submit(await prepareJob(request, 512));   // a worker anywhere picks it up
 * jobs.on('update', (r) => console.log(r.state, r.step, r.steps));
 */
export class QueueJobBackend extends EventEmitter<{ update: [JobRecord] }> implements JobBackend {
  readonly mode = 'queue' as const;
  private cachedCounts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  private countsAt = 0;
  private closed = false;

  private readonly keys: IdempotencyKeys;
  private readonly disk: DiskJobRecords;

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
    this.keys = new IdempotencyKeys(opts.modelsDir);
    this.disk = records.disk!;
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
    const records = new RedisJobRecords(redis, producer, new DiskJobRecords(opts.modelsDir, opts.logger));
    const backend = new QueueJobBackend(opts, redis, queue, events, producer, records);
    void backend.keys.sweep();
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

  /** The record in Redis, else its durable copy on the disk (Redis lost its data). */
  get(id: string): Promise<JobRecord | undefined> {
    return this.redisCall(async () => (await this.records.get(id)) ?? (await this.fromDisk(id)));
  }

  /**
   * Job `id`'s record from the disk, when Redis has none. A job the disk says is queued or running
   * but that the queue no longer holds, and that no worker has written for {@link LOST_AFTER_MS},
   * was lost with Redis's data: it is marked interrupted (its input is gone with the queue).
   */
  private async fromDisk(id: string): Promise<JobRecord | undefined> {
    const found = await this.disk.load(id);
    if (!found) return undefined;
    const { record, writtenAt } = found;
    if (isTerminal(record.state) || Date.now() - writtenAt < LOST_AFTER_MS) return record;
    if (await this.queue.getJob(id)) return record;
    Object.assign(record, {
      state: 'interrupted',
      finishedAt: new Date().toISOString(),
      etaMs: null,
      error: {
        code: 'INTERRUPTED',
        message: `the job queue lost this job while it was ${record.state} (did Redis restart without persistence?); submit it again`,
      },
    });
    await this.records.save(record);
    this.opts.logger.log('warn', 'job lost by the queue', { job: id });
    return record;
  }

  /** Records in Redis and those only the disk still has (Redis lost them), newest first. */
  list(): Promise<JobRecord[]> {
    return this.redisCall(async () => {
      const inRedis = await this.records.list();
      const seen = new Set(inRedis.map((r) => r.id));
      // Kept as long as Redis keeps a record: that long after its last write.
      const onDisk = await this.disk.loadAll({ skip: seen, maxAgeMs: RECORD_TTL_SECONDS * 1000 });
      const restored = await Promise.all(onDisk.map(async (r) => (isTerminal(r.state) ? r : ((await this.fromDisk(r.id)) ?? r))));
      return [...inRedis, ...restored].sort((x, y) => y.createdAt.localeCompare(x.createdAt)).slice(0, INDEX_MAX);
    });
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

  async submit(job: Pick<PreparedJob, 'request' | 'spec' | 'steps'>, idempotency?: IdempotencyRequest): Promise<Submitted> {
    if (this.closed) throw new SeqcastError('DISABLED', 'the server is shutting down; job not accepted');
    if (idempotency) {
      const earlier = await replayOf(this.keys, idempotency, (id) => this.get(id));
      if (earlier) return { record: earlier, replayed: true };
    }
    return this.redisCall(async () => {
      const rec = newJobRecord(job.spec, job.steps);
      // Count and reserve a place in one Redis step: replicas checking at once cannot all pass.
      const reserved = await this.reserve(rec.id);
      if (reserved < 0) {
        const waiting = -reserved - 1;
        throw new SeqcastError('CONFLICT', `${waiting} jobs are already waiting (limit ${this.opts.maxQueued}); retry later`);
      }
      try {
        // The record is durable before anything is acknowledged or queued (a 507 otherwise).
        await this.records.create(rec);
        const holder = idempotency ? await this.claimOrUndo(idempotency, rec) : undefined;
        if (holder) {
          // A concurrent submit with the same key (on any replica) won: this one was never acknowledged.
          await this.records.remove(rec.id);
          const earlier = await this.get(holder.id);
          if (earlier) return { record: earlier, replayed: true };
          throw new SeqcastError('CONFLICT', 'a job with this Idempotency-Key is being accepted right now; retry', { where: 'Idempotency-Key' });
        }
        try {
          // The payload is the job's API request itself, as validated (POST /v1/jobs's body), never
          // the spec made from it; workers parse it with the same schema before training (Redis is
          // not trusted).
          await this.queue.add('train', job.request, {
            jobId: rec.id,
            attempts: 1,
            removeOnComplete: true,
            removeOnFail: { age: FAILED_KEEP_SECONDS },
          });
        } catch (e) {
          await this.records.remove(rec.id).catch(() => undefined);
          if (idempotency) await this.keys.release(idempotency.key, rec.id);
          throw e;
        }
      } finally {
        await this.redis.zrem(RESERVATIONS_KEY, rec.id).catch(() => undefined);
      }
      this.opts.logger.log('info', 'job queued', { job: rec.id, model: rec.name, kind: rec.kind });
      this.emit('update', rec);
      return { record: rec, replayed: false };
    });
  }

  /** Claim the key for `rec`; on a failure to write it, `rec` is removed (it was never acknowledged). */
  private async claimOrUndo(idempotency: IdempotencyRequest, rec: JobRecord): Promise<{ id: string } | undefined> {
    try {
      return await this.keys.claim(idempotency, rec.id);
    } catch (e) {
      await this.records.remove(rec.id).catch(() => undefined);
      throw e;
    }
  }

  /** Reserve a place for job `id`: the number of jobs waiting before it, or -(waiting + 1) when the queue is full. */
  private async reserve(id: string): Promise<number> {
    const k = this.queue.keys;
    const n = await this.redis.eval(RESERVE, 5, k.wait!, k.paused!, k.prioritized!, k.delayed!, RESERVATIONS_KEY, this.opts.maxQueued, RESERVATION_MS, id);
    return Number(n);
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
