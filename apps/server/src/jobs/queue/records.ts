/**
 * Job records in Redis: one JSON string per job (`seqcast:job:<id>`, expiring
 * RECORD_TTL_SECONDS after its last write) and a sorted set of ids by creation time for the
 * list. Every write is also announced on the queue's event stream (RECORD_EVENT), so each
 * replica can push it to its SSE subscribers, and kept on the disk (the durable copy).
 */
import type { Redis } from 'ioredis';
import type { QueueEventsProducer } from 'bullmq';
import { JOB_STATES, type JobRecord } from '../types.js';
import { withStepFields } from '../progress.js';
import { isJobId, type DiskJobRecords } from '../disk-records.js';
import { INDEX_KEY, INDEX_MAX, RECORD_EVENT, RECORD_TTL_SECONDS, rebuiltKey, recordKey } from './redis.js';

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
    return withStepFields(x as JobRecord);
  }
  return undefined;
}

// KEYS: record, index, lock, rebuilt; ARGV: record text, ttl, token, index score, id (see saveIfHolding).
// 1: written by the lock's holder. 2: nobody holds the job and Redis has no record of it (Redis
// lost its data while the worker trained): the record is rebuilt from the worker's copy, and the
// `rebuilt` key remembers which worker writes it from now on. 0: refused, nothing written.
const SAVE_IF_HOLDING = `
local holder = redis.call('get', KEYS[3])
local result = 1
if holder ~= ARGV[3] then
  if holder then return 0 end
  if redis.call('exists', KEYS[1]) == 1 and redis.call('get', KEYS[4]) ~= ARGV[3] then return 0 end
  redis.call('set', KEYS[4], ARGV[3], 'PX', 60000)
  result = 2
end
redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('zadd', KEYS[2], ARGV[4], ARGV[5])
return result`;

/** How a fenced write went (see {@link RedisJobRecords.saveIfHolding}). */
export type FencedWrite = 'written' | 'rebuilt' | 'refused';

/**
 * Records in Redis, each write also kept on the disk (`disk`, the models directory's `.jobs/`)
 * when one is given: Redis is the fast, shared copy (progress every second); the disk is the one
 * that survives a Redis that loses its data.
 *
 * @example
 * const records = new RedisJobRecords(redis, producer, new DiskJobRecords(modelsDir, logger));
 * await records.create(rec);           // disk first (a 507 when it is full), then Redis
 * (await records.get(rec.id))?.state;  // 'queued'
 */
export class RedisJobRecords {
  constructor(
    private readonly redis: Redis,
    private readonly events: QueueEventsProducer | undefined,
    readonly disk?: DiskJobRecords,
  ) {}

  /** A new job's record: on the disk durably (else INSUFFICIENT_STORAGE, nothing written), then in Redis. */
  async create(rec: JobRecord): Promise<void> {
    await this.disk?.create(rec);
    try {
      await this.save(rec, { disk: false });
    } catch (e) {
      await this.disk?.remove(rec.id);
      throw e;
    }
  }

  async save(rec: JobRecord, o: { disk?: boolean } = {}): Promise<void> {
    const text = JSON.stringify(rec);
    await this.redis.multi().set(recordKey(rec.id), text, 'EX', RECORD_TTL_SECONDS).zadd(INDEX_KEY, Date.parse(rec.createdAt), rec.id).exec();
    if (o.disk !== false) await this.disk?.save(rec);
    await this.events?.publishEvent({ eventName: RECORD_EVENT, jobId: rec.id, record: text });
  }

  /** Remove a record that was never acknowledged (Redis and disk). */
  async remove(id: string): Promise<void> {
    await this.redis.multi().del(recordKey(id)).zrem(INDEX_KEY, id).exec();
    await this.disk?.remove(id);
  }

  /**
   * Save `rec` only while the key `lock` still holds `token`: the check and the write run as one
   * Redis script, so no other worker can take the job between them (a worker that lost its job
   * must not overwrite the new attempt's record). When nobody holds the job and Redis has no
   * record of it (Redis restarted without its data), the record is rebuilt from `rec`.
   * `refused`, and nothing written, when another worker holds it.
   */
  async saveIfHolding(rec: JobRecord, lock: string, token: string, o: { disk?: boolean } = {}): Promise<FencedWrite> {
    const text = JSON.stringify(rec);
    const result = await this.redis.eval(
      SAVE_IF_HOLDING,
      4,
      recordKey(rec.id),
      INDEX_KEY,
      lock,
      rebuiltKey(rec.id),
      text,
      RECORD_TTL_SECONDS,
      token,
      Date.parse(rec.createdAt),
      rec.id,
    );
    if (result !== 1 && result !== 2) return 'refused';
    if (o.disk !== false) await this.disk?.save(rec);
    await this.events?.publishEvent({ eventName: RECORD_EVENT, jobId: rec.id, record: text });
    return result === 1 ? 'written' : 'rebuilt';
  }

  /**
   * The record stored under job `id`'s key as it is, even one naming another job (only the
   * worker reads this, to refuse such an entry); undefined when there is none.
   */
  async read(id: string): Promise<JobRecord | undefined> {
    return parseRecord(await this.redis.get(recordKey(id)));
  }

  /** Job `id`'s record in Redis (one stored under its key but naming another job is not its record). */
  async get(id: string): Promise<JobRecord | undefined> {
    const rec = await this.read(id);
    return rec?.id === id ? rec : undefined;
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
      if (r && r.id === ids[i]) out.push(r);
      else gone.push(ids[i]!);
    });
    if (gone.length > 0) await this.redis.zrem(INDEX_KEY, ...gone);
    return out;
  }
}
