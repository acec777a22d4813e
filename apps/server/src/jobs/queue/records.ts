/**
 * Job records in Redis: one JSON string per job (`seqcast:job:<id>`, expiring
 * RECORD_TTL_SECONDS after its last write) and a sorted set of ids by creation time for the
 * list. Every write is also announced on the queue's event stream (RECORD_EVENT), so each
 * replica can push it to its SSE subscribers.
 */
import type { Redis } from 'ioredis';
import type { QueueEventsProducer } from 'bullmq';
import { JOB_STATES, type JobRecord } from '../types.js';
import { isJobId } from '../store.js';
import { INDEX_KEY, INDEX_MAX, RECORD_EVENT, RECORD_TTL_SECONDS, recordKey } from './redis.js';

/** A record from JSON text or an already parsed value; undefined for anything that is not one. */
export function parseRecord(value: unknown): JobRecord | undefined {
  let r: unknown = value;
  if (typeof value === 'string') {
    try {
      r = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const x = r as Partial<JobRecord> | null;
  if (typeof x === 'object' && x !== null && typeof x.id === 'string' && isJobId(x.id) && (JOB_STATES as readonly string[]).includes(x.state as string)) {
    return x as JobRecord;
  }
  return undefined;
}

// KEYS: record, index, lock; ARGV: record text, ttl, token, index score, id (see saveIfHolding).
const SAVE_IF_HOLDING = `
if redis.call('get', KEYS[3]) ~= ARGV[3] then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('zadd', KEYS[2], ARGV[4], ARGV[5])
return 1`;

/**
 * @example
 * const records = new RedisJobRecords(redis, producer);
 * await records.save(rec);
 * (await records.get(rec.id))?.state;   // 'queued'
 */
export class RedisJobRecords {
  constructor(
    private readonly redis: Redis,
    private readonly events: QueueEventsProducer | undefined,
  ) {}

  async save(rec: JobRecord): Promise<void> {
    const text = JSON.stringify(rec);
    await this.redis.multi().set(recordKey(rec.id), text, 'EX', RECORD_TTL_SECONDS).zadd(INDEX_KEY, Date.parse(rec.createdAt), rec.id).exec();
    await this.events?.publishEvent({ eventName: RECORD_EVENT, jobId: rec.id, record: text });
  }

  /**
   * Save `rec` only while the key `lock` still holds `token`: the check and the write run as one
   * Redis script, so no other worker can take the job between them (a worker that lost its job
   * must not overwrite the new attempt's record). False, and nothing written, when it does not.
   */
  async saveIfHolding(rec: JobRecord, lock: string, token: string): Promise<boolean> {
    const text = JSON.stringify(rec);
    const written = await this.redis.eval(
      SAVE_IF_HOLDING,
      3,
      recordKey(rec.id),
      INDEX_KEY,
      lock,
      text,
      RECORD_TTL_SECONDS,
      token,
      Date.parse(rec.createdAt),
      rec.id,
    );
    if (written !== 1) return false;
    await this.events?.publishEvent({ eventName: RECORD_EVENT, jobId: rec.id, record: text });
    return true;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return parseRecord(await this.redis.get(recordKey(id)));
  }

  /** The newest INDEX_MAX records, newest first; index entries whose record expired are dropped. */
  async list(): Promise<JobRecord[]> {
    await this.redis.zremrangebyscore(INDEX_KEY, '-inf', Date.now() - RECORD_TTL_SECONDS * 1000);
    await this.redis.zremrangebyrank(INDEX_KEY, 0, -INDEX_MAX - 1);
    const ids = await this.redis.zrevrange(INDEX_KEY, 0, INDEX_MAX - 1);
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map(recordKey));
    const out: JobRecord[] = [];
    const gone: string[] = [];
    texts.forEach((t, i) => {
      const r = parseRecord(t);
      if (r) out.push(r);
      else gone.push(ids[i]!);
    });
    if (gone.length > 0) await this.redis.zrem(INDEX_KEY, ...gone);
    return out;
  }
}
