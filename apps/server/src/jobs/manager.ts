/**
 * Training jobs: a FIFO queue running one job at a time (the machine's cores serve requests
 * too), records persisted on every state change, progress pushed to subscribers (SSE), and the
 * finished model published as a new version and hot-loaded by the registry.
 *
 * On start-up, a record left `queued` or `running` by a previous process is marked
 * `interrupted`: its process is gone and its input was never kept on disk.
 */
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { SeqcastError } from '@seqcast/core';
import type { JobRunner, RunHandle } from './runner.js';
import type { DiskJobRecords } from './disk-records.js';
import { newJobRecord, publicJobError, type JobBackend, type Submitted } from './backend.js';
import { IdempotencyKeys, replayOf, type IdempotencyRequest } from './idempotency.js';
import { JOB_STATES, TERMINAL_STATES, workOf, type JobRecord, type JobSpec, type JobState } from './types.js';
import type { PreparedJob } from './prepare.js';
import type { ModelRegistry } from '../models/registry.js';
import type { Logger } from '../logger.js';
import { trainingStop } from '../models/quality.js';
import { jobEtaMs } from './eta.js';
import { setProgress } from './progress.js';

/** Progress is written to disk at most this often (state changes always are). */
const PERSIST_EVERY_MS = 1000;

export interface JobManagerOptions {
  records: DiskJobRecords;
  registry: ModelRegistry;
  runner: JobRunner;
  logger: Logger;
  maxQueued: number;
  /** Wall-clock limit of one job, ms (default: none). */
  maxJobMs?: number;
}

interface Running {
  id: string;
  /** Undefined while the job is being set up. */
  handle: RunHandle | undefined;
  cancelled: boolean;
  timedOut: boolean;
}

/**
 * @example
 * const jobs = new JobManager({ records, registry, runner: childProcessRunner(resolveTrainingScript()), logger, maxQueued: 8 });
 * await jobs.init();
 * const { record } = await jobs.submit(await prepareJob({ kind: 'chars', name: 'hi', text: 'hihello', options }, 512));
 * jobs.on('update', (r) => console.log(r.state, r.step, r.steps));
 */
