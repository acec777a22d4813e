import { afterEach, describe, expect, it } from 'vitest';
import { JobManager } from './manager.js';
import { DiskJobRecords } from './disk-records.js';
import type { RunHandle } from './runner.js';
import type { ModelRegistry } from '../models/registry.js';
import { memoryLogger } from '../logger.js';
import { tmpDir } from '../testing/fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

/** A training that runs until it is cancelled or killed. */
function endlessRunner(started: string[]): () => RunHandle {
  return () => {
    let stop!: (e: Error) => void;
    const done = new Promise<void>((_, reject) => (stop = reject));
    started.push('run');
    return { done, cancel: () => stop(new Error('cancelled')), kill: () => stop(new Error('killed')) };
  };
}

describe('JobManager.cancel', () => {
  it('a job cancelled while it is starting (no training process yet) answers with its final state, cancelled', async () => {
    const tmp = tmpDir();
    cleanups.push(() => tmp.cleanup());
    const logger = memoryLogger();
    const started: string[] = [];
    // Only what a run that never publishes asks of the registry.
    const registry = { nextVersion: async (name: string) => ({ version: 1, dir: `${tmp.dir}/${name}/1` }) } as unknown as ModelRegistry;
    const jobs = new JobManager({ records: new DiskJobRecords(tmp.dir, logger), registry, runner: endlessRunner(started), logger, maxQueued: 4 });
    const { record: accepted } = await jobs.submit({ spec: { name: 'm', kind: 'chars', content: 'hihello', options: {} }, steps: 1 });
    // submit() has claimed the slot (running) but the runner has not been called yet.
    expect((await jobs.get(accepted.id))?.state).toBe('running');
    expect(started).toEqual([]);
    const rec = await jobs.cancel(accepted.id);
    expect(rec?.state).toBe('cancelled');
    expect(started).toEqual(['run']);
    await jobs.close();
  });
});
