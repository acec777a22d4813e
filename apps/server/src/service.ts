/**
 * What the endpoints do, in plain data: look a model up, check the request against the model's
 * input contract (feature names, window, vocabulary size), call the adapter. No HTTP and no
 * tensors here; the route handlers parse bodies and serialise results, the adapters do the math.
 */
import { SeqcastError } from '@seqcast/core';
import { forecastable, panelForecastJson, unforecastable, type PanelForecastJson } from '@seqcast/forecast';
import type { ForecastAdapter, CharsAdapter, GenerateOptions, NextChar, PanelAdapter } from './models/adapter.js';
import type { ModelRegistry, ServedModel } from './models/registry.js';
import type { JobBackend, Submitted } from './jobs/backend.js';
import type { IdempotencyRequest } from './jobs/idempotency.js';
import { prepareJob, type JobRequest } from './jobs/prepare.js';
import { checkWork, InferenceGate, PANEL_CHUNK, sliced, turn } from './models/inference.js';
import { DEFAULT_LIMITS, type ResolvedOptions } from './options.js';

/** One series of a panel forecast request: its rows and, optionally, their time cells. */
type PanelRequestSeriesBody = { id: string; rows: Record<string, number | string>[]; times?: string[]; future?: Record<string, number | string>[] };

function wrongKind(m: ServedModel, want: string, action: string): SeqcastError {
  return new SeqcastError('BAD_ARGUMENT', `model "${m.name}" is a ${m.adapter.kind} model; ${action} needs a ${want} model`, { where: 'name' });
}

// Checking a job request and turning it into a spec is the jobs' business (jobs/prepare.ts);
// re-exported here for code that imported it from this module.
export { prepareJob, requestOfSpec } from './jobs/prepare.js';

export class Service {
  private readonly maxWork: number;

  /**
   * `gate` is the one every inference request passes (the app gives the loaders the same one,
   * for `next` passes); default: a new one sized by `limits`.
   */
  constructor(
    readonly registry: ModelRegistry,
    readonly jobs: JobBackend,
    private readonly limits?: ResolvedOptions['limits'],
    gate?: InferenceGate,
  ) {
    this.gate = gate ?? new InferenceGate(limits?.maxConcurrentInference ?? 2, limits?.maxInferenceQueue ?? 64);
    this.maxWork = limits?.maxRequestWork ?? 1e9;
  }

  /** The gate every inference request passes (a concurrency limit with a bounded queue). */
  readonly gate: InferenceGate;

  private charsOf(m: ServedModel, action: string): CharsAdapter {
    if (m.adapter.kind !== 'chars') throw wrongKind(m, 'chars', action);
    return m.adapter;
  }

  private forecasterOf(m: ServedModel): ForecastAdapter {
    if (m.adapter.kind !== 'forecast') throw wrongKind(m, 'forecast', 'forecast');
    return m.adapter;
  }

  async next(name: string, text: string, top = 5): Promise<NextChar[]> {
    // The model version stays alive (not disposed by a publish or delete) until this settles.
    return this.registry.use(name, async (m) => {
      const model = this.charsOf(m, 'next');
      if (model.parameters !== undefined) checkWork(text.length, model.parameters, this.maxWork, 'text');
      if (model.input.kind === 'chars' && top > model.input.vocabulary.length) {
        // More candidates than characters is a meaningless request, not a crash.
        top = model.input.vocabulary.length;
      }
      return await model.next(text, top);
    });
  }

  async generate(name: string, prefix: string, length: number, options: GenerateOptions, signal?: AbortSignal): Promise<string> {
    return this.registry.use(name, async (m) => {
      const model = this.charsOf(m, 'generate');
      if (model.parameters !== undefined) checkWork(prefix.length + length, model.parameters, this.maxWork, 'length');
      if (!model.generateSteps) return this.gate.run(async () => model.generate(prefix, length, options));
      return this.gate.run(() => sliced(model.generateSteps!(prefix, length, options), signal));
    });
  }

  private panelOf(m: ServedModel): PanelAdapter {
    if (m.adapter.kind !== 'panel') {
      throw new SeqcastError('BAD_ARGUMENT', `model "${m.name}" is a ${m.adapter.kind} model; a "series" body needs a panel model (send "rows" instead)`, {
        where: 'series',
      });
    }
    return m.adapter;
  }

  /** Panel models: `steps` values (and intervals) after each series' last row, the shape of `forecast predict --json`. */
  async forecastPanel(name: string, series: PanelRequestSeriesBody[], steps?: number): Promise<PanelForecastJson> {
    return this.registry.use(name, (m) => this.forecastPanelWith(name, this.panelOf(m), series, steps));
  }

