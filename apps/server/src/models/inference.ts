/**
 * Inference bounded on the event loop. Model math is synchronous and runs on the one thread that
 * also answers `/health` and every other request, so long work is (1) capped per request,
 * (2) limited to a few requests at a time, with a bounded queue behind them (overload is a 503
 * with Retry-After, never a stall) — every inference route passes the same gate — and (3) run
 * in short slices with the event loop turning in
 * between, so cheap requests wait for at most a slice or so, not for a whole generation.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { SeqcastError } from '@seqcast/core';

/**
 * Longest stretch of model work between two turns of the event loop, ms. 2 rather than 5: with
 * 32 clients looping generate, /health p99 was 47 and 88 ms at 2 ms against 231 and 132 ms at
 * 5 ms (alternating runs of `pnpm bench server --scenario health`, load 6-11), with no loss of
 * generate throughput.
 */
export const SLICE_MS = 2;

/**
 * Work (characters × model parameters, the unit of `maxRequestWork`) of one chunk of a recurrent
 * pass between two checks of the slice clock. A chunk has a fixed cost too (tensors made, a
 * kernel call): reading 600 characters of a 2×256 LSTM one at a time took 2.5–3× as long as 4 at
 * a time, at 1–2 ms per chunk of 4 characters × 8 rows (fused kernels, loaded machine). 1.6e7 is
 * ~19 characters of one text there, 2 of 8 batched texts, 1 of 64.
 */
export const SLICE_WORK = 1.6e7;

/** Characters a recurrent pass over `rows` texts of a model with `parameters` reads per chunk. */
export function chunkSteps(rows: number, parameters: number | undefined): number {
  return Math.max(1, Math.floor(SLICE_WORK / (Math.max(1, rows) * Math.max(1, parameters ?? 1))));
}

/** Series of a panel forecast per chunk (10,000 one-row series take about 40 chunks). */
export const PANEL_CHUNK = 256;

/** Seconds a client is told to wait before retrying when the queue is full. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * A concurrency limit with a bounded waiting line, shared by every inference route (`next`
 * passes, generations, forecasts, panel forecasts).
 *
 * @example
 * const gate = new InferenceGate(4, 64);
 * const text = await gate.run(() => sliced(lm.generateSteps('hi', 500, {})));
 * const answers = await gate.steps(() => lm.nextBatchSteps(texts, 3, chunkSteps(texts.length, params)));
 */
export class InferenceGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Set inside work that holds a slot: a route holding one for all its work calls the service, which asks again. */
  private readonly holding = new AsyncLocalStorage<true>();

  constructor(
    private readonly concurrency: number,
    private readonly maxQueue: number,
  ) {}

  /** Requests working / waiting now (for metrics and tests). */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  /**
   * Run `work` once a slot is free (at once if the caller already holds one: the slot is per
   * request, not per call, so a request never waits for itself).
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.holding.getStore()) return work();
    if (this.active < this.concurrency) this.active++;
    else {
      if (this.waiting.length >= this.maxQueue) {
        throw new SeqcastError(
          'OVERLOADED',
          `the server is busy (${this.active} inference requests running, ${this.waiting.length} waiting); retry in ${RETRY_AFTER_SECONDS} s`,
          {
            retryAfter: RETRY_AFTER_SECONDS,
          },
        );
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await this.holding.run(true, work);
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes on
      else this.active--;
    }
  }

  /** Run a step generator (started once a slot is free) in time slices; resolves to its return value. */
  steps<T>(start: () => Iterator<unknown, T, undefined>, signal?: AbortSignal): Promise<T> {
    return this.run(() => drain(start(), signal));
  }
}

/** One turn of the event loop (I/O callbacks such as a waiting `/health` run in it). */
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Run `steps` to its end, yielding to the event loop every {@link SLICE_MS} ms; `signal` (a
 * client that went away) stops the work and frees its tensors.
 */
export async function drain<T>(steps: Iterator<unknown, T, undefined>, signal?: AbortSignal): Promise<T> {
  let finished = false;
  try {
    for (;;) {
      const t0 = performance.now();
      while (performance.now() - t0 < SLICE_MS) {
        const r = steps.next();
        if (r.done) {
          finished = true;
          return r.value;
        }
      }
      await turn();
      signal?.throwIfAborted();
    }
  } finally {
    if (!finished) steps.return?.(undefined as T);
  }
}

/** Characters of a generation, one step each, as one string (`''` steps are prefix chunks). */
function* joined(steps: Iterator<string, void, undefined>): Generator<void, string, undefined> {
  let out = '';
  try {
    for (let r = steps.next(); !r.done; r = steps.next()) {
      out += r.value;
      yield;
    }
    return out;
  } finally {
    steps.return?.();
  }
}

/** {@link drain} for a generation: its characters as one string. */
export function sliced(steps: Iterator<string, void, undefined>, signal?: AbortSignal): Promise<string> {
  return drain(joined(steps), signal);
}

/**
 * Refuse (400) a request whose work — characters × model parameters — is over `limit`, naming
 * the field and the most the model allows.
 */
export function checkWork(chars: number, parameters: number, limit: number, field: string): void {
  if (chars * parameters <= limit) return;
  const most = Math.max(1, Math.floor(limit / parameters));
  throw new SeqcastError(
    'BAD_ARGUMENT',
    `${field} of ${chars} characters is too much work for this model (${parameters} parameters); at most ${most} (server limit maxRequestWork)`,
    {
      where: field,
    },
  );
}
