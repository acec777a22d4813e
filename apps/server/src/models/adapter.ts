/**
 * The model adapter seam: what the HTTP layer may ask of a loaded model.
 *
 * Route handlers only see these plain-data interfaces (strings, numbers, arrays); all tensor
 * work happens behind them in the library classes (CharLM, SeriesForecaster), which dispose what
 * they allocate. A loader turns a model directory into an adapter, chosen by the `kind` in
 * the directory's seqcast.json.
 */

import type { CovariateContract, SeriesForecast } from '@seqcast/forecast';
import type { CsvLimits } from '../csv.js';
import type { InputContract, ModelQuality, NextChar, ParsedCsv } from '../wire.js';

/** One candidate next character. */
export type { NextChar };

export interface GenerateOptions {
  temperature?: number;
  topK?: number;
  seed?: number;
}

/** What `/v1/models/{name}` shows about a model's inputs. */
export type { InputContract };

interface AdapterBase {
  /** Training metrics and settings recorded with the model (JSON). */
  readonly metrics: Record<string, unknown>;
  /** The model's input contract. */
  readonly input: InputContract;
  /** Validation score against the baselines (forecasting models). */
  readonly quality?: ModelQuality;
  /**
   * Run one tiny prediction so the backend's one-time setup (kernel lookup, buffers) happens at
   * load time instead of inside the first user's request.
   */
  warmUp?(): void;
  /** Free the model's tensors. Called once, when it stops being served. */
  dispose(): void;
}

/** A panel forecast's future file (content) and the steps it must cover. */
export interface FutureFile {
  text: string;
  steps: number;
}

/** A forecasting model reads a CSV as the CLI's `forecast predict` does, with its saved read layout. */
interface ReadsCsv {
  /** CSV content read with the model's saved layout (row order, missing policy, panel columns). */
  readCsv(text: string, limits: CsvLimits, future?: FutureFile): Promise<ParsedCsv>;
}

/** A character language model. */
export interface CharsAdapter extends AdapterBase {
  readonly kind: 'chars';
  /**
   * The `top` most likely next characters after `text`, most likely first (a promise when
   * concurrent requests are batched).
   */
  next(text: string, top: number): NextChar[] | Promise<NextChar[]>;
  /** `length` characters continuing `prefix` (the continuation only). */
  generate(prefix: string, length: number, options: GenerateOptions): string;
  /** The same characters one at a time (so the server can interleave long generations). */
  generateSteps?(prefix: string, length: number, options: GenerateOptions): Iterator<string, void>;
  /** Trainable parameters: the per-character cost of `next` and `generate`. */
  readonly parameters?: number;
}

/** A many-to-one series forecaster. */
export interface ForecastAdapter extends AdapterBase, ReadsCsv {
  readonly kind: 'forecast';
  /** Feature columns each row must carry. */
  readonly features: string[];
  /** Rows of history the model reads (the last `context` of those given). */
  readonly context: number;
  /** `steps` next values of the target, in original units. */
  forecast(rows: Record<string, number>[], steps: number): number[];
  /** The same, yielding between model passes (so the server can slice a long recursive forecast). */
  forecastSteps?(rows: Record<string, number>[], steps: number): Iterator<void, number[], undefined>;
}

/** One series of a panel request: its id and its target values, oldest first. */
export interface PanelRequestSeries {
  id: string;
  values: Float64Array;
  /** The rows as sent, for the model's covariate columns (models with covariates). */
  rows?: readonly Readonly<Record<string, number | string>>[];
  /** Time cells of the rows (the model's calendar inputs). */
  times?: string[];
  /** Values of the model's future-known columns for each forecast step. */
  future?: readonly Readonly<Record<string, number | string>>[];
}

/** A panel model of any registered kind (the global model, a baseline, …): one model, any number of series per request. */
export interface PanelAdapter extends AdapterBase, ReadsCsv {
  readonly kind: 'panel';
  /** The saved read layout (id and time columns); null for a model saved without one. */
  readonly layout: { idColumn: string | null; timeColumn: string | null } | null;
  readonly target: string;
  readonly horizon: number;
  /** The covariates the model reads (levels, encodings, calendar); absent for a model that reads none. */
  readonly covariates?: CovariateContract;
  /** `steps` values after each series, with 80%/95% intervals, in the request's order. */
  forecast(series: PanelRequestSeries[], steps: number): Promise<SeriesForecast[]>;
}

export type ModelAdapter = CharsAdapter | ForecastAdapter | PanelAdapter;
export type ModelKind = ModelAdapter['kind'];

/** Loads the model stored in `dir` (whose seqcast.json has the loader's kind). */
export type ModelLoader = (dir: string) => Promise<ModelAdapter>;
