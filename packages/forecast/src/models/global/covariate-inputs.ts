/**
 * The global model's side of the covariates (inputs/covariates.ts): one object per fit or
 * forecast that holds the contract, writes each window's covariates beside the target's and turns
 * a batch into the network's tensors, so forecaster.ts only calls it where it writes a window.
 */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '@seqcast/core';
import type { Panel } from '@seqcast/data';
import { calendarChannelNames } from '../../inputs/calendar.js';
import {
  channelModes,
  covariateBatch,
  covariateDims,
  encodeSeries,
  hasCovariates,
  NO_COVARIATES,
  writeCovariates,
  type ChannelMode,
  type CovariateBatch,
  type CovariateContract,
  type CovariateDims,
  type EncodedSeries,
  type FutureCovariates,
} from '../../inputs/covariates.js';
import type { WindowNorm, WindowShape } from '../../inputs/panel-windows.js';
import type { CovariateTensors } from './network.js';

/** What `info()` says about the covariates: which columns reach the network, and how. */
export interface CovariateInfo {
  /** Past covariates, each with its normalisation (`Open (target units)`, `promo (0/1)`, `sector (one-hot: 3 levels)`). */
  past: string[];
  future: string[];
  static: string[];
  /** Calendar channels (`dayOfWeek:sin1`, …), empty when off or without dates. */
  calendar: string[];
  /** The frequency the calendar was chosen for. */
  frequency: string | null;
  /** Input channels besides the target: per window step, per horizon step, per series. */
  channels: CovariateDims;
}

const MODE_WORDS: Record<ChannelMode, string> = { raw: 'as is', target: "target's window scale", window: 'own window scale' };

export function covariateInfo(c: CovariateContract): CovariateInfo {
  const d = covariateDims(c);
  const describe = (f: string) =>
    `${f} (${c.levels[f] ? `one-hot: ${c.levels[f].length} levels` : c.statics[f] ? 'standardised' : MODE_WORDS[c.modes[f] ?? 'window']})`;
  return {
    past: c.past.map(describe),
    future: c.future.map(describe),
    static: c.static.map(describe),
    calendar: calendarChannelNames(c.calendar),
    frequency: c.frequency,
    channels: d,
  };
}

/** One line for the CLI: what reaches the network besides the target. */
export function covariateLine(i: CovariateInfo): string {
  const parts = [
    i.past.length ? `past ${i.past.join(', ')}` : '',
    i.future.length ? `future-known ${i.future.join(', ')}` : '',
    i.static.length ? `static ${i.static.join(', ')}` : '',
    i.calendar.length ? `calendar ${[...new Set(i.calendar.map((c) => c.split(':')[0]))].join(', ')} (${i.frequency})` : '',
  ].filter(Boolean);
  return parts.length ? `features reach the network: ${parts.join('; ')}` : 'no covariates: the network reads the target alone';
}

/** Writes covariate inputs for batches of up to `rows` windows. */
export class CovariateWriter {
  readonly dims: CovariateDims;
  readonly active: boolean;
  private readonly modes: ChannelMode[];
  private readonly batch: CovariateBatch;

  constructor(
    readonly contract: CovariateContract,
    private readonly shape: WindowShape,
    private readonly rows: number,
  ) {
    this.dims = covariateDims(contract);
    this.active = hasCovariates(contract);
    this.modes = channelModes(contract);
    this.batch = covariateBatch(this.dims, this.active ? rows : 0, shape);
  }

  /** Every series of `panel`, encoded (with `future` for forecasting `horizon` steps). */
  encode(panel: Panel, future?: { values: FutureCovariates | undefined; horizon: number }): EncodedSeries[] {
    if (!this.active) return panel.series.map((s) => ({ id: s.id, values: s.values, channels: [], statics: new Float32Array(0) }));
    if (future) {
      const ids = new Set(panel.series.map((s) => s.id));
      const stray = [...(future.values?.keys() ?? [])].find((id) => !ids.has(id));
      if (stray !== undefined) throw new SeqcastError('BAD_INPUT', `future values name series "${stray}", which the history does not have`, { where: stray });
    }
    return panel.series.map((s) => encodeSeries(this.contract, panel, s, future));
  }

  write(enc: EncodedSeries, end: number, norm: WindowNorm, row: number): void {
    if (this.active) writeCovariates(enc, this.modes, this.dims, end, this.shape, norm, row, this.batch);
  }

  /** The first `rows` rows as tensors (undefined without covariates); call inside tf.tidy or dispose. */
  tensors(rows: number): CovariateTensors | undefined {
    if (!this.active) return undefined;
    const { window: L, horizon: H } = this.shape;
    const d = this.dims;
    return {
      window: tf.tensor3d(this.batch.window.subarray(0, rows * L * d.window), [rows, L, d.window]),
      horizon: tf.tensor3d(this.batch.horizon.subarray(0, rows * H * d.horizon), [rows, H, d.horizon]),
      statics: tf.tensor2d(this.batch.statics.subarray(0, rows * d.statics), [rows, d.statics]),
    };
  }
}

/** Check a saved contract's shape (older models have none: no covariates). */
export function loadedContract(raw: unknown, bad: (field: string) => Error): CovariateContract {
  if (raw === undefined) return NO_COVARIATES;
  const c = raw as CovariateContract;
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (typeof c !== 'object' || c === null) throw bad('config.covariates');
  for (const k of ['past', 'future', 'static', 'calendar'] as const) if (!strings(c[k])) throw bad(`config.covariates.${k}`);
  for (const k of ['levels', 'modes', 'statics'] as const) if (typeof c[k] !== 'object' || c[k] === null) throw bad(`config.covariates.${k}`);
  for (const f of [...c.past, ...c.future, ...c.static]) {
    if (!c.levels[f] && !c.modes[f] && !c.statics[f]) throw bad(`config.covariates (column "${f}")`);
  }
  return c;
}
