/**
 * `seqcast worker`: train jobs from a Redis queue (queue mode, docs/scale.md) and publish the
 * models into the models directory the server replicas share.
 *
 * stdout gets one line once the worker takes jobs; structured JSON logs go to stderr.
 * SIGTERM / Ctrl-C stop it: running trainings are killed and their jobs go back to the queue at
 * once, for another worker; exit 0.
 */
import { SeqcastError } from '@seqcast/core';
import { jsonLogger, startQueueWorker } from '@seqcast/server';
import { optionalNumber, optionalString, parseFlags, requireString } from '../args.js';
import type { Command } from '../command.js';
import { parseLimits } from './serve.js';

export const WORKER_FLAGS = {
  redis: { type: 'string' },
  models: { type: 'string' },
  concurrency: { type: 'string' },
  'lock-seconds': { type: 'string' },
  limit: { type: 'string', multiple: true },
  quiet: { type: 'boolean' },
} as const;

export const worker: Command = {
  name: 'worker',
  summary: 'train jobs from a Redis queue into a shared models directory',
  usage:
    'seqcast worker --redis URL --models DIR [--concurrency 1] [--lock-seconds 30] [--limit NAME=N]... [--quiet]   (--redis defaults to $SEQCAST_REDIS_URL)',
  async run(argv, io) {
    const flags = parseFlags(argv, WORKER_FLAGS, 'worker');
    const redisUrl = optionalString(flags, 'redis') ?? process.env.SEQCAST_REDIS_URL;
    if (!redisUrl) throw new SeqcastError('BAD_ARGUMENT', 'worker: --redis URL is required (or set SEQCAST_REDIS_URL)', { where: '--redis' });
    const modelsDir = requireString(flags, 'models', 'worker');
    const concurrency = optionalNumber(flags, 'concurrency', { integer: true, min: 1, max: 64 }) ?? 1;
    const lockSeconds = optionalNumber(flags, 'lock-seconds', { min: 1, max: 3600 }) ?? 30;
    const w = await startQueueWorker({
      redisUrl,
      modelsDir,
      concurrency,
      limits: parseLimits(flags.limit),
      logger: flags.quiet ? false : jsonLogger(process.stderr),
      lockDurationMs: lockSeconds * 1000,
      // Other workers' jobs are looked at twice per lock period: a dead worker's job waits at most 1.5 locks.
      stalledIntervalMs: (lockSeconds * 1000) / 2,
    });
    io.out(`seqcast: worker ${w.name} training jobs from the queue into ${modelsDir} (concurrency ${concurrency})`);
    const stop = () => {
      void w.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // The worker's connections keep the process alive until a signal.
  },
};
