/**
 * Redis names and connections shared by queue-mode replicas and workers.
 *
 * Retention (docs/scale.md): a job record lives in Redis for {@link RECORD_TTL_SECONDS} after its
 * last change (7 days; finished jobs are never changed again), the list index is trimmed to the
 * same age and to the newest {@link INDEX_MAX} ids, and BullMQ's own copy of a job (which holds
 * the training input) is removed as soon as it completes, or a day after it fails.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { SeqcastError } from '@seqcast/core';

/** The BullMQ queue training jobs go through. */
export const QUEUE_NAME = 'seqcast-train';
/** Custom queue event carrying a changed job record (replica cancels, worker state changes). */
export const RECORD_EVENT = 'seqcast-record';

export const recordKey = (id: string): string => `seqcast:job:${id}`;
/** The worker that rebuilt a job's record after Redis lost it (see RedisJobRecords.saveIfHolding). */
export const rebuiltKey = (id: string): string => `seqcast:rebuilt:${id}`;
/** Sorted set of job ids by creation time (ms). */
export const INDEX_KEY = 'seqcast:jobs';
/** Set by a replica to ask the worker running a job to stop it. */
export const cancelKey = (id: string): string => `seqcast:cancel:${id}`;
/** Held while a worker publishes a version of a model (one publisher per name at a time). */
export const publishLockKey = (name: string): string => `seqcast:publish:${name}`;

export const RECORD_TTL_SECONDS = 7 * 24 * 3600;
export const INDEX_MAX = 1000;
/** A failed job's BullMQ entry (its input included) is kept this long, for inspection. */
export const FAILED_KEEP_SECONDS = 24 * 3600;

/** `redis://user:pass@host:6379/0` shown without its password. */
export function safeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * A connection that fails commands at once while Redis is away (so an HTTP request gets a 503,
 * not a hang) and keeps reconnecting in the background, at most every 2 s.
 */
export function commandConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    ...extra,
  });
}

/** Options for BullMQ's connections (workers, queue events): reconnect forever, at most every 2 s. */
export function blockingConnectionOptions(url: string, extra: BullRedisOptions = {}): BullRedisOptions {
  return { url, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(100 * times, 2000), ...extra };
}

const AUTH_FAILED = /\b(WRONGPASS|NOAUTH)\b|invalid password|Client sent AUTH, but no password is set/;

/** Redis's refusal of the URL's credentials, said as such (it otherwise reads "Connection is closed."). */
function authFailure(message: string, url: string): SeqcastError | undefined {
  if (!AUTH_FAILED.test(message)) return undefined;
  const code = /\b(WRONGPASS|NOAUTH)\b/.exec(message)?.[1] ?? 'AUTH';
  const given = (() => {
    try {
      return new URL(url).password !== '';
    } catch {
      return false;
    }
  })();
  const what = given ? 'refused the user name and password' : 'requires a password';
  return new SeqcastError(
    'BACKEND_UNAVAILABLE',
    `Redis at ${safeRedisUrl(url)} ${what} (authentication failed: ${code}); set them in the Redis URL (--redis redis://user:password@host:port, or SEQCAST_REDIS_URL)`,
    { where: 'redis' },
  );
}

/** Connect `client` (lazy) or throw a one-line error naming the URL (without its password). */
export async function connectOrExplain(client: Redis, url: string, timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // A refused AUTH reaches only the error event; the connect itself then fails as "Connection is closed."
  let refused: string | undefined;
  const onError = (e: Error) => {
    if (AUTH_FAILED.test(e.message)) refused ??= e.message;
  };
  client.on('error', onError);
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    await client.ping();
  } catch (e) {
    client.disconnect();
    const why = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    throw (
      authFailure(refused ?? why, url) ?? new SeqcastError('BACKEND_UNAVAILABLE', `cannot reach Redis at ${safeRedisUrl(url)} (${why})`, { where: 'redis' })
    );
  } finally {
    clearTimeout(timer);
    client.off('error', onError);
  }
}

/**
 * Whether `work` settles (either way) within `ms`. For BullMQ calls that can wait forever on a
 * connection still reconnecting after a Redis restart (bullmq#4656); the timer does not keep the
 * process alive.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A command that failed because Redis is away, as the 503 a client can retry. */
export function redisUnavailable(e: unknown): SeqcastError {
  const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return new SeqcastError('OVERLOADED', `the job queue (Redis) is unreachable (${why}); predictions still work, retry jobs later`);
}
