/**
 * Opens the models directory and the job backend a server runs with, by mode:
 *   embedded (default)  the directory is this server's alone (a lock file refuses a second
 *                       one); jobs run as child processes; records in `<models>/.jobs/`.
 *   queue (a Redis URL) the directory is shared by replicas and workers (no lock; a poll
 *                       picks up versions others publish or delete); jobs go to BullMQ;
 *                       records in Redis, their durable copies in `<models>/.jobs/`.
 */
import { promises as fs } from 'node:fs';
import type { ModelLoader } from '../models/adapter.js';
import { ensureModelsDir, ModelRegistry } from '../models/registry.js';
import { lockModelsDir } from '../models/lock.js';
import type { ResolvedOptions } from '../options.js';
import { DirectoryModelStore } from '../store/directory.js';
import { watchStore } from '../store/watcher.js';
import type { JobBackend } from './backend.js';
import { JobManager } from './manager.js';
import { QueueJobBackend } from './queue/backend.js';
import { childProcessRunner, resolveTrainingScript, type JobRunner } from './runner.js';
import { DiskJobRecords } from './disk-records.js';

export interface OpenedJobs {
  registry: ModelRegistry;
  jobs: JobBackend;
  /** Release the directory (lock or poll); call after jobs.close(). */
  release(): Promise<void>;
}

/**
 * @example
 * const { registry, jobs, release } = await openJobs(resolveOptions({ modelsDir: 'models' }), defaultLoaders());
 */
export async function openJobs(opts: ResolvedOptions, loaders: Record<string, ModelLoader>, runnerOverride?: JobRunner): Promise<OpenedJobs> {
  const { logger, limits } = opts;
  // The real path, resolved once: everything below stays inside it (symlinks in it are not followed).
  await ensureModelsDir(opts.modelsDir);
  const modelsDir = await fs.realpath(opts.modelsDir);
  const registry = new ModelRegistry({ modelsDir, loaders, logger });

  if (opts.redisUrl !== undefined) {
    // Redis first: a replica that cannot reach it fails at once, before loading any model.
    const jobs = await QueueJobBackend.open({ redisUrl: opts.redisUrl, modelsDir, logger, maxQueued: limits.maxQueuedJobs });
    try {
      await registry.scan();
    } catch (e) {
      await jobs.close();
      registry.close();
      throw e;
    }
    const watcher = watchStore(new DirectoryModelStore(modelsDir, logger), registry, { intervalMs: opts.storePollMs, logger });
    return {
      registry,
      jobs,
      release: () => {
        watcher.stop();
        return Promise.resolve();
      },
    };
  }

  // Before anything in the directory is read or changed: one server per models directory.
  const lock = await lockModelsDir(modelsDir);
  try {
    await registry.scan();
  } catch (e) {
    await lock.release();
    throw e;
  }
  // The training-process script is looked up when the first job starts (serving needs no build of it).
  let processRunner: JobRunner | undefined;
  const runner: JobRunner =
    runnerOverride ??
    ((spec, dir, onProgress) => {
      processRunner ??= childProcessRunner(opts.trainingScript ?? resolveTrainingScript(), {
        memoryMb: limits.jobMemoryMb,
        trainMemoryMb: limits.trainMemoryMb,
      });
      return processRunner(spec, dir, onProgress);
    });
  const jobs = new JobManager({
    records: new DiskJobRecords(modelsDir, logger),
    registry,
    runner,
    logger,
    maxQueued: limits.maxQueuedJobs,
    maxJobMs: limits.maxJobSeconds * 1000,
  });
  await jobs.init();
  return { registry, jobs, release: () => lock.release() };
}
