/**
 * What the endpoints do, in plain data: look a model up, check the request against the model's
 * input contract (feature names, window, vocabulary size), call the adapter. No HTTP and no
 * tensors here; the route handlers parse bodies and serialise results, the adapters do the math.
 */
import { charLMOptionsSchema, charLMTrainingShape, planTrainingBatch, SeqcastError, Vocabulary } from '@seqcast/core';
import {
  DEFAULT_MODEL_KIND,
  forecastable,
  forecastOptionsSchema,
  panelForecastJson,
  plannedSteps,
  unforecastable,
  resolveForecastOptions,
  type ForecastOptions,
  type PanelForecastJson,
} from '@seqcast/forecast';
import { parseCsvText, parsePanelText, type CsvLimits } from './csv.js';
import type { ForecastAdapter, CharsAdapter, GenerateOptions, NextChar, PanelAdapter } from './models/adapter.js';
import type { ModelRegistry, ServedModel } from './models/registry.js';
import type { JobBackend, Submitted } from './jobs/backend.js';
import type { IdempotencyRequest } from './jobs/idempotency.js';
import type { JobSpec } from './jobs/types.js';
import type { RequestSchemas } from './schemas.js';
import { checkWork, InferenceGate, PANEL_CHUNK, sliced, turn } from './models/inference.js';
import { DEFAULT_LIMITS, type ResolvedOptions } from './options.js';
import type { z } from 'zod';

type JobRequest = z.output<RequestSchemas['job']>;

/** One series of a panel forecast request: its rows and, optionally, their time cells. */
type PanelRequestSeriesBody = { id: string; rows: Record<string, number>[]; times?: string[] };

function wrongKind(m: ServedModel, want: string, action: string): SeqcastError {
  return new SeqcastError('BAD_ARGUMENT', `model "${m.name}" is a ${m.adapter.kind} model; ${action} needs a ${want} model`, { where: 'name' });
}

/** Option names of a job request, for messages that say which field to change. */
const JOB_OPTION_NAMES = { batchSize: 'options.batchSize', units: 'options.hidden', layers: 'options.layers', steps: 'options.seqLength' };

/**
 * Refuse (400) a chars job that cannot run: too short for its window, an impossible head, or a
 * training step over the memory budget even at the smallest batch (the same estimate the
 * training process sizes its batch with, so an accepted job is never refused later for it).
 */
function checkCharsJob(text: string, options: Record<string, unknown>, budgetBytes: number): void {
  const vocabulary = Vocabulary.fromText(text);
  const seqLength = options.seqLength as number;
  const windows = vocabulary.encode(text).length - seqLength;
  if (windows < 1) {
    throw new SeqcastError('BAD_INPUT', `text has ${text.length} characters; options.seqLength ${seqLength} needs at least ${seqLength + 1}`, {
      where: 'options.seqLength',
    });
  }
  const hidden = (options.hidden as number | undefined) ?? vocabulary.size;
  if (options.dense === false && hidden !== vocabulary.size) {
    throw new SeqcastError(
      'BAD_INPUT',
      `options.dense false needs options.hidden equal to the text's ${vocabulary.size} distinct characters (received ${hidden})`,
      {
        where: 'options.hidden',
      },
    );
  }
  const shape = charLMTrainingShape({
    cell: (options.cell as string | undefined) ?? 'lstm',
    layers: (options.layers as number | undefined) ?? 1,
    hidden,
    seqLength,
    vocabSize: vocabulary.size,
  });
  const batchSize = options.batchSize as number | undefined;
  planTrainingBatch(shape, {
    windows,
    budgetBytes,
    names: JOB_OPTION_NAMES,
    vocabulary: { where: 'text', unitsFollow: options.hidden === undefined },
    ...(batchSize !== undefined ? { batchSize } : {}),
  });
}

/** Refuse (400) a forecast job the library would reject after the 202: too few rows, a step over budget. */
function checkForecastJob(rows: number, columns: number, o: ForecastOptions, budgetBytes: number): void {
  // The library's own defaults (its options table), so this check and the training agree.
  const opts = resolveForecastOptions(o);
  const { season, window, horizon, split } = opts;
  // As Forecaster.fit: at least 20 training origins after the context the model reads.
  const context = Math.max(window, season > 1 ? season + 1 : 1);
  const need = Math.ceil((20 + horizon + context - 1) / split);
  if (rows < need) {
    throw new SeqcastError('BAD_INPUT', `csv has ${rows} rows; options.window ${window}, season ${season}, horizon ${horizon} need at least ${need}`, {
      where: 'options.window',
    });
  }
  const features = o.features ?? [];
  if (new Set(features).size !== features.length) {
    throw new SeqcastError('BAD_INPUT', `options.features lists a column twice (${features.join(',')})`, { where: 'options.features' });
  }
  const shape = {
    cell: opts.cell,
    layers: 1,
    units: opts.units,
    steps: window,
    inputs: Math.max(1, features.length + 1),
    outputs: horizon,
    outputSteps: 1,
  } as const;
  planTrainingBatch(shape, {
    windows: rows,
    budgetBytes,
    residentBytes: 4 * rows * (window * shape.inputs + horizon),
    names: { batchSize: 'options.batchSize', units: 'options.units', layers: 'layers', steps: 'options.window' },
    ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
  });
}

