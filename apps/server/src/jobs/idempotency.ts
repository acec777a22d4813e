/**
 * Submit idempotency keys (`Idempotency-Key` on `POST /v1/jobs`): a client that resubmits a job
 * (its connection dropped, it never saw the answer, the queue lost the job's record) with the
 * same key gets the job it already started, not a second training.
 *
 * Keys live beside the job records on the disk (`<models>/.jobs/keys/`, one file per key named
 * by its SHA-256), written with a link that fails when the name exists: the claim is atomic
 * across every replica sharing the models directory, and survives a Redis that loses its data.
 * A key is remembered for {@link IDEMPOTENCY_KEY_HOURS} hours from its first use.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { SeqcastError } from '@seqcast/core';
import { ioReason, JOBS_DIR, syncDir } from './disk-records.js';
import type { JobRecord } from './types.js';

export const IDEMPOTENCY_KEY_HOURS = 24;
const KEY_MS = IDEMPOTENCY_KEY_HOURS * 3600 * 1000;
const KEY_RE = /^[\x21-\x7e]{1,255}$/;

/** A key and the fingerprint of the request it came with. */
export interface IdempotencyRequest {
  key: string;
  /** SHA-256 of the validated request: the same key with another request is refused (409). */
  fingerprint: string;
}

interface Held {
  id: string;
  fingerprint: string;
  createdAt: number;
}

/** The header's value checked (visible ASCII, 1–255 characters), or a 400 naming the header. */
export function idempotencyRequest(header: string | undefined, body: unknown): IdempotencyRequest | undefined {
  if (header === undefined) return undefined;
  if (!KEY_RE.test(header)) {
    throw new SeqcastError('BAD_ARGUMENT', 'the Idempotency-Key header must be 1 to 255 visible ASCII characters (no spaces)', { where: 'Idempotency-Key' });
  }
  return { key: header, fingerprint: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
}

function differentRequest(): SeqcastError {
  return new SeqcastError('CONFLICT', 'this Idempotency-Key was already used for a different job request; use a new key for a new job', {
    where: 'Idempotency-Key',
  });
}

/**
 * @example
 * const keys = new IdempotencyKeys(modelsDir);
 * const holder = await keys.claim(req, rec.id);   // undefined: the key is now rec's
 */
export class IdempotencyKeys {
  readonly dir: string;

  constructor(modelsDir: string) {
    this.dir = path.join(modelsDir, JOBS_DIR, 'keys');
  }

  private file(key: string): string {
    return path.join(this.dir, `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  /** The job holding `key`, when it is held and not expired (an expired key is removed). */
  async find(key: string): Promise<Held | undefined> {
    const file = this.file(key);
    let held: Held;
    try {
      held = JSON.parse(await fs.readFile(file, 'utf8')) as Held;
    } catch (e) {
      // A claim is never seen half-written (it is linked in whole): anything unreadable is damage.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') await fs.rm(file, { force: true });
      return undefined;
    }
    if (typeof held?.id !== 'string' || typeof held.createdAt !== 'number' || Date.now() - held.createdAt > KEY_MS) {
      await fs.rm(file, { force: true });
      return undefined;
    }
    return held;
  }

  /**
   * Claim `req.key` for job `id`: undefined once it is ours (on the disk), else the job already
   * holding it. A 409 when it was used with a different request; a 507 when it cannot be written.
   */
  async claim(req: IdempotencyRequest, id: string, tries = 3): Promise<Held | undefined> {
    const held: Held = { id, fingerprint: req.fingerprint, createdAt: Date.now() };
    const file = this.file(req.key);
    const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await fs.mkdir(this.dir, { recursive: true });
      const fh = await fs.open(tmp, 'wx');
      try {
        await fh.writeFile(JSON.stringify(held));
        await fh.sync();
      } finally {
        await fh.close();
      }
      // link() refuses an existing name: of two replicas claiming one key, exactly one wins.
      await fs.link(tmp, file);
      await syncDir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new SeqcastError(
          'INSUFFICIENT_STORAGE',
          `job not accepted: its Idempotency-Key could not be saved (${ioReason(e)}); free space in the models directory and retry`,
          {
            where: 'modelsDir',
          },
        );
      }
      const holder = await this.find(req.key);
      if (!holder) {
        // Expired or damaged (now removed), or released meanwhile: claim again.
        if (tries > 1) return this.claim(req, id, tries - 1);
        throw new SeqcastError('CONFLICT', 'a job with this Idempotency-Key is being accepted right now; retry', { where: 'Idempotency-Key' });
      }
      if (holder.fingerprint !== req.fingerprint) throw differentRequest();
      return holder;
    } finally {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
    }
    return undefined;
  }

  /** Forget `key` if job `id` holds it (its job was not accepted after all). */
  async release(key: string, id: string): Promise<void> {
    const held = await this.find(key);
    if (held?.id === id) await fs.rm(this.file(key), { force: true });
  }

  /** Remove expired keys (and temp files a crash left). */
  async sweep(): Promise<void> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    for (const f of names) {
      const st = await fs.stat(path.join(this.dir, f)).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > KEY_MS) await fs.rm(path.join(this.dir, f), { force: true });
    }
  }
}

/**
 * The job an earlier submit with this key started (a replay), or undefined when the key is free.
 * A key whose job record is gone (expired) is released.
 */
export async function replayOf(
  keys: IdempotencyKeys,
  req: IdempotencyRequest,
  get: (id: string) => Promise<JobRecord | undefined> | JobRecord | undefined,
): Promise<JobRecord | undefined> {
  const held = await keys.find(req.key);
  if (!held) return undefined;
  if (held.fingerprint !== req.fingerprint) throw differentRequest();
  const rec = await get(held.id);
  if (rec) return rec;
  await keys.release(req.key, held.id);
  return undefined;
}
