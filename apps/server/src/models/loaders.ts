/**
 * Adapters over the library model classes: CharLM (kind "chars"), SeriesForecaster (kind "forecast")
 * and every registered panel model kind (@seqcast/forecast's registry). They only translate between plain request data and the library calls; the
 * library does the tensor work and frees its tensors.
 */
import * as path from 'node:path';
import { CharLM, initKernels, SeqcastError } from '@seqcast/core';
import { SeriesForecaster, loadSavedPanelLayout, panelModelKinds, type ForecastModel } from '@seqcast/forecast';
import { parseCsvForDisplay, parsePanelForDisplay, type PanelReadLayout } from '../csv.js';
import type { CharsAdapter, ForecastAdapter, GenerateOptions, ModelLoader, NextChar, PanelAdapter, PanelRequestSeries } from './adapter.js';
import { NextBatcher } from './batch.js';
import { requestPanel } from './panel-covariates.js';
import { chunkSteps, type InferenceGate } from './inference.js';
import { forecasterQuality, panelQuality } from './quality.js';

export interface LoaderOptions {
  /** Batch concurrent `next` requests per model (see batch.ts). Default true. */
  batchNext?: boolean;
  /** Told the number of rows of every batched forward pass. */
  onNextBatch?: (rows: number) => void;
  /**
   * The server's inference gate: every `next` pass then waits for a slot and runs in time
   * slices (the text read a chunk at a time). Without one, `next` runs at once.
   */
  gate?: InferenceGate;
}

/** A future file sent for a model that reads no future-known columns. */
function noFutureColumns(): SeqcastError {
  return new SeqcastError('BAD_ARGUMENT', 'future: the model reads no future-known columns (it was trained without futureFeatures); leave it out', {
    where: 'future',
  });
}

function plain(x: unknown): Record<string, unknown> {
  return x && typeof x === 'object' ? (JSON.parse(JSON.stringify(x)) as Record<string, unknown>) : {};
}

/**
 * Serve a CharLM.
 *
 * @example
 * const adapter = charsAdapter(await CharLM.load('models/hihello'));
 * await adapter.next('hihel', 2);
 */
export function charsAdapter(lm: CharLM, options: LoaderOptions = {}): CharsAdapter {
  const parameters = lm.model.countParams();
  const gate = options.gate;
  // A pass over `texts` (one request's, or a batch of them): gated and sliced when served.
  const pass = (texts: string[], top: number) =>
    gate ? gate.steps(() => lm.nextBatchSteps(texts, top, chunkSteps(texts.length, parameters))) : lm.nextBatch(texts, top);
  const batcher = options.batchNext === false ? undefined : new NextBatcher(lm, options.onNextBatch, pass);
  const single = async (text: string, top: number): Promise<NextChar[]> => {
    const [r] = await pass([text], top);
    if (!r!.ok) throw r!.error;
    return r!.next;
  };
  return {
    kind: 'chars',
    input: { kind: 'chars', vocabulary: [...lm.vocabulary.chars] },
    metrics: { ...plain(lm.info), config: plain(lm.config) },
    next: (text: string, top: number): NextChar[] | Promise<NextChar[]> => (batcher ? batcher.next(text, top) : gate ? single(text, top) : lm.next(text, top)),
    generate: (prefix: string, length: number, options: GenerateOptions): string => lm.generate(prefix, length, options),
    // The prefix is read a slice's worth of characters at a time, like a `next` text.
    generateSteps: (prefix: string, length: number, options: GenerateOptions) =>
      lm.generateSteps(prefix, length, { ...options, prefixChunk: chunkSteps(1, parameters) }),
    parameters,
    warmUp: () => {
      const c = lm.vocabulary.chars[0]!;
      lm.next(c, 1);
      lm.nextBatch([c], 1);
      lm.generate(c, 2, { seed: 0 });
    },
    dispose: () => lm.dispose(),
  };
}

/**
 * Serve a SeriesForecaster.
 *
 * @example
 * const adapter = forecastAdapter(await SeriesForecaster.load('models/stock'));
 * adapter.forecast(lastRows, 5);
 */
