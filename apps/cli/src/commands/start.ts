/**
 * `seqcast start` (what `pnpm start` runs): serve ./models, and on first run — when the
 * directory holds no model — train the demo models into it first, with progress shown: the
 * lecture's `hihello` and `sentence` char models and a `stock` forecaster on a generated
 * stock-like series.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '@seqcast/core';
import { SeriesForecaster, syntheticStockSeries } from '@seqcast/forecast';
import { isValidModelName } from '@seqcast/server';
import { optionalString, parseFlags } from '../args.js';
import type { Command, Io } from '../command.js';
import { trainLectureDemo } from '../demo/lecture.js';
import { ProgressBar } from '../progress.js';
import { dropSeparator, SERVE_FLAGS, serveFromFlags } from './serve.js';

/** The demo forecaster: daily closes of a seeded synthetic stock, 5 days ahead from 20. */
export const STOCK_DEMO = {
  rows: 1000,
  seed: 42,
  options: { target: 'Close', window: 20, horizon: 5, epochs: 30, seed: 1 },
} as const;

/** True when `dir` is missing or has no model directory in it (hidden entries such as .jobs don't count). */
export async function hasNoModels(dir: string): Promise<boolean> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
  return !entries.some((e) => e.isDirectory() && isValidModelName(e.name));
}

/** Train the `stock` demo forecaster and save it as `<modelsDir>/stock`. */
export async function trainStockDemo(modelsDir: string, io: Io): Promise<void> {
  const series = syntheticStockSeries(STOCK_DEMO.rows, STOCK_DEMO.seed);
  const bar = new ProgressBar('stock');
  let last = { epoch: 0, epochs: 0 };
  const model = await SeriesForecaster.fit(
    series,
    { ...STOCK_DEMO.options },
    {
      onEpoch: (p) => {
        last = p;
        bar.update({ ...p, step: p.epoch, steps: p.epochs });
      },
    },
  );
  // Early stopping can end before the last epoch; finish the redrawn bar's line.
  if (last.epoch < last.epochs && process.stderr.isTTY) process.stderr.write('\n');
  try {
    const dir = path.join(modelsDir, 'stock');
    await model.save(dir);
    const m = model.info.metrics.validation.model;
    const naive = model.info.metrics.validation.naive;
    io.out(
      `stock: forecaster on ${STOCK_DEMO.rows} synthetic daily closes, window ${model.info.window}, horizon ${model.info.horizon}` +
        ` -> validation MAE ${m.mae.toFixed(3)} (naive ${naive.mae.toFixed(3)}), saved ${dir}`,
    );
  } finally {
    model.dispose();
  }
}

export const start: Command = {
  name: 'start',
  summary: 'serve ./models, training the demo models first when it is empty',
  usage: 'seqcast start [--models ./models] [--port 3000] [--host 127.0.0.1] [--body-limit BYTES] [--quiet]',
  async run(argv, io) {
    const flags = parseFlags(dropSeparator(argv), SERVE_FLAGS, 'start');
    const modelsDir = optionalString(flags, 'models') ?? 'models';
    if (await hasNoModels(modelsDir)) {
      io.out(`seqcast: ${modelsDir} has no models yet; training the demo models (hihello, sentence, stock) first`);
      await initBackend();
      await trainLectureDemo({ outDir: modelsDir, io });
      await trainStockDemo(modelsDir, io);
    }
    const server = await serveFromFlags(flags, modelsDir, io);
    io.out(`try:   curl -s ${server.url}/v1/models/hihello/next -H 'content-type: application/json' -d '{"text":"hihel"}'`);
  },
};
