/** The global model's resolved options, default window, saved config and training sources. */
import { parseOptions, SeqcastError } from '@seqcast/core';
import type { ForecastSpec } from '../../panel/model.js';
import type { CovariateContract, EncodedSeries } from '../../inputs/covariates.js';
import type { WindowSource } from './linear-start.js';
import type { NetworkConfig } from './network.js';
import type { GlobalInfo } from './info.js';
import type { PanelLayout } from '../../panel/layout.js';
import { globalForecasterOptionsSchema, type GlobalForecasterOptions } from './options.js';

/**
 * Element-wise median over `members` equal blocks of `stacked` (the mean of the middle two for an
 * even count): one member that trained badly moves a median less than a mean.
 */
export function ensembleMedian(stacked: Float32Array, members: number): Float32Array {
  if (members === 1) return stacked;
  const n = stacked.length / members;
  const out = new Float32Array(n);
  const v = new Float64Array(members);
  const mid = Math.floor(members / 2);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < members; k++) v[k] = stacked[k * n + i]!;
    v.sort();
    out[i] = members % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  }
  return out;
}

/** The network's forecasts combined with a partner's at `weight`. */
export function combine(a: number[][], b: number[][], weight: number): number[][] {
  return a.map((row, i) => row.map((v, h) => weight * v + (1 - weight) * b[i]![h]!));
}

export interface SavedConfig {
  network: NetworkConfig;
  season: number;
  target: string;
  /** The covariate input contract; absent in older models (none). */
  covariates?: CovariateContract;
}

/** One network's metadata: a single model's seqcast.json config and extra, or one ensemble member's. */
export interface SavedMember {
  config: SavedConfig;
  extra: { info: GlobalInfo; options: GlobalForecasterOptions };
}

/** seqcast.json's extra in a global model directory. */
export interface SavedExtra {
  info: GlobalInfo;
  options: GlobalForecasterOptions;
  layout?: PanelLayout;
  /**
   * An ensemble's members, in order (member 0's network is the directory's main one, member k's
   * is `member-<k>`); absent for a single network.
   */
  ensemble?: { members: SavedMember[] };
}

export interface Resolved {
  horizon: number;
  season: number;
  window: number;
  patch: number;
  minutes: number;
  seed: number;
  cell: string;
  units: number;
  members: number;
  batchSize: number;
  learningRate: number;
  steps: number;
  epochs: number | undefined;
  linearStart: boolean;
}

/** The default window: several seasons and a few horizons, whole seasons, no longer than most series. */
export function defaultWindow(horizon: number, season: number, lengths: number[]): number {
  const patch = season > 1 ? season : 1;
  let window = Math.ceil(Math.max(3.5 * horizon, 4 * season) / patch) * patch;
  const sorted = [...lengths].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? window;
  const room = median - horizon;
  if (room < window) window = Math.max(patch, Math.floor(Math.max(room, patch) / patch) * patch);
  return window;
}

export function resolve(
  options: GlobalForecasterOptions,
  spec: ForecastSpec | null,
  lengths: number[] | null,
  explicit: Partial<GlobalForecasterOptions>,
): Resolved {
  const o = parseOptions(globalForecasterOptionsSchema, options);
  // The spec (what fit is asked for) wins over the options, checked as they are.
  const { horizon, season } = spec ? parseOptions(globalForecasterOptionsSchema.pick({ horizon: true, season: true }), spec) : o;
  if (spec && explicit.horizon !== undefined && explicit.horizon !== spec.horizon) {
    throw new SeqcastError('BAD_ARGUMENT', `horizon ${spec.horizon} asked of fit differs from the model's horizon ${explicit.horizon}`, { where: 'horizon' });
  }
  const patch = season > 1 ? season : 1;
  // Whole patches only: round a user's window up to whole seasons.
  const window = Math.ceil((o.window ?? defaultWindow(horizon, season, lengths ?? [])) / patch) * patch;
  return { ...o, horizon, season, window, patch, epochs: o.epochs };
}

/** A series usable for training windows: cutoffs `end` in [lo, hi], with its covariates. */
export type Source = WindowSource & { enc: EncodedSeries };

export function sources(series: readonly EncodedSeries[], horizon: number, window: number, holdout: number): Source[] {
  // At least a quarter window (and two points) of history before a cutoff.
  const minHistory = Math.max(2, Math.ceil(window / 4));
  const out: Source[] = [];
  for (const s of series) {
    const hi = s.values.length - holdout - horizon;
    if (hi >= minHistory) out.push({ values: s.values, lo: minHistory, hi, enc: s });
  }
  return out;
}
