/**
 * Job records on disk: one JSON file per job in `<models>/.jobs/`, each write atomic and
 * durable (a temp file in the same directory, flushed to the disk, renamed over the record, the
 * directory flushed), so a crash or a power cut leaves either the old record or the new one.
 * Writes to one record are serialised so an older state never lands last.
 *
 * The embedded server keeps its records here; in queue mode this is the durable copy of the
 * records Redis holds (replicas and workers share the models directory), so a Redis that loses
 * its data does not lose the jobs.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SeqcastError } from '@seqcast/core';
import { JOB_STATES, type JobRecord } from './types.js';
import { withStepFields } from './progress.js';
import type { Logger } from '../logger.js';

export const JOBS_DIR = '.jobs';
const ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a string shaped like a job id (a UUID); anything else is never turned into a path. */
export function isJobId(id: string): boolean {
  return ID_RE.test(id);
}

/** Temp files younger than this may be another process's write in progress (queue mode shares the directory). */
const TEMP_GRACE_MS = 60_000;

const IO_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** A file-system error as `ENOSPC: no space left on the device`, never with a server path in it. */
export function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return IO_REASONS[code] ? `${code}: ${IO_REASONS[code]}` : code;
  return 'unknown error';
}

/** Write `text` to `file` atomically and durably: temp file, fsync, rename, fsync of the directory. */
async function writeDurably(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(dir, { recursive: true });
  try {
    const fh = await fs.open(tmp, 'wx');
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncDir(dir);
}

/** Flush a directory's entries (a rename or link in it is only durable then; a power cut could otherwise undo it). */
export async function syncDir(dir: string): Promise<void> {
  const dh = await fs.open(dir, 'r');
  try {
    await dh.sync();
  } catch (e) {
    // Some file systems refuse fsync on a directory; the rename has happened either way.
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL' && (e as NodeJS.ErrnoException).code !== 'EISDIR') throw e;
  } finally {
    await dh.close();
  }
}

function looksLikeRecord(x: unknown): x is JobRecord {
  const r = x as Partial<JobRecord>;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.id === 'string' &&
    isJobId(r.id) &&
    typeof r.name === 'string' &&
    (JOB_STATES as readonly string[]).includes(r.state as string)
  );
}

/**
 * @example
 * const records = new DiskJobRecords('models', logger);
 * await records.save(record);          // models/.jobs/<id>.json, atomically
 * const all = await records.loadAll();
 */
export class DiskJobRecords {
  readonly dir: string;
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    modelsDir: string,
    private readonly logger: Logger,
  ) {
    this.dir = path.join(modelsDir, JOBS_DIR);
  }

  /**
   * Every readable record, oldest first (unreadable files are logged and skipped); the ids in
   * `skip` are not read, and records last written more than `maxAgeMs` ago are removed.
   */
  async loadAll(o: { skip?: ReadonlySet<string>; maxAgeMs?: number } = {}): Promise<JobRecord[]> {
    await fs.mkdir(this.dir, { recursive: true });
    const out: JobRecord[] = [];
    for (const f of await fs.readdir(this.dir)) {
      if (o.skip?.has(f.slice(0, -5))) continue;
      if (o.maxAgeMs !== undefined && f.endsWith('.json')) {
        const st = await fs.stat(path.join(this.dir, f)).catch(() => undefined);
        if (!st) continue;
        if (Date.now() - st.mtimeMs > o.maxAgeMs) {
          await fs.rm(path.join(this.dir, f), { force: true });
          continue;
        }
      }
      if (!f.endsWith('.json') || !isJobId(f.slice(0, -5))) {
        // Leftover temp files from a crash mid-write (not one another process is writing now).
        if (f.startsWith('.') && f.includes('.tmp-')) {
          const st = await fs.stat(path.join(this.dir, f)).catch(() => undefined);
          if (st && Date.now() - st.mtimeMs > TEMP_GRACE_MS) await fs.rm(path.join(this.dir, f), { force: true });
        }
        continue;
      }
      const rec = await this.readFile(f);
      if (rec) out.push(rec);
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The record of job `id` with the time of its last write, or undefined when there is none (or it is unreadable). */
  async load(id: string): Promise<{ record: JobRecord; writtenAt: number } | undefined> {
    if (!isJobId(id)) return undefined;
    const st = await fs.stat(path.join(this.dir, `${id}.json`)).catch(() => undefined);
    if (!st) return undefined;
    const record = await this.readFile(`${id}.json`);
    return record && record.id === id ? { record, writtenAt: st.mtimeMs } : undefined;
  }

  private async readFile(f: string): Promise<JobRecord | undefined> {
    try {
      const rec: unknown = JSON.parse(await fs.readFile(path.join(this.dir, f), 'utf8'));
      if (looksLikeRecord(rec)) return withStepFields(rec);
      this.logger.log('warn', 'job record skipped', { file: f, error: 'not a job record' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // removed meanwhile
      this.logger.log('warn', 'job record skipped', { file: f, error: e instanceof Error ? e.message : String(e) });
    }
    return undefined;
  }

  /**
   * Persist `record` (a snapshot is taken now; writes for one id stay in order). A failed write is
   * logged and the previous record stays: for changes to a job already accepted, whose work goes on.
   */
  save(record: JobRecord): Promise<void> {
    return this.write(record).catch((e: unknown) => {
      this.logger.log('error', 'job record not saved', { job: record.id, error: ioReason(e) });
    });
  }

  /**
   * Persist the record of a job being accepted: resolves once it is on the disk, or throws an
   * INSUFFICIENT_STORAGE error (507) naming why, and then nothing of it is left on the disk.
   */
  async create(record: JobRecord): Promise<void> {
    try {
      await this.write(record);
    } catch (e) {
      await this.remove(record.id).catch(() => undefined); // renamed but not made durable: not accepted either
      this.logger.log('error', 'job not accepted: its record could not be saved', { job: record.id, error: ioReason(e) });
      throw new SeqcastError(
        'INSUFFICIENT_STORAGE',
        `job not accepted: its record could not be saved (${ioReason(e)}); free space in the models directory and retry`,
        {
          where: 'modelsDir',
        },
      );
    }
  }

  /** Remove a record (a job refused after its record was written). */
  async remove(id: string): Promise<void> {
    if (isJobId(id)) await fs.rm(path.join(this.dir, `${id}.json`), { force: true });
  }

  private write(record: JobRecord): Promise<void> {
    const text = JSON.stringify(record, null, 2) + '\n';
    const prev = this.chains.get(record.id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => writeDurably(path.join(this.dir, `${record.id}.json`), text));
    this.chains.set(record.id, next);
    const settled = () => {
      if (this.chains.get(record.id) === next) this.chains.delete(record.id);
    };
    next.then(settled, settled);
    return next;
  }

  /** Resolves when every pending write has landed. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.chains.values()]);
  }
}
