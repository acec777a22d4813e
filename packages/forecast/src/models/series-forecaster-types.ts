/** The SeriesForecaster's saved config and info (seqcast.json), and its fit callbacks. */
import { type Base, type DesignSpec } from '../inputs/lag-design.js';
import { type CategoricalLevels } from '../inputs/one-hot.js';
import { type MetricTable } from '../protocol/metrics.js';

export interface FitCallbacks {
  onEpoch?(p: { epoch: number; epochs: number; loss: number; valLoss?: number; elapsedMs: number }): void;
  signal?: AbortSignal;
}

/** What is stored in seqcast.json's `config` (besides `regressor`). */
export interface ForecastConfig extends DesignSpec {
  split: number;
  validation: number;
  seed: number;
  /** Base forecast per horizon step. */
  bases: Base[];
  /** Chosen ridge penalty per horizon step (null = base only). */
  lambdas: (number | null)[];
  /** Per horizon step: the linear path uses only the target's own window (the linear AR). */
  arOnly: boolean[];
  /** Whether the recurrent path contributes. */
  rnnUsed: boolean;
  /**
   * When the one-step forecast IS a baseline (the recurrent path dropped), the baseline itself:
   * forecasts then equal the protocol's baseline bit for bit, not merely up to rounding.
   */
  exact: { kind: 'naive' } | { kind: 'seasonal' } | { kind: 'ar'; window: number; center: number; coef: number[] } | null;
  /**
   * The linear path in float64 (its one stored copy): kernel [K, horizon] row-major and bias
   * [horizon], normalised units. Models saved up to f230b82 also hold a float32 copy as the
   * regressor's `skip_linear` layer, which loading ignores.
   */
  linearKernel: number[];
  linearBias: number[];
  /** Levels of the one-hot encoded (categorical) features; absent without them. */
  categorical?: CategoricalLevels;
}

/** Public description of a trained model (what /v1/models shows). */
export interface ForecastInfo {
  kind: 'forecast';
  target: string;
  features: string[];
  window: number;
  horizon: number;
  season: number;
  /** Rows of history a forecast needs (the window, or season + 1 when larger). */
  context: number;
  split: number;
  validation: number;
  seed: number;
  trainRows: number;
  rows: number;
  source: string | null;
  /** How the training CSV was read (see {@link ForecastOptions.newestFirst}). */
  newestFirst: boolean;
  /** Missing-cell policy of the training CSV, when one was chosen (see {@link ForecastOptions.missing}). */
  missing?: 'drop' | 'ffill';
  /** Columns combined into the training CSV's timestamp (see {@link ForecastOptions.timeColumns}). */
  timeColumns?: string[];
  /** The frequency the season was inferred from (see {@link ForecastOptions.frequency}). */
  frequency?: string;
  /** Categorical features and their levels (the first is the reference); `features` lists their indicator columns. */
  categorical?: CategoricalLevels;
  /**
   * The linear path per horizon step: base, ridge penalty (null = the base alone), whether it is
   * the linear AR on the window, and a plain description ("naive", "seasonal naive", "linear AR",
   * "naive + ridge(0.1)").
   */
  linear: { bases: Base[]; lambdas: (number | null)[]; arOnly: boolean[]; paths: string[] };
  /** valMae*: MAE (scaled units) on the gate half of the validation rows, without / with the recurrent path. */
  rnn: { cell: string; units: number; used: boolean; epochs: number; bestEpoch: number; valMaeLinear: number; valMaeWithRnn: number };
  metrics: { validation: MetricTable & { rows: number }; test?: MetricTable & { rows: number } };
  trainedMs: number;
  created: string;
}