export class JobManager extends EventEmitter<{ update: [JobRecord] }> implements JobBackend {
  readonly mode = 'embedded' as const;
  private readonly records = new Map<string, JobRecord>();
  private readonly specs = new Map<string, JobSpec>();
  private readonly queue: string[] = [];
  /** Submits whose record is being written. */
  private accepting = 0;
  private readonly keys: IdempotencyKeys;
  private readonly keyTurns = new Map<string, Promise<Submitted>>();
  private running: Running | undefined;
  private lastPersist = 0;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly opts: JobManagerOptions) {
    super();
    this.setMaxListeners(0); // one listener per SSE subscriber
    this.keys = new IdempotencyKeys(path.dirname(opts.records.dir));
  }

  /** Load records; mark the ones a previous process left unfinished as interrupted. */
  async init(): Promise<void> {
    for (const rec of await this.opts.records.loadAll()) {
      if (rec.state === 'queued' || rec.state === 'running') {
        const was = rec.state;
        rec.state = 'interrupted';
        rec.finishedAt = new Date().toISOString();
        rec.etaMs = null;
        rec.error = { code: 'INTERRUPTED', message: `the server stopped while the job was ${was}` };
        await this.opts.records.save(rec);
        this.opts.logger.log('warn', 'job interrupted by restart', { job: rec.id });
      }
      this.records.set(rec.id, rec);
    }
    await this.keys.sweep();
  }

  get(id: string): JobRecord | undefined {
    return this.records.get(id);
  }

  list(): JobRecord[] {
    return [...this.records.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Number of jobs in each state (for /metrics). */
  counts(): Record<JobState, number> {
    const c = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const r of this.records.values()) c[r.state]++;
    return c;
  }

  /**
   * Queue a job; returns its record (state `queued`) once the record is on the disk. When it cannot
   * be written (a full disk) nothing is queued and the error says why (507).
   */
  submit(job: Pick<PreparedJob, 'spec' | 'steps'>, idempotency?: IdempotencyRequest): Promise<Submitted> {
    if (!idempotency) return this.submitNow(job.spec, job.steps);
    // Submits with one key run one after the other: the second sees the first's job.
    const prev = this.keyTurns.get(idempotency.key) ?? Promise.resolve();
    const turn = prev.catch(() => undefined).then(() => this.submitNow(job.spec, job.steps, idempotency));
    this.keyTurns.set(idempotency.key, turn);
    const done = () => {
      if (this.keyTurns.get(idempotency.key) === turn) this.keyTurns.delete(idempotency.key);
    };
    turn.then(done, done);
    return turn;
  }

  private async submitNow(spec: JobSpec, steps: number, idempotency?: IdempotencyRequest): Promise<Submitted> {
    if (this.closed) throw new SeqcastError('DISABLED', 'the server is shutting down; job not accepted');
    if (idempotency) {
      const earlier = await replayOf(this.keys, idempotency, (id) => this.records.get(id));
      if (earlier) return { record: structuredClone(earlier), replayed: true };
    }
    // Jobs whose record is being written hold their place, so concurrent submits cannot pass the limit.
    const waiting = this.queue.length + this.accepting;
    if (waiting >= this.opts.maxQueued) {
      throw new SeqcastError('CONFLICT', `${waiting} jobs are already waiting (limit ${this.opts.maxQueued}); retry later`);
    }
    const rec = newJobRecord(spec, steps);
    this.accepting++;
    let holder: { id: string } | undefined;
    try {
      await this.opts.records.create(rec);
      holder = idempotency
        ? await this.keys.claim(idempotency, rec.id).catch(async (e: unknown) => {
            await this.opts.records.remove(rec.id);
            throw e;
          })
        : undefined;
    } finally {
      this.accepting--;
    }
    if (holder) {
      // A concurrent submit with the same key won: this record was never acknowledged.
      await this.opts.records.remove(rec.id);
      const earlier = this.records.get(holder.id);
      if (earlier) return { record: structuredClone(earlier), replayed: true };
      throw new SeqcastError('CONFLICT', 'a job with this Idempotency-Key is being accepted right now; retry', { where: 'Idempotency-Key' });
    }
    if (this.closed) {
      await this.opts.records.remove(rec.id); // never acknowledged: leave no record of it
      if (idempotency) await this.keys.release(idempotency.key, rec.id);
      throw new SeqcastError('DISABLED', 'the server is shutting down; job not accepted');
    }
    this.records.set(rec.id, rec);
    this.specs.set(rec.id, spec);
    this.queue.push(rec.id);
    this.emit('update', rec);
    this.opts.logger.log('info', 'job queued', { job: rec.id, model: rec.name, kind: rec.kind });
    const accepted = structuredClone(rec); // the state at acceptance, before the queue moves on
    this.pump();
    return { record: accepted, replayed: false };
  }

  /**
   * Cancel a queued or running job. Resolves with the record once the job has reached its final
   * state (`cancelled`, or whatever it ended as if it finished first); terminal ones unchanged.
   */
  async cancel(id: string): Promise<JobRecord | undefined> {
    const rec = this.records.get(id);
    if (!rec) return undefined;
    if (rec.state === 'queued') {
      this.queue.splice(this.queue.indexOf(id), 1);
      this.specs.delete(id);
      await this.finish(rec, 'cancelled', null);
    } else if (rec.state === 'running' && this.running?.id === id) {
      const run = this.running;
      run.cancelled = true;
      // Without a handle yet (the job is still starting), runOne cancels it as soon as it starts.
      run.handle?.cancel();
      // A training step can be long; do not wait for it to notice.
      const timer = setTimeout(() => run.handle?.kill(), 5000);
      timer.unref();
      await this.idle;
      clearTimeout(timer);
    }
    return rec;
  }

  /** Resolves when no job is running (queued ones still wait). */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  /** Stop: kill the running job and mark it (and queued ones) interrupted. */
  async close(): Promise<void> {
    this.closed = true;
    const run = this.running;
    if (run) {
      this.running = undefined;
      run.handle?.kill();
      await run.handle?.done.catch(() => undefined);
      const rec = this.records.get(run.id);
      if (rec && rec.state === 'running') {
        await this.finish(rec, 'interrupted', { code: 'INTERRUPTED', message: 'the server stopped while the job was running' });
      }
    }
    for (const id of this.queue.splice(0)) {
      const rec = this.records.get(id);
      if (rec) await this.finish(rec, 'interrupted', { code: 'INTERRUPTED', message: 'the server stopped before the job started' });
    }
    await this.opts.records.flush();
  }

  private async finish(rec: JobRecord, state: JobState, error: JobRecord['error']): Promise<void> {
    rec.state = state;
    rec.finishedAt = new Date().toISOString();
    rec.etaMs = state === 'succeeded' ? 0 : null;
    rec.error = error;
    this.emit('update', rec);
    await this.opts.records.save(rec);
    this.opts.logger.log(state === 'succeeded' ? 'info' : 'warn', `job ${state}`, {
      job: rec.id,
      model: rec.name,
      ...(error ? { error: error.message } : {}),
    });
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const id = this.queue.shift();
    if (id === undefined) return;
    this.idle = this.runOne(id).catch((e: unknown) => {
      this.opts.logger.log('error', 'job manager error', { job: id, error: e instanceof Error ? e.message : String(e) });
    });
  }

  private async runOne(id: string): Promise<void> {
    const rec = this.records.get(id)!;
    const spec = this.specs.get(id)!;
    this.specs.delete(id); // the input is not kept once handed over
    // Claim the slot before the first await: a submit() arriving during the save below would
    // otherwise see no running job and start a second one at the same time.
    const run: Running = { id, handle: undefined, cancelled: false, timedOut: false };
    this.running = run;
    rec.state = 'running';
    rec.startedAt = new Date().toISOString();
    const started = Date.now();
    try {
      await this.opts.records.save(rec);
      this.emit('update', rec);
      const { version, dir } = await this.opts.registry.nextVersion(spec.name);
      run.handle = this.opts.runner(workOf(spec), dir, (p) => {
        setProgress(rec, p.step, p.steps, p.unit);
        rec.loss = p.loss;
        rec.elapsedMs = Date.now() - started;
        rec.etaMs = jobEtaMs(spec.kind, spec.options, p);
        this.emit('update', rec);
        if (Date.now() - this.lastPersist >= PERSIST_EVERY_MS) {
          this.lastPersist = Date.now();
          void this.opts.records.save(rec);
        }
      });
      if (run.cancelled) run.handle.cancel();
      const limitMs = this.opts.maxJobMs;
      const timer =
        limitMs === undefined
          ? undefined
          : setTimeout(() => {
              run.timedOut = true;
              run.handle?.kill();
            }, limitMs);
      try {
        await run.handle.done;
      } finally {
        if (timer) clearTimeout(timer);
      }
      rec.elapsedMs = Date.now() - started;
      // Publish: the training process saved the new version atomically; serve it now.
      const served = await this.opts.registry.refresh(spec.name);
      if (!served || served.version !== version) {
        throw new SeqcastError('BAD_MODEL', `the trained model ${spec.name} version ${version} could not be loaded`);
      }
      rec.model = { name: spec.name, version };
      const stoppedBy = await trainingStop(dir);
      if (stoppedBy) rec.stoppedBy = stoppedBy;
      if (this.running === run) await this.finish(rec, 'succeeded', null);
    } catch (e) {
      rec.elapsedMs = Date.now() - started;
      if (this.running !== run) return; // close() took over and marks it interrupted
      if (run.cancelled) await this.finish(rec, 'cancelled', null);
      else if (run.timedOut) {
        const seconds = Math.round((this.opts.maxJobMs ?? 0) / 1000);
        await this.finish(rec, 'failed', {
          code: 'TIME_LIMIT',
          message: `the job ran longer than the server's ${seconds} s limit (limits.maxJobSeconds) and was stopped`,
        });
      } else {
        await this.finish(rec, 'failed', publicJobError(e, rec.id, this.opts.registry.modelsDir, this.opts.logger));
      }
    } finally {
      if (this.running === run) this.running = undefined;
      this.pump();
    }
  }

  /** True for a state a job never leaves. */
  static isTerminal(state: JobState): boolean {
    return TERMINAL_STATES.includes(state);
  }
}
