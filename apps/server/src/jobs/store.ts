/**
 * Job records on disk: one JSON file per job in `<models>/.jobs/`, each write atomic (a temp
 * file in the same directory renamed over the record), so a crash leaves either the old record
 * or the new one. Writes to one record are serialised so an older state never lands last.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { JOB_STATES, type JobRecord } from './types.js';
import type { Logger } from '../logger.js';

export const JOBS_DIR = '.jobs';
const ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a string shaped like a job id (a UUID); anything else is never turned into a path. */
export function isJobId(id: string): boolean {
  return ID_RE.test(id);
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
 * const store = new JobStore('models', logger);
 * await store.save(record);            // models/.jobs/<id>.json, atomically
 * const all = await store.loadAll();
 */
export class JobStore {
  readonly dir: string;
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    modelsDir: string,
    private readonly logger: Logger,
  ) {
    this.dir = path.join(modelsDir, JOBS_DIR);
  }

  /** Every readable record (unreadable files are logged and skipped). */
  async loadAll(): Promise<JobRecord[]> {
    await fs.mkdir(this.dir, { recursive: true });
    const out: JobRecord[] = [];
    for (const f of await fs.readdir(this.dir)) {
      if (!f.endsWith('.json') || !isJobId(f.slice(0, -5))) {
        // Leftover temp files from a crash mid-write.
        if (f.startsWith('.') && f.includes('.tmp-')) await fs.rm(path.join(this.dir, f), { force: true });
        continue;
      }
      try {
        const rec: unknown = JSON.parse(await fs.readFile(path.join(this.dir, f), 'utf8'));
        if (looksLikeRecord(rec)) out.push(rec);
        else this.logger.log('warn', 'job record skipped', { file: f, error: 'not a job record' });
      } catch (e) {
        this.logger.log('warn', 'job record skipped', { file: f, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Persist `record` atomically (a snapshot is taken now; writes for one id stay in order). */
  save(record: JobRecord): Promise<void> {
    const text = JSON.stringify(record, null, 2) + '\n';
    const prev = this.chains.get(record.id) ?? Promise.resolve();
    const next = prev.then(async () => {
      const file = path.join(this.dir, `${record.id}.json`);
      const tmp = path.join(this.dir, `.${record.id}.json.tmp-${randomBytes(4).toString('hex')}`);
      try {
        await fs.writeFile(tmp, text);
        await fs.rename(tmp, file);
      } catch (e) {
        await fs.rm(tmp, { force: true });
        this.logger.log('error', 'job record not saved', { job: record.id, error: e instanceof Error ? e.message : String(e) });
      }
    });
    this.chains.set(record.id, next);
    void next.then(() => {
      if (this.chains.get(record.id) === next) this.chains.delete(record.id);
    });
    return next;
  }

  /** Resolves when every pending write has landed. */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }
}
