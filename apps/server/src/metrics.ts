/**
 * Prometheus metrics: request counts and latency histograms by route and status, live tensors,
 * served models and jobs by state. Each app owns its own registry (several apps can live in one
 * process, e.g. in tests) and process metrics are added on top.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { tf } from '@seqcast/core/internals';
import { JOB_STATES, type JobState } from './wire.js';

export interface MetricsSources {
  models(): number;
  jobs(): Record<JobState, number>;
}

/**
 * @example
 * const metrics = new Metrics({ models: () => 2, jobs: () => jobs.counts() });
 * metrics.observe('POST', '/v1/models/:name/next', 200, 0.004);
 * await metrics.text();   // Prometheus exposition
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly latency: Histogram<'method' | 'route' | 'status'>;
  private readonly batchRows: Histogram;

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'seqcast_process_' });
    this.requests = new Counter({
      name: 'seqcast_http_requests_total',
      help: 'HTTP requests, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'seqcast_http_request_duration_seconds',
      help: 'HTTP request latency (first byte in to last byte out), by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.batchRows = new Histogram({
      name: 'seqcast_next_batch_rows',
      help: 'Requests answered by one batched next forward pass',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [this.registry],
    });
    new Gauge({
      name: 'seqcast_tensors_live',
      help: 'Tensors currently allocated by the tfjs backend in the server process',
      registers: [this.registry],
      collect() {
        this.set(tf.memory().numTensors);
      },
    });
    new Gauge({
      name: 'seqcast_models_served',
      help: 'Models currently loaded and served',
      registers: [this.registry],
      collect() {
        this.set(sources.models());
      },
    });
    new Gauge({
      name: 'seqcast_jobs',
      help: 'Training jobs by state',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const counts = sources.jobs();
        for (const s of JOB_STATES) this.set({ state: s }, counts[s]);
      },
    });
  }

  /** Record one finished request. */
  observe(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  /** Record the size of one batched `next` forward pass. */
  observeBatch(rows: number): void {
    this.batchRows.observe(rows);
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
