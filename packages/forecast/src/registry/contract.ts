/**
 * The model contract every panel forecasting model implements — the global recurrent model, the
 * per-series model and every baseline alike — and the description of a model kind that the
 * registry (kinds.ts) lists. Everything that trains, backtests, saves, loads or serves a model
 * (CLI, server, jobs, the page's form) goes through these two types, so a new model is its own
 * file plus one registry line.
 *
 * Borrowed habits: tfjs' getConfig/registerClass (a kind name re-creates the model), darts' model
 * metadata (a saved directory re-creates any model untrained from its options), statsforecast's
 * report columns named by the model.
 */
import type { SaveOptions } from '@seqcast/core';
import type { Panel } from '@seqcast/data';
import type { z } from 'zod';
import type { CovariateContract, FutureCovariates } from '../inputs/covariates.js';
import type { ForecastSpec, PanelModel, SeriesForecast } from '../panel/model.js';
import type { PanelLayout } from '../panel/layout.js';

/** The one progress shape of every fit, from the model to the CLI bar, the job's training process and the job record. */
export interface FitProgress {
  /** Steps done (optimizer steps, epochs or series, as the model counts; `steps` says out of how many). */
  step: number;
  steps: number;
  /** Training loss at this step, when the model has one. */
  loss?: number;
  /** Validation loss at this step, when measured. */
  valLoss?: number;
  elapsedMs: number;
  /** Estimated time left, when the model can tell. */
  etaMs?: number;
  /** What a step is, for a progress bar ("step", "epoch", "series"). */
  unit?: string;
}

/** What `fit` is given besides the data. */
export interface FitContext {
  /** Aborting stops the fit between steps: it rejects with the signal's reason and saves nothing. */
  signal?: AbortSignal;
  onProgress?(p: FitProgress): void;
}

/** What every trained model says about itself (`info()`); kinds add their own fields. */
export interface ModelInfo {
  /** The column it was trained to forecast. */
  target: string;
  /** The horizon it was fitted for (forecasts of more steps may be refused). */
  horizon: number;
  season: number;
}

/** Options of {@link ForecastModel.save}. */
export type ModelSaveOptions = SaveOptions & {
  /** How the training CSV was read, so `forecast predict` and the server read later files alike. */
  layout?: PanelLayout;
};

/** A panel forecasting model: the {@link PanelModel} protocol plus its whole lifecycle. */
export interface ForecastModel extends PanelModel {
  /** The registry kind; also what its saved directory's seqcast.json records (or the kind's `savedKind`). */
  readonly kind: string;
  /** Fit on every series of `train` (the caller has cut off what is held out). Replaces any earlier fit. */
  fit(train: Panel, spec: ForecastSpec, context?: FitContext): Promise<void>;
  /**
   * `horizon` values (and intervals when the model gives them) after each series of `history`;
   * `future`: the future-known covariates of those steps (models fitted with them).
   */
  forecast(history: Panel, horizon: number, future?: FutureCovariates): Promise<SeriesForecast[]>;
  /** The covariates the model was fitted with (models that take covariates; none otherwise). */
  covariateContract?(): CovariateContract;
  /** Save into a model directory, atomically (core's saveModelDir). */
  save(dir: string, options?: ModelSaveOptions): Promise<void>;
  /** What the trained model is; NOT_TRAINED before fit or load. */
  info(): ModelInfo;
  /** Free what the model holds (tensors); safe to call twice. */
  dispose(): void;
}

/** One registered model kind: how to make, describe and load it. */
export interface ModelKindEntry<S extends z.ZodObject = z.ZodObject> {
  /** `forecast train --model KIND`, `forecast backtest --models a,b`, the panel job's `model`. */
  readonly kind: string;
  /** The report column (backtest table and JSON): the kind, but `model` for the global model (unchanged JSON). */
  readonly name: string;
  /** One line for help texts, the /v1/model-kinds route and the page's form. */
  readonly summary: string;
  /**
   * The options table (zod): parses the options, derives the CLI flags, the server's job schema
   * and the web form's defaults, and validates the options a saved directory records. Horizon and
   * season are not in it: they are the {@link ForecastSpec}, common to every kind.
   */
  readonly options: S;
  /** The seqcast.json kind of its saved directories when it differs from `kind` (older directories). */
  readonly savedKind?: string;
  /**
   * Whether `forecast backtest` runs it when `--models` is not given (default true). The per-series
   * recurrent model, which trains one network per series, is there only when asked for.
   */
  readonly inDefaultBacktest?: boolean;
  /** A fresh, unfitted model; `options` are checked by the table (a bad one is one BAD_ARGUMENT line naming it). */
  create(options: z.input<S>, spec: ForecastSpec): ForecastModel;
  /** Load a directory this kind saved. */
  load(dir: string): Promise<ForecastModel>;
  /** Optional: the steps `fit` will report in all (what a queued job shows before it starts). */
  plannedSteps?(options: z.input<S>, train: Panel, spec: ForecastSpec): number;
}

/** Define a kind with its options table's types checked. */
export function defineModelKind<S extends z.ZodObject>(entry: ModelKindEntry<S>): ModelKindEntry<S> {
  return entry;
}
