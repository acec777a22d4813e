/**
 * The protocol every panel forecaster implements — the global recurrent model and every
 * baseline alike — so that holdout evaluation and backtesting are written once over any list
 * of models (statsforecast's and darts' habit).
 */
import type { Panel } from '@seqcast/data';
import type { CovariateRequest, FutureCovariates } from '../inputs/covariates.js';

/** What a model is asked to forecast. */
export interface ForecastSpec {
  /** Steps ahead (H). */
  readonly horizon: number;
  /** Seasonal period m (1 = none). */
  readonly season: number;
  /** Covariates to read from the panel (models that take none ignore them). */
  readonly covariates?: CovariateRequest;
}

/** A prediction interval at one level, per step. */
export interface Interval {
  readonly lower: number[];
  readonly upper: number[];
}

/** Nominal coverage levels the protocol reports. */
export type IntervalLevel = '80' | '95';

/** H values after the last point of one series, in original units. */
export interface SeriesForecast {
  readonly id: string;
  readonly values: number[];
  /** Present when the model gives intervals (the recurrent model does; naive baselines may). */
  readonly intervals?: Readonly<Record<IntervalLevel, Interval>>;
}

/** A fitted-or-fittable panel forecaster (the full lifecycle, save/load/info, is registry/contract.ts's ForecastModel). */
export interface PanelModel {
  /** Stable name used as the metrics key (e.g. `model`, `naive2`, `snaive`, `pooledLinear`). */
  readonly name: string;
  /** Fit on every series of `train` (the caller has already cut off what is held out). */
  fit(train: Panel, spec: ForecastSpec): Promise<void>;
  /**
   * `horizon` values after the end of each series of `history`, in the order of `history.series`;
   * `future`: the future-known covariates of those steps, by series id (for models fitted with them).
   */
  forecast(history: Panel, horizon: number, future?: FutureCovariates): Promise<SeriesForecast[]>;
  /** True when the model reads covariates (future values, statics); baselines leave it out. */
  readonly takesCovariates?: boolean;
  /** Free what the model holds (tensors); the backtest calls it after each cutoff. A no-op for plain-array models. */
  dispose(): void;
}

/** Builds a fresh, unfitted model (backtests fit one per cutoff). */
export type PanelModelFactory = () => PanelModel;