/**
 * Check a job request the way the library will (so a bad CSV is a 400, not a failed job later)
 * and turn it into the spec a training runs. CSV content is parsed as text only (never opened
 * as a path or fetched as a URL). Queue workers call this again on every payload they take.
 */
export async function prepareJob(req: JobRequest, trainMemoryMb: number, csvLimits: CsvLimits = DEFAULT_LIMITS): Promise<JobSpec> {
  return (await prepare(req, trainMemoryMb, csvLimits)).spec;
}

/** {@link prepareJob}, plus the training steps a panel job plans (its record's `epochs` while queued). */
async function prepare(req: JobRequest, trainMemoryMb: number, csvLimits: CsvLimits = DEFAULT_LIMITS): Promise<{ spec: JobSpec; panelSteps?: number }> {
  let spec: JobSpec;
  let panelSteps: number | undefined;
  if (req.kind === 'forecast') {
    const series = await parseCsvText(req.csv, req.csvOptions ?? {}, csvLimits);
    const opts = req.options;
    const wanted = [opts.target, ...(opts.features ?? [])];
    for (const [i, col] of wanted.entries()) {
      if (!series.columns.includes(col)) {
        const field = i === 0 ? 'options.target' : `options.features[${i - 1}]`;
        throw new SeqcastError('BAD_INPUT', `${field}: "${col}" is not a numeric column of the CSV (numeric columns: ${series.columns.join(', ') || 'none'})`, {
          where: field,
        });
      }
    }
    checkForecastJob(series.rows, series.columns.length, opts, trainMemoryMb * 2 ** 20);
    spec = { name: req.name, kind: 'forecast', content: req.csv, csvOptions: req.csvOptions ?? {}, options: opts };
  } else if (req.kind === 'panel') {
    // Reading the whole panel now turns every CSV mistake into a 400 with its file line.
    const panel = await parsePanelText(req.csv, req.csvOptions ?? {}, req.options, csvLimits);
    const { target: _target, features: _features, horizon, season = 1, ...modelOptions } = req.options as typeof req.options & { season?: number };
    const kind = req.model ?? DEFAULT_MODEL_KIND;
    // Models that cannot tell their steps before fitting (the baselines) count one.
    panelSteps = plannedSteps(kind, modelOptions, panel, { horizon, season }) ?? 1;
    spec = { name: req.name, kind: 'panel', model: kind, content: req.csv, csvOptions: req.csvOptions ?? {}, options: req.options };
  } else {
    checkCharsJob(req.text, req.options, trainMemoryMb * 2 ** 20);
    spec = { name: req.name, kind: 'chars', content: req.text, options: req.options };
  }
  return { spec, ...(panelSteps !== undefined ? { panelSteps } : {}) };
}

/** The API request a spec was made from (workers validate it with the API's own schema). */
export function requestOfSpec(spec: JobSpec): unknown {
  return spec.kind === 'chars'
    ? { kind: spec.kind, name: spec.name, text: spec.content, options: spec.options }
    : {
        kind: spec.kind,
        ...(spec.model !== undefined ? { model: spec.model } : {}),
        name: spec.name,
        csv: spec.content,
        ...(spec.csvOptions ? { csvOptions: spec.csvOptions } : {}),
        options: spec.options,
      };
}

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
        if (!Number.isFinite(v))
          throw new SeqcastError('BAD_INPUT', `series[${i}].rows[${j}].${target} must be a finite number`, { where: `series[${i}].rows[${j}].${target}` });
        if (!forecastable(v)) {
          throw new SeqcastError('BAD_INPUT', `series "${s.id}": ${unforecastable(v, `series[${i}].rows[${j}].${target}`)}`, {
            where: `series[${i}].rows[${j}].${target}`,
          });
        }
        return v;
      });
      return { id: s.id, values };
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
    const { spec, panelSteps } = await prepare(req, this.limits?.trainMemoryMb ?? 512, this.limits ?? DEFAULT_LIMITS);
    await this.registry.nextVersion(spec.name); // a name taken by a symlink or a file is refused now (409)
    // A panel model counts training steps: the steps its fit plans. Others count epochs: the
    // given count or the default of the model's options table.
    const defaults = spec.kind === 'chars' ? charLMOptionsSchema.shape.epochs : forecastOptionsSchema.shape.epochs;
    const epochs = panelSteps ?? (typeof spec.options.epochs === 'number' ? spec.options.epochs : (defaults.def.defaultValue as number));
    return this.jobs.submit(spec, epochs, idempotency);
  }
}
