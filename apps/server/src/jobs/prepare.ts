/**
 * Checking a training-job request the way the library will (so a bad CSV is a 400, not a failed
 * job later) and turning it into the spec a training process runs. Used by the service when a
 * job is submitted and by queue workers on every payload they take: it lives with the jobs, so
 * nothing under jobs/ imports the service.
 *
 * The queue carries the request itself, as the API validated it (never the spec): a worker
 * parses it with the API's own schema and runs these checks again, since anyone who can write to
 * Redis can add an entry.
 */
import type { z } from 'zod';
import { charLMOptionsSchema, charLMTrainingShape, planTrainingBatch, SeqcastError, Vocabulary } from '@seqcast/core';
import { DEFAULT_MODEL_KIND, forecastOptionsSchema, modelKind, plannedSteps, resolveForecastOptions, type ForecastOptions } from '@seqcast/forecast';
import { parseCsvText, parsePanelText, type CsvLimits } from '../csv.js';
import { checkJobCovariates, jobCovariates, refuseUnread } from '../job-covariates.js';
import { DEFAULT_LIMITS } from '../options.js';
import type { RequestSchemas } from '../schemas.js';
import type { JobSpec } from './types.js';

/** A validated POST /v1/jobs body. */
export type JobRequest = z.output<RequestSchemas['job']>;

/** A job request that passed every check at submit. */
export interface PreparedJob {
  /** The request as the API validated it: what the queue carries (a worker checks it again). */
  request: JobRequest;
  /** What a training process runs (the embedded server's jobs). */
  spec: JobSpec;
  /** The steps the training plans, the record's `steps` while queued: a panel kind's planned steps, else the epochs asked for or their default. */
  steps: number;
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
  // As SeriesForecaster.fit: at least 20 training origins after the context the model reads.
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
export async function prepareJob(req: JobRequest, trainMemoryMb: number, csvLimits: CsvLimits = DEFAULT_LIMITS): Promise<PreparedJob> {
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
    const {
      target: _target,
      features: _f,
      futureFeatures: _ff,
      staticFeatures: _sf,
      calendar: _c,
      horizon,
      season = 1,
      ...modelOptions
    } = req.options as typeof req.options & { season?: number };
    const kind = req.model ?? DEFAULT_MODEL_KIND;
    // The covariates reach the model (job-covariates.ts): a kind that reads none refuses them at submit.
    if (jobCovariates(req.options)) {
      const probe = modelKind(kind).create(modelOptions as never, { horizon, season });
      const reads = probe.takesCovariates === true;
      probe.dispose();
      refuseUnread(kind, reads, req.options);
      if (reads) checkJobCovariates(panel, req.options, season);
    }
    // Models that cannot tell their steps before fitting (the baselines) count one.
    panelSteps = plannedSteps(kind, modelOptions, panel, { horizon, season }) ?? 1;
    spec = { name: req.name, kind: 'panel', model: kind, content: req.csv, csvOptions: req.csvOptions ?? {}, options: req.options };
  } else {
    checkCharsJob(req.text, req.options, trainMemoryMb * 2 ** 20);
    spec = { name: req.name, kind: 'chars', content: req.text, options: req.options };
  }
  // A panel model counts training steps: the steps its fit plans. Others count epochs: the
  // given count or the default of the model's options table.
  const epochs = spec.kind === 'chars' ? charLMOptionsSchema.shape.epochs : forecastOptionsSchema.shape.epochs;
  const steps = panelSteps ?? (typeof spec.options.epochs === 'number' ? spec.options.epochs : (epochs.def.defaultValue as number));
  return { request: req, spec, steps };
}

/**
 * The API request a spec was made from: a queue entry written by an earlier server, which queued
 * the spec, is read as the request it came from (workers validate it with the API's own schema).
 */
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
