/**
 * Runs one training job in a child process, off the server's event loop.
 *
 * Node has one event loop; training on it would freeze every request. A child process (rather
 * than a worker thread) keeps the training's memory and tfjs backend fully separate and can be
 * killed outright on shutdown. It runs at a lower CPU priority, so on a small machine request
 * latency wins over training speed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeqcastError } from '@seqcast/core';
import type { FromWorker, JobSpec, ToWorker } from './types.js';

/** Progress of the running job. */
export interface Progress {
  epoch: number;
  epochs: number;
  loss: number;
  elapsedMs: number;
}

/** A started job: resolves when the model is saved, rejects with a SeqcastError otherwise. */
export interface RunHandle {
  done: Promise<void>;
  /** Ask the training to stop at the next epoch boundary. */
  cancel(): void;
  /** Stop the training process now. */
  kill(): void;
}

export type JobRunner = (spec: Omit<JobSpec, 'name'>, outDir: string, onProgress: (p: Progress) => void) => RunHandle;

/**
 * The built worker script. Under a TS test runner this module is the `.ts` source, next to
 * which there is no `.js`; the package's `dist` copy is used then (build before testing).
 */
export function resolveWorkerScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sibling = path.join(here, 'worker.js');
  if (existsSync(sibling)) return sibling;
  const dist = path.resolve(here, '../../dist/jobs/worker.js');
  if (existsSync(dist)) return dist;
  throw new SeqcastError('INTERNAL', `training worker script not found (looked for ${sibling} and ${dist}; build @seqcast/server)`);
}

/** Niceness of the training process: the lowest priority, so serving requests is always scheduled first. */
const TRAINING_NICENESS = 19;

/**
 * A JobRunner backed by `fork(workerScript)`.
 *
 * @example
 * const run = childProcessRunner(resolveWorkerScript());
 * const h = run({ kind: 'chars', content: 'hihello', options: { epochs: 5 } }, 'models/hi/1', (p) => console.log(p));
 * await h.done;
 */
export function childProcessRunner(workerScript: string): JobRunner {
  return (spec, outDir, onProgress) => {
    const child: ChildProcess = fork(workerScript, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      // The training needs no credentials.
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'SEQCAST_TOKEN')),
    });
    try {
      if (child.pid !== undefined) os.setPriority(child.pid, TRAINING_NICENESS);
    } catch {
      // Not permitted on some systems; training then simply competes at equal priority.
    }
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    let result: FromWorker | undefined;
    const done = new Promise<void>((resolve, reject) => {
      child.on('message', (m: FromWorker) => {
        if (m.type === 'progress') onProgress(m);
        else result = m;
      });
      child.on('error', (e) => reject(new SeqcastError('INTERNAL', `training process failed to start: ${e.message}`)));
      child.on('exit', (code, signal) => {
        if (result?.type === 'done') return resolve();
        if (result?.type === 'error') {
          return reject(new SeqcastError(result.code as SeqcastError['code'], result.message));
        }
        const why = signal ? `signal ${signal}` : `exit code ${code}`;
        const last = stderr.trim().split('\n').at(-1) ?? '';
        reject(new SeqcastError('INTERNAL', `training process ended without a result (${why})${last ? `: ${last}` : ''}`));
      });
    });
    const send = (m: ToWorker) => {
      if (child.connected) child.send(m);
    };
    send({ type: 'start', spec, outDir });
    return {
      done,
      cancel: () => send({ type: 'cancel' }),
      kill: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  };
}
