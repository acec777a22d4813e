/**
 * The training process (one per job, forked by the embedded server or a queue worker): receives one `start` message, trains
 * with the library (SeriesForecaster.fit on CSV text parsed by readCsv, any registered panel model
 * kind on a long-format CSV, or CharLM.train on text), saves the model atomically into the given
 * version directory, reports progress and exits. A `cancel` message aborts training at the next
 * step or batch boundary; the model is then not saved.
 */
// First, before the seconds it takes to load tfjs: a training process must never outlive the server.
import { watchdogReady } from './parent-watchdog.js';
import * as os from 'node:os';
import { CharLM, initBackend, isSeqcastError, type CharLMOptions } from '@seqcast/core';
import { DEFAULT_MODEL_KIND, SeriesForecaster, layoutOf, modelKind } from '@seqcast/forecast';
import { parseCsvText, parsePanelText, type CsvLimits } from '../csv.js';
import { jobCovariates, refuseUnread, type JobCovariateOptions } from '../job-covariates.js';
import type { FromTrainingProcess, ToTrainingProcess } from './types.js';

/** The content was parsed within the server's CSV limits when the job was accepted (prepareJob). */
const CHECKED_AT_SUBMIT: CsvLimits = { maxCsvColumns: Infinity, maxCsvCells: Infinity };

const abort = new AbortController();

function send(m: FromTrainingProcess): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

/** Niceness of the training: the lowest priority, so serving requests is always scheduled first. */
const TRAINING_NICENESS = 19;

async function train(m: Extract<ToTrainingProcess, { type: 'start' }>): Promise<void> {
  await watchdogReady;
  try {
    os.setPriority(TRAINING_NICENESS); // this thread (and threads it starts) only, not the watchdog
  } catch {
    // Not permitted on some systems; training then simply competes at equal priority.
  }
  await initBackend();
  // Chars and one-series forecast jobs count epochs: each finished epoch is a step of the record.
  const epochDone = (p: { epoch: number; epochs: number; loss: number; elapsedMs: number }) => {
    void send({ type: 'progress', step: p.epoch, steps: p.epochs, unit: 'epoch', loss: p.loss, elapsedMs: p.elapsedMs });
  };
  const { spec, outDir } = m;
  if (spec.kind === 'forecast') {
    // CONTENT only: never opened as a path or fetched as a URL.
    const series = await parseCsvText(spec.content, spec.csvOptions ?? {}, CHECKED_AT_SUBMIT);
    const model = await SeriesForecaster.fit(series, spec.options as unknown as Parameters<typeof SeriesForecaster.fit>[1], {
      onProgress: epochDone,
      signal: abort.signal,
    });
    try {
      await model.save(outDir);
    } finally {
      model.dispose();
    }
  } else if (spec.kind === 'panel') {
    const o = spec.options as { target: string; horizon: number; season?: number } & JobCovariateOptions & Record<string, unknown>;
    const { target: _t, features: _f, futureFeatures: _ff, staticFeatures: _sf, calendar: _c, horizon, season = 1, ...modelOptions } = o;
    const entry = modelKind(spec.model ?? DEFAULT_MODEL_KIND);
    const panel = await parsePanelText(spec.content, spec.csvOptions ?? {}, o, CHECKED_AT_SUBMIT);
    const model = entry.create(modelOptions as never, { horizon, season });
    // The job's covariates reach the model (never read and dropped); a kind that reads none says
    // so instead of ignoring them.
    const covariates = jobCovariates(o);
    try {
      refuseUnread(entry.kind, model.takesCovariates === true, o);
    } catch (e) {
      model.dispose();
      throw e;
    }
    let reported = false;
    try {
      // A cancel aborts the fit between steps: it rejects, and nothing is saved.
      await model.fit(
        panel,
        { horizon, season, ...(covariates && model.takesCovariates ? { covariates } : {}) },
        {
          signal: abort.signal,
          onProgress: (p) => {
            reported = true;
            void send({ type: 'progress', step: p.step, steps: p.steps, unit: p.unit ?? 'step', loss: p.loss ?? null, elapsedMs: p.elapsedMs });
          },
        },
      );
      // A model fitted in one go (a baseline) reports its one step done.
      if (!reported) void send({ type: 'progress', step: 1, steps: 1, unit: 'step', loss: null, elapsedMs: 0 });
      await model.save(outDir, { layout: layoutOf(panel, spec.csvOptions?.missing ?? 'error') });
    } finally {
      model.dispose();
    }
  } else {
    const lm = await CharLM.train(spec.content, spec.options as unknown as CharLMOptions, { onProgress: epochDone, signal: abort.signal });
    try {
      await lm.save(outDir);
    } finally {
      lm.dispose();
    }
  }
}

process.on('message', (m: ToTrainingProcess) => {
  if (m.type === 'cancel') {
    abort.abort(new Error('cancelled'));
    return;
  }
  if (m.type !== 'start') return;
  train(m).then(
    async () => {
      await send({ type: 'done' });
      process.exit(0);
    },
    async (e: unknown) => {
      const msg = isSeqcastError(e)
        ? { type: 'error' as const, code: e.code, message: e.message }
        : { type: 'error' as const, code: 'INTERNAL', message: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
      await send(msg);
      process.exit(1);
    },
  );
});

// The server going away takes its training with it: at once when the IPC channel closes between
// batches; otherwise the watchdog thread (imported first) kills the process.
process.on('disconnect', () => process.exit(1));