export function forecastAdapter(f: SeriesForecaster): ForecastAdapter {
  const info = f.info;
  const features = [...info.features];
  return {
    kind: 'forecast',
    features,
    context: info.context,
    input: {
      kind: 'forecast',
      features,
      target: info.target,
      window: info.window,
      horizon: info.horizon,
      season: info.season,
      context: info.context,
      newestFirst: info.newestFirst === true,
    },
    // The training CSV's path is the server's business, not an anonymous reader's: its name only.
    metrics: { ...plain(info), source: info.source === null ? null : path.basename(info.source) },
    quality: forecasterQuality(plain(info)),
    forecast: (rows: Record<string, number>[], steps: number): number[] => f.forecast(rows, steps),
    forecastSteps: (rows: Record<string, number>[], steps: number) => f.forecastSteps(rows, steps),
    // As `forecast predict`: the whole file is one series, in the row order the model was trained on.
    readCsv: (text, limits, future) => {
      if (future) throw noFutureColumns();
      return parseCsvForDisplay(text, { ...(info.newestFirst ? { newestFirst: true } : {}), ...(info.missing ? { missing: info.missing } : {}) }, null, limits);
    },
    warmUp: () => {
      const row = Object.fromEntries(features.map((k) => [k, 1]));
      f.forecast(
        Array.from({ length: info.context }, () => row),
        1,
      );
    },
    dispose: () => f.dispose(),
  };
}

/**
 * Serve a panel model of any registered kind (the global model, a baseline, …): the request's
 * series become an in-memory panel.
 *
 * @example
 * const adapter = panelAdapter(await GlobalForecaster.load('models/stores'));
 * await adapter.forecast([{ id: 'a', values: Float64Array.of(1, 2, 3) }], 2);
 */
export function panelAdapter(g: ForecastModel, layout: PanelReadLayout | null = null): PanelAdapter {
  const info = g.info();
  // A model saved without a layout (an in-memory fit) reads the target from a file of one series.
  const read: PanelReadLayout = layout ?? { target: info.target, idColumn: null, timeColumn: null, features: [], missing: 'error' };
  // Only models that take covariates have a contract; the others read the target alone.
  const contract = g.covariateContract?.() ?? { past: [], future: [], static: [], calendar: [] };
  const hasCovariates = contract.past.length + contract.future.length + contract.static.length + contract.calendar.length > 0;
  const asPanel = (series: PanelRequestSeries[]) => ({
    target: info.target,
    idColumn: 'id',
    timeColumn: null,
    features: [],
    source: 'request',
    series: series.map((s) => ({ id: s.id, values: s.values, times: null, features: {}, lines: null })),
  });
  return {
    kind: 'panel',
    target: info.target,
    horizon: info.horizon,
    input: {
      kind: 'panel',
      target: info.target,
      horizon: info.horizon,
      season: info.season,
      ...(hasCovariates ? { covariates: { past: contract.past, future: contract.future, static: contract.static, calendar: contract.calendar } } : {}),
    },
    layout,
    ...(hasCovariates ? { covariates: g.covariateContract!() } : {}),
    metrics: { ...plain(info), modelKind: g.kind },
    quality: panelQuality(plain(info), g.kind),
    forecast: (series, steps) => {
      if (!hasCovariates) return g.forecast(asPanel(series), steps);
      const { panel, future } = requestPanel(info.target, g.covariateContract!(), series);
      return g.forecast(panel, steps, future);
    },
    readCsv: (text, limits, future) => {
      if (future && contract.future.length === 0) throw noFutureColumns();
      const levels = g.covariateContract?.().levels ?? {};
      const ahead = future ? { ...future, columns: contract.future, categorical: contract.future.filter((f) => levels[f]) } : undefined;
      return parsePanelForDisplay(text, read, limits, ahead);
    },
    dispose: () => g.dispose(),
  };
}

/**
 * The loaders used unless an app is given others.
 *
 * @example
 * const registry = new ModelRegistry({ modelsDir: 'models', loaders: defaultLoaders(), logger });
 */
export function defaultLoaders(options: LoaderOptions = {}): Record<string, ModelLoader> {
  // Inference uses the same recurrent kernels as training (fused when @seqcast/kernels loads):
  // the reference path is many times slower, and every request's time is the event loop's.
  const kernels = initKernels().catch(() => undefined); // unavailable: the reference path, as before
  return {
    chars: async (dir) => (await kernels, charsAdapter(await CharLM.load(dir), options)),
    forecast: async (dir) => (await kernels, forecastAdapter(await SeriesForecaster.load(dir))),
    // Every registered panel model kind, by the kind its directories record.
    ...Object.fromEntries(
      panelModelKinds().map((k): [string, ModelLoader] => [
        k.savedKind ?? k.kind,
        async (dir) => (await kernels, panelAdapter(await k.load(dir), await loadSavedPanelLayout(dir))),
      ]),
    ),
  };
}