  private async forecastPanelWith(name: string, model: PanelAdapter, series: PanelRequestSeriesBody[], steps?: number): Promise<PanelForecastJson> {
    const target = model.target;
    const seen = new Set<string>();
    const input = series.map((s, i) => {
      if (seen.has(s.id)) throw new SeqcastError('BAD_INPUT', `series[${i}].id "${s.id}" appears twice`, { where: `series[${i}].id` });
      seen.add(s.id);
      if (s.times && s.times.length !== s.rows.length) {
        throw new SeqcastError('BAD_INPUT', `series[${i}].times has ${s.times.length} items; it needs one per row (${s.rows.length})`, {
          where: `series[${i}].times`,
        });
      }
      const values = Float64Array.from(s.rows, (row, j) => {
        const v = row[target];
        if (v === undefined)
          throw new SeqcastError('BAD_INPUT', `series[${i}].rows[${j}].${target} is missing (model "${name}" forecasts ${target})`, {
            where: `series[${i}].rows[${j}].${target}`,
          });
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw new SeqcastError('BAD_INPUT', `series[${i}].rows[${j}].${target} must be a finite number`, { where: `series[${i}].rows[${j}].${target}` });
        if (!forecastable(v)) {
          throw new SeqcastError('BAD_INPUT', `series "${s.id}": ${unforecastable(v, `series[${i}].rows[${j}].${target}`)}`, {
            where: `series[${i}].rows[${j}].${target}`,
          });
        }
        return v;
      });
      return { id: s.id, values, rows: s.rows, ...(s.times ? { times: s.times } : {}), ...(s.future ? { future: s.future } : {}) };
    });
    const n = steps ?? model.horizon;
    if (n > model.horizon) {
      throw new SeqcastError('BAD_ARGUMENT', `steps must be <= ${model.horizon}, the horizon model "${name}" was trained for (received ${n})`, {
        where: 'steps',
      });
    }
    // Series are forecast independently: a chunk of them per slice, the event loop turning between.
    const forecasts = await this.gate.run(async () => {
      const out = [];
      for (let from = 0; from < input.length; from += PANEL_CHUNK) {
        if (from > 0) await turn();
        for (const f of await model.forecast(input.slice(from, from + PANEL_CHUNK), n)) out.push(f);
      }
      return out;
    });
    const times = new Map(series.map((s) => [s.id, s.times]));
    return panelForecastJson(target, n, forecasts, (id) => times.get(id));
  }

  async forecast(name: string, rows: Record<string, number>[], steps?: number): Promise<number[]> {
    return this.registry.use(name, (m) => this.forecastWith(name, this.forecasterOf(m), rows, steps));
  }

  private async forecastWith(name: string, model: ForecastAdapter, rows: Record<string, number>[], steps?: number): Promise<number[]> {
    if (rows.length < model.context) {
      throw new SeqcastError(
        'BAD_INPUT',
        `rows has ${rows.length} row${rows.length === 1 ? '' : 's'}; model "${name}" needs at least ${model.context} (its window)`,
        { where: 'rows' },
      );
    }
    // Only the rows the model reads are checked: older ones are ignored anyway.
    const start = rows.length - model.context;
    for (let i = start; i < rows.length; i++) {
      const row = rows[i]!;
      for (const f of model.features) {
        const v = row[f];
        if (v === undefined) {
          throw new SeqcastError('BAD_INPUT', `rows[${i}].${f} is missing (model "${name}" needs ${model.features.join(', ')})`, {
            where: `rows[${i}].${f}`,
          });
        }
        if (!Number.isFinite(v)) {
          throw new SeqcastError('BAD_INPUT', `rows[${i}].${f} must be a finite number`, { where: `rows[${i}].${f}` });
        }
      }
    }
    const horizon = model.input.kind === 'forecast' ? model.input.horizon : 1;
    const used = rows.slice(start);
    const n = steps ?? horizon;
    const values = await (model.forecastSteps ? this.gate.steps(() => model.forecastSteps!(used, n)) : this.gate.run(async () => model.forecast(used, n)));
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      // JSON would turn these into nulls under a 200: say what happened instead.
      throw new SeqcastError(
        'BAD_INPUT',
        `forecast step ${bad + 1} overflowed (not a finite number); rows are far outside the range model "${name}" was trained on`,
        {
          where: 'rows',
        },
      );
    }
    return values;
  }

  /** Check a job's input now (see {@link prepareJob}) and queue it (once per idempotency key). */
  async submitJob(req: JobRequest, idempotency?: IdempotencyRequest): Promise<Submitted> {
    const job = await prepareJob(req, this.limits?.trainMemoryMb ?? 512, this.limits ?? DEFAULT_LIMITS);
    await this.registry.nextVersion(job.spec.name); // a name taken by a symlink or a file is refused now (409)
    return this.jobs.submit(job, idempotency);
  }
}
