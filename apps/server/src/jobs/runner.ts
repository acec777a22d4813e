/**
 * Runs one training job in a child process, off the server's event loop.
 *
 * Node has one event loop; training on it would freeze every request. A child process (rather
 * than a worker thread) keeps the training's memory and tfjs backend fully separate and can be
 * killed outright on shutdown. The training lowers its own CPU priority (see training-process.ts), so on a
 * small machine request latency wins over training speed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeqcastError, TRAINING_MEMORY_ENV } from '@seqcast/core';
import type { FromTrainingProcess, JobSpec, ToTrainingProcess } from './types.js';

/** Progress of the running job. */
export interface Progress {
  /** Steps finished and planned, and what a step is (`epoch`, `step`, or what a model's fit reports). */
  step: number;
  steps: number;
  unit: string;
  /** Null for models that report no loss (a baseline fits in one step). */
  loss: number | null;
  elapsedMs: number;
}

/** A started job: resolves when the model is saved, rejects with a SeqcastError otherwise. */
export interface RunHandle {
  done: Promise<void>;
  /** Ask the training to stop at the next step boundary. */
  cancel(): void;
  /** Stop the training process now. */
  kill(): void;
  /** The training process's id, when it runs in one. */
  pid?: number | undefined;
}

export type JobRunner = (spec: Omit<JobSpec, 'name'>, outDir: string, onProgress: (p: Progress) => void) => RunHandle;

/**
 * The built training-process script. Under a TS test runner this module is the `.ts` source, next to
 * which there is no `.js`; the package's `dist` copy is used then (build before testing).
 */
export function resolveTrainingScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sibling = path.join(here, 'training-process.js');
  if (existsSync(sibling)) return sibling;
  const dist = path.resolve(here, '../../dist/jobs/training-process.js');
  if (existsSync(dist)) return dist;
  throw new SeqcastError('INTERNAL', `training-process script not found (looked for ${sibling} and ${dist}; build @seqcast/server)`);
}

/** Limits of one training process. */
export interface TrainingLimits {
  /** Hard cap on the process's resident memory, MiB: over it, the process is killed. */
  memoryMb: number;
  /** Budget of one training step, MiB (sizes the batch; passed as SEQCAST_TRAIN_MEMORY_MB). */
  trainMemoryMb: number;
}

/** How often the training process's resident memory is read. */
const RSS_POLL_MS = 200;

/** Resident memory of `pid` in bytes (Linux /proc); undefined where that cannot be read. */
function residentBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A JobRunner backed by `fork(trainingScript)`. The process gets a V8 heap cap and is killed when
 * its resident memory (tensors live outside the V8 heap) goes over `limits.memoryMb`.
 *
 * @example
 * const run = childProcessRunner(resolveTrainingScript(), { memoryMb: 1536, trainMemoryMb: 512 });
 * const h = run({ kind: 'chars', content: 'hihello', options: { epochs: 5 } }, 'models/hi/1', (p) => console.log(p));
 * await h.done;
 */
export function childProcessRunner(trainingScript: string, limits: TrainingLimits = { memoryMb: 1536, trainMemoryMb: 512 }): JobRunner {
  return (spec, outDir, onProgress) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'SEQCAST_TOKEN')); // no credentials
    env[TRAINING_MEMORY_ENV] = String(limits.trainMemoryMb);
    const child: ChildProcess = fork(trainingScript, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      env,
      execArgv: [`--max-old-space-size=${Math.max(64, Math.floor(limits.memoryMb / 2))}`],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    let overMemory = false;
    const watch = setInterval(() => {
      const rss = child.pid === undefined ? undefined : residentBytes(child.pid);
      if (rss !== undefined && rss > limits.memoryMb * 2 ** 20) {
        overMemory = true;
        child.kill('SIGKILL');
      }
    }, RSS_POLL_MS);
    watch.unref();
    let result: FromTrainingProcess | undefined;
    const done = new Promise<void>((resolve, reject) => {
      child.on('message', (m: FromTrainingProcess) => {
        if (m.type === 'progress') onProgress(m);
        else result = m;
      });
      child.on('error', (e) => reject(new SeqcastError('INTERNAL', `training process failed to start: ${e.message}`)));
      child.on('exit', (code, signal) => {
        clearInterval(watch);
        if (overMemory) {
          return reject(
            new SeqcastError(
              'TOO_LARGE',
              `the training used more than its ${limits.memoryMb} MiB memory limit and was stopped; lower options.batchSize, options.hidden or options.seqLength`,
            ),
          );
        }
        if (result?.type === 'done') return resolve();
        if (result?.type === 'error') {
          return reject(new SeqcastError(result.code as SeqcastError['code'], result.message));
        }
        const why = signal ? `signal ${signal}` : `exit code ${code}`;
        const last = stderr.trim().split('\n').at(-1) ?? '';
        reject(new SeqcastError('INTERNAL', `training process ended without a result (${why})${last ? `: ${last}` : ''}`));
      });
    });
    const send = (m: ToTrainingProcess) => {
      if (child.connected) child.send(m);
    };
    send({ type: 'start', spec, outDir });
    return {
      done,
      pid: child.pid,
      cancel: () => send({ type: 'cancel' }),
      kill: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  };
}
