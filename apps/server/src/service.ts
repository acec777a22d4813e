/**
 * What the endpoints do, in plain data: look a model up, check the request against the model's
 * input contract (feature names, window, vocabulary size), call the adapter. No HTTP and no
 * tensors here; the route handlers parse bodies and serialise results, the adapters do the math.
 */
import { SeqcastError } from '@seqcast/core';
import { panelForecastJson, type PanelForecastJson } from '@seqcast/forecast';
import { parseCsvText, parsePanelText } from './csv.js';
import type { ForecastAdapter, CharsAdapter, GenerateOptions, NextChar, PanelAdapter } from './models/adapter.js';
import type { ModelRegistry, ServedModel } from './models/registry.js';
import type { JobManager } from './jobs/manager.js';
import type { JobRecord, JobSpec } from './jobs/types.js';
import type { RequestSchemas } from './schemas.js';
import type { z } from 'zod';

type JobRequest = z.output<RequestSchemas['job']>;

function wrongKind(m: ServedModel, want: string, action: string): SeqcastError {
  return new SeqcastError(
    'BAD_ARGUMENT',
    `model "${m.name}" is a ${m.adapter.kind} model; ${action} needs a ${want} model`,
    { where: 'name' },
  );
}

export class Service {
  constructor(
    readonly registry: ModelRegistry,
    readonly jobs: JobManager,
  ) {}

  private async chars(name: string, action: string): Promise<CharsAdapter> {
    const m = await this.registry.get(name);
    if (m.adapter.kind !== 'chars') throw wrongKind(m, 'chars', action);
    return m.adapter;
  }

  private async forecaster(name: string): Promise<ForecastAdapter> {
    const m = await this.registry.get(name);
    if (m.adapter.kind !== 'forecast') throw wrongKind(m, 'forecast', 'forecast');
    return m.adapter;
  }

  async next(name: string, text: string, top = 5): Promise<NextChar[]> {
    const model = await this.chars(name, 'next');
    if (model.input.kind === 'chars' && top > model.input.vocabulary.length) {
      // More candidates than characters is a meaningless request, not a crash.
      top = model.input.vocabulary.length;
    }
    return model.next(text, top);
  }

  async generate(name: string, prefix: string, length: number, options: GenerateOptions): Promise<string> {
    const model = await this.chars(name, 'generate');
    return model.generate(prefix, length, options);
  }

  private async panel(name: string): Promise<PanelAdapter> {
    const m = await this.registry.get(name);
    if (m.adapter.kind !== 'panel') {
      throw new SeqcastError('BAD_ARGUMENT', `model "${m.name}" is a ${m.adapter.kind} model; a "series" body needs a panel model (send "rows" instead)`, { where: 'series' });
    }
    return m.adapter;
  }

  /** Panel models: `steps` values (and intervals) after each series' last row, the shape of `forecast predict --json`. */
  async forecastPanel(name: string, series: { id: string; rows: Record<string, number>[] }[], steps?: number): Promise<PanelForecastJson> {
    const model = await this.panel(name);
    const target = model.target;
    const seen = new Set<string>();
    const input = series.map((s, i) => {
      if (seen.has(s.id)) throw new SeqcastError('BAD_INPUT', `series[${i}].id "${s.id}" appears twice`, { where: `series[${i}].id` });
      seen.add(s.id);
      const values = Float64Array.from(s.rows, (row, j) => {
        const v = row[target];
        if (v === undefined) throw new SeqcastError('BAD_INPUT', `series[${i}].rows[${j}].${target} is missing (model "${name}" forecasts ${target})`, { where: `series[${i}].rows[${j}].${target}` });
        if (!Number.isFinite(v)) throw new SeqcastError('BAD_INPUT', `series[${i}].rows[${j}].${target} must be a finite number`, { where: `series[${i}].rows[${j}].${target}` });
        return v;
      });
      return { id: s.id, values };
    });
    const n = steps ?? model.horizon;
    if (n > model.horizon) {
      throw new SeqcastError('BAD_ARGUMENT', `steps must be <= ${model.horizon}, the horizon model "${name}" was trained for (received ${n})`, { where: 'steps' });
    }
    return panelForecastJson(target, n, await model.forecast(input, n));
  }

  async forecast(name: string, rows: Record<string, number>[], steps?: number): Promise<number[]> {
    const model = await this.forecaster(name);
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
    return model.forecast(rows.slice(start), steps ?? horizon);
  }

  /**
   * Check a job's input now (so a bad CSV is a 400, not a failed job later) and queue it.
   * CSV content is parsed as text only (never opened as a path or fetched as a URL).
   */
  async submitJob(req: JobRequest): Promise<JobRecord> {
    let spec: JobSpec;
    if (req.kind === 'forecast') {
      const series = await parseCsvText(req.csv, req.csvOptions ?? {});
      const opts = req.options;
      const wanted = [opts.target, ...(opts.features ?? [])];
      for (const [i, col] of wanted.entries()) {
        if (!series.columns.includes(col)) {
          const field = i === 0 ? 'options.target' : `options.features[${i - 1}]`;
          throw new SeqcastError(
            'BAD_INPUT',
            `${field}: "${col}" is not a numeric column of the CSV (numeric columns: ${series.columns.join(', ') || 'none'})`,
            { where: field },
          );
        }
      }
      spec = { name: req.name, kind: 'forecast', content: req.csv, csvOptions: req.csvOptions ?? {}, options: opts };
    } else if (req.kind === 'panel') {
      // Reading the whole panel now turns every CSV mistake into a 400 with its file line.
      await parsePanelText(req.csv, req.csvOptions ?? {}, req.options);
      spec = { name: req.name, kind: 'panel', content: req.csv, csvOptions: req.csvOptions ?? {}, options: req.options };
    } else {
      spec = { name: req.name, kind: 'chars', content: req.text, options: req.options };
    }
    // 100 is both libraries' default epoch count (the record is corrected by the first progress report).
    const epochs = typeof spec.options.epochs === 'number' ? spec.options.epochs : 100;
    return this.jobs.submit(spec, epochs);
  }
}
