// The shared directory store: publishing is keyed by job id (a retried job never adds a second
// version), concurrent publishers never share a version number, staging of dead attempts is
// dropped, and fingerprints change exactly when a model's versions do.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { METADATA_JSON } from '@seqcast/core';
import { silentLogger } from '../logger.js';
import { tmpDir } from '../testing/fixtures.js';
import { DirectoryModelStore, JOB_MARKER, STAGING_DIR } from './directory.js';

let tmp: { dir: string; cleanup(): void };
let store: DirectoryModelStore;

/** A staged "model": only what the store looks at (the metadata file) plus a payload. */
async function staged(jobId: string, payload = 'weights'): Promise<string> {
  const dir = path.join(await store.stage(jobId), 'model');
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, METADATA_JSON), '{}');
  await fs.writeFile(path.join(dir, 'payload'), payload);
  return dir;
}

beforeEach(() => {
  tmp = tmpDir('seqcast-store-');
  store = new DirectoryModelStore(tmp.dir, silentLogger);
});
afterEach(() => tmp.cleanup());

describe('DirectoryModelStore', () => {
  it('publishes once per job id: a second publish of the same job returns the first version', async () => {
    const job = randomUUID();
    const first = await store.publish('m', job, await staged(job, 'one'));
    expect(first).toEqual({ version: 1, already: false });
    const again = await store.publish('m', job, await staged(job, 'two'));
    expect(again).toEqual({ version: 1, already: true });
    expect((await fs.readdir(path.join(tmp.dir, 'm'))).sort()).toEqual(['1']);
    expect(await fs.readFile(path.join(tmp.dir, 'm', '1', 'payload'), 'utf8')).toBe('one');
    expect((await fs.readFile(path.join(tmp.dir, 'm', '1', JOB_MARKER), 'utf8')).trim()).toBe(job);
    expect(await store.publishedBy('m', job)).toBe(1);
    expect(await store.publishedBy('m', randomUUID())).toBeUndefined();
  });

  it('different jobs publishing at once get different versions', async () => {
    const jobs = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const dirs = await Promise.all(jobs.map((j) => staged(j)));
    const versions = await Promise.all(jobs.map((j, i) => store.publish('m', j, dirs[i]!)));
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2, 3, 4]);
    for (const [i, j] of jobs.entries()) expect(await store.publishedBy('m', j)).toBe(versions[i]!.version);
  });

  it('a new attempt drops the staging of earlier attempts of the same job, not of other jobs', async () => {
    const job = randomUUID();
    const other = randomUUID();
    const old = await store.stage(job);
    const keep = await store.stage(other);
    const fresh = await store.stage(job);
    const left = await fs.readdir(path.join(tmp.dir, STAGING_DIR));
    expect(left.sort()).toEqual([path.basename(fresh), path.basename(keep)].sort());
    expect(left).not.toContain(path.basename(old));
    await store.discard(fresh);
    expect(await fs.readdir(path.join(tmp.dir, STAGING_DIR))).toEqual([path.basename(keep)]);
    await expect(store.stage('../escape')).rejects.toThrow(/not a job id/);
  });

  it('refuses to publish a staging directory without a model in it', async () => {
    const job = randomUUID();
    const empty = await store.stage(job);
    await expect(store.publish('m', job, empty)).rejects.toThrow(/left no model to publish/);
    await expect(fs.readdir(path.join(tmp.dir, 'm'))).rejects.toThrow();
  });

  it('fingerprints change when a version is added or a model removed, and only then', async () => {
    const j1 = randomUUID();
    await store.publish('m', j1, await staged(j1));
    const p1 = await store.fingerprints();
    expect([...p1.keys()]).toEqual(['m']);
    expect(await store.fingerprints()).toEqual(p1);
    const j2 = randomUUID();
    await store.publish('m', j2, await staged(j2));
    const p2 = await store.fingerprints();
    expect(p2.get('m')).not.toBe(p1.get('m'));
    await fs.rm(path.join(tmp.dir, 'm'), { recursive: true });
    expect((await store.fingerprints()).size).toBe(0);
  });
});
