/**
 * The models directory as a shared {@link ModelStore}.
 *
 * Layout, next to the models the registry serves (`<name>/<N>/`):
 *   .staging/<jobId>.<random>/  one attempt's training output before it is published
 *   <name>/<N>/.seqcast-job     the id of the job that published version N
 * Publishing renames the staged directory to `<name>/<N>` (atomic on one filesystem; rename
 * never replaces a non-empty directory, so two publishers can never take the same N). The job id
 * travels inside the renamed directory, so "already published by this job?" and "published"
 * can never disagree, even when a worker dies between the rename and telling the queue.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { METADATA_JSON, SeqcastError } from '@seqcast/core';
import { ModelRegistry } from '../models/registry.js';
import { isValidModelName } from '../models/names.js';
import { isJobId } from '../jobs/disk-records.js';
import type { Logger } from '../logger.js';
import type { ModelStore, Published } from './model-store.js';

export const STAGING_DIR = '.staging';
/** File inside a published version naming the job that published it. */
export const JOB_MARKER = '.seqcast-job';

/**
 * @example
 * const store = new DirectoryModelStore('/mnt/models', logger);
 * const dir = await store.stage(jobId);            // train into path.join(dir, 'model')
 * const { version } = await store.publish('stock', jobId, path.join(dir, 'model'));
 */
export class DirectoryModelStore implements ModelStore {
  /** Used for its path rules only (valid names, versions on disk, no symlinks); loads nothing. */
  private readonly layout: ModelRegistry;

  constructor(
    readonly modelsDir: string,
    logger: Logger,
  ) {
    this.layout = new ModelRegistry({ modelsDir, loaders: {}, logger });
  }

  private get stagingRoot(): string {
    return path.join(this.modelsDir, STAGING_DIR);
  }

  async stage(jobId: string): Promise<string> {
    if (!isJobId(jobId)) throw new SeqcastError('BAD_ARGUMENT', `not a job id: ${JSON.stringify(jobId.slice(0, 80))}`, { where: 'jobId' });
    await fs.mkdir(this.stagingRoot, { recursive: true });
    // Earlier attempts of this job are dead (their worker lost the job): drop what they left.
    for (const e of await fs.readdir(this.stagingRoot)) {
      if (e.startsWith(`${jobId}.`)) await fs.rm(path.join(this.stagingRoot, e), { recursive: true, force: true });
    }
    return fs.mkdtemp(path.join(this.stagingRoot, `${jobId}.`));
  }

  async discard(stagingDir: string): Promise<void> {
    if (path.dirname(stagingDir) !== this.stagingRoot) return; // only ever our own staging
    await fs.rm(stagingDir, { recursive: true, force: true });
  }

  /** Remove staging older than `maxAgeMs` (left by workers killed before anyone retried their job). */
  async sweepStaging(maxAgeMs: number): Promise<void> {
    const entries = await fs.readdir(this.stagingRoot).catch(() => []);
    for (const e of entries) {
      const p = path.join(this.stagingRoot, e);
      const st = await fs.lstat(p).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > maxAgeMs) await fs.rm(p, { recursive: true, force: true });
    }
  }

  async publishedBy(name: string, jobId: string): Promise<number | undefined> {
    for (const v of (await this.layout.versionsOnDisk(name)).reverse()) {
      const dir = await this.layout.versionDir(name, v);
      const owner = await fs.readFile(path.join(dir, JOB_MARKER), 'utf8').catch(() => '');
      if (owner.trim() === jobId) return v;
    }
    return undefined;
  }

  async publish(name: string, jobId: string, stagedDir: string): Promise<Published> {
    const earlier = await this.publishedBy(name, jobId);
    if (earlier !== undefined) return { version: earlier, already: true };
    await fs.access(path.join(stagedDir, METADATA_JSON)).catch(() => {
      throw new SeqcastError('INTERNAL', `job ${jobId}: the training left no model to publish`);
    });
    await fs.writeFile(path.join(stagedDir, JOB_MARKER), `${jobId}\n`);
    // Another writer (a CLI save, a publisher that ignored the lock) may take a number first:
    // rename fails on a non-empty target, and the next number is tried.
    for (let attempt = 0; attempt < 20; attempt++) {
      const { version, dir } = await this.layout.nextVersion(name);
      await fs.mkdir(path.dirname(dir), { recursive: true });
      try {
        await fs.rename(stagedDir, dir);
        return { version, already: false };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      }
    }
    throw new SeqcastError('CONFLICT', `model ${JSON.stringify(name)}: no free version number after 20 tries`, { where: 'name' });
  }

  async fingerprints(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const entries = await fs.readdir(this.modelsDir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory() || !isValidModelName(e.name)) continue;
      const versions = await this.layout.versionsOnDisk(e.name);
      if (versions.length === 0) continue;
      // The newest version's metadata time too: a flat model replaced in place keeps its number.
      const newest = await this.layout.versionDir(e.name, versions.at(-1)!);
      const stat = await fs.stat(path.join(newest, METADATA_JSON)).catch(() => undefined);
      out.set(e.name, `${versions.join(',')}@${stat?.mtimeMs ?? 0}`);
    }
    return out;
  }
}
