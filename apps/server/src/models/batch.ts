/**
 * Dynamic batching for `next` (what TensorFlow Serving calls request batching).
 *
 * Under load, many `next` requests for one model are waiting at the same moment. Running them as
 * one padded batch costs about as much as running one of them (small recurrent models are bound
 * by per-op overhead, not arithmetic), so throughput rises and queueing latency falls with the
 * number of clients. Requests parsed in the same event-loop turn are collected and run together
 * on the next `setImmediate`.
 *
 * This module is only the queueing policy (which requests share a pass, and how many). The math
 * is `CharLM.nextBatch` in @seqcast/core, which answers exactly what `CharLM.next` answers for
 * each text and reports a bad text as that text's own error, so one bad request never fails the
 * others in its batch.
 */
import type { CharLM, NextBatchResult } from '@seqcast/core';
import type { NextChar } from './adapter.js';

/** Runs one batched pass (the server's: through the inference gate, in time slices). */
export type NextBatchRunner = (texts: string[], top: number) => NextBatchResult[] | Promise<NextBatchResult[]>;

/** Rows per forward pass at most. */
const MAX_BATCH = 64;

interface Pending {
  text: string;
  top: number;
  resolve(v: NextChar[]): void;
  reject(e: unknown): void;
}

/**
 * Collects `next` calls made in the same event-loop turn and answers them with batched forwards.
 * Texts are grouped by length class (powers of two) so one long text does not make every row of
 * a batch pay for its padding.
 *
 * @example
 * const batcher = new NextBatcher(lm);
 * const [a, b] = await Promise.all([batcher.next('hihel', 2), batcher.next('hi', 3)]);
 */
export class NextBatcher {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Forward passes run and rows answered so far. */
  readonly stats = { batches: 0, rows: 0 };

  /**
   * `onBatch(rows)` is told the size of every forward pass (for metrics); `run` runs a pass
   * (default: `lm.nextBatch` at once).
   */
  constructor(
    lm: CharLM,
    private readonly onBatch?: (rows: number) => void,
    private readonly run: NextBatchRunner = (texts, top) => lm.nextBatch(texts, top),
  ) {}

  /** Same result (or error) as `lm.next(text, top)`; a bad text rejects without failing the others. */
  next(text: string, top: number): Promise<NextChar[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ text, top, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = [];
    const groups = new Map<number, Pending[]>();
    for (const p of all) {
      const key = Math.ceil(Math.log2(Math.max(1, p.text.length)));
      const g = groups.get(key);
      if (g) g.push(p);
      else groups.set(key, [p]);
    }
    for (const group of groups.values()) {
      for (let i = 0; i < group.length; i += MAX_BATCH) {
        const batch = group.slice(i, i + MAX_BATCH);
        // One pass at the largest `top`; each caller gets its own prefix of the ranked list.
        const top = Math.max(...batch.map((p) => p.top));
        void this.answer(batch, top);
      }
    }
  }

  private async answer(batch: Pending[], top: number): Promise<void> {
    try {
      const results = await this.run(
        batch.map((p) => p.text),
        top,
      );
      const rows = results.filter((r) => r.ok).length;
      if (rows > 0) {
        this.stats.batches++;
        this.stats.rows += rows;
        this.onBatch?.(rows);
      }
      batch.forEach((p, b) => {
        const r = results[b]!;
        if (r.ok) p.resolve(r.next.slice(0, p.top));
        else p.reject(r.error);
      });
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
