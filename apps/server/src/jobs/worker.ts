/**
 * The training process (forked by the server per job): receives one `start` message, trains
 * with the library (Forecaster.fit on CSV text parsed by readCsv, or CharLM.train on text),
 * saves the model atomically into the given version directory, reports progress per epoch and
 * exits. A `cancel` message aborts training at the next batch boundary.
 */
// First, before the seconds it takes to load tfjs: a training process must never outlive the server.
import { watchdogReady } from './parent-watchdog.js';
import * as os from 'node:os';
import { CharLM, initBackend, isSeqcastError, type CharLMOptions } from '@seqcast/core';
import { Forecaster, GlobalForecaster, layoutOf, type GlobalForecasterOptions } from '@seqcast/forecast';
import { parseCsvText, parsePanelText, type CsvLimits } from '../csv.js';
import type { FromWorker, ToWorker } from './types.js';

/** The content was parsed within the server's CSV limits when the job was accepted (prepareJob). */
const CHECKED_AT_SUBMIT: CsvLimits = { maxCsvColumns: Infinity, maxCsvCells: Infinity };

const abort = new AbortController();

function send(m: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

/** Niceness of the training: the lowest priority, so serving requests is always scheduled first. */
const TRAINING_NICENESS = 19;

async function train(m: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  await watchdogReady;
  try {
    os.setPriority(TRAINING_NICENESS); // this thread (and threads it starts) only, not the watchdog
  } catch {
    // Not permitted on some systems; training then simply competes at equal priority.
  }
  await initBackend();
  const callbacks = {
    onEpoch: (p: { epoch: number; epochs: number; loss: number; elapsedMs: number }) => {
      void send({ type: 'progress', epoch: p.epoch, epochs: p.epochs, loss: p.loss, elapsedMs: p.elapsedMs });
    },
    signal: abort.signal,
  };
  const { spec, outDir } = m;
  if (spec.kind === 'forecast') {
    // CONTENT only: never opened as a path or fetched as a URL.
    const series = await parseCsvText(spec.content, spec.csvOptions ?? {}, CHECKED_AT_SUBMIT);
    const model = await Forecaster.fit(series, spec.options as unknown as Parameters<typeof Forecaster.fit>[1], callbacks);
    try {
      await model.save(outDir);
    } finally {
      model.dispose();
    }
  } else if (spec.kind === 'panel') {
    const o = spec.options as unknown as GlobalForecasterOptions & { target: string; features?: string[] };
    const { target: _t, features: _f, ...modelOptions } = o;
    // The global model's fit has no abort hook: a cancel ends this process (nothing is published).
    abort.signal.addEventListener('abort', () => process.exit(1));
    const panel = await parsePanelText(spec.content, spec.csvOptions ?? {}, o, CHECKED_AT_SUBMIT);
    const model = new GlobalForecaster(modelOptions);
    try {
      await model.fit(
        panel,
        { horizon: o.horizon, season: o.season ?? 1 },
        {
          onProgress: (p) => void send({ type: 'progress', epoch: p.step, epochs: p.steps, loss: p.loss, elapsedMs: p.elapsedMs }),
        },
      );
      await model.save(outDir, { layout: layoutOf(panel, spec.csvOptions?.missing ?? 'error') });
    } finally {
      model.dispose();
    }
  } else {
    const lm = await CharLM.train(spec.content, spec.options as unknown as CharLMOptions, callbacks);
    try {
      await lm.save(outDir);
    } finally {
      lm.dispose();
    }
  }
}

process.on('message', (m: ToWorker) => {
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
