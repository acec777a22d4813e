/**
 * Covariates of the global model (part of the input stack, src/inputs/): what the user knows
 * besides the target, in the three kinds Darts, NeuralForecast and the TFT share.
 *
 * - past (`features`): values known up to the forecast origin, fed beside the target at every step
 *   of the input window;
 * - future (`futureFeatures`): values known in advance (a planned promotion, a holiday), fed in the
 *   input window *and* for every step of the horizon;
 * - static (`staticFeatures`): one value per series (a store type), fed once per window;
 * - calendar: the position in the day / week / year of each step (see calendar.ts), derived from
 *   a date time column, fed for the horizon's steps only: with regular steps the horizon's
 *   positions fix the window's, so feeding them at every window step too would only cost time.
 *
 * The contract (which columns, their categorical levels, how each numeric one is normalised) is
 * fixed at train time and saved with the model. Numeric time columns are normalised per window
 * as suits each: 0/1 indicators as they are, a column in the target's units (a stock's Open/High/
 * Low beside its Close) with the target's window level and scale, so their differences survive,
 * and any other column with its own window level and scale. Categorical columns are one-hot over
 * all their training levels; numeric statics are standardised over the training series.
 */
import { SeqcastError } from '@seqcast/core';
import { inferFrequency, isDateName, nextTimes, type Panel, type PanelSeries } from '@seqcast/data';
import { calendarChannelNames, calendarChannels, calendarParts, usefulCalendarParts, type CalendarPart } from './calendar.js';
import { INPUT_CLIP, windowNorm, type WindowNorm, type WindowShape } from './panel-windows.js';
import { meanAbsOf } from './scale.js';

/** How a numeric time column is normalised in each window. */
export type ChannelMode = 'raw' | 'target' | 'window';

/** What the user asks for at train time. */
export interface CovariateRequest {
  /** Past covariates (known up to the forecast origin). */
  features?: readonly string[];
  /** Future-known covariates (values needed for the horizon at predict time). */
  futureFeatures?: readonly string[];
  /** Static covariates (constant per series). */
  staticFeatures?: readonly string[];
  /**
   * Calendar covariates from a date time column: `'auto'` (default) the positions the season does
   * not already show and the history covers twice (see usefulCalendarParts), `true` every position
   * the frequency makes meaningful, `false` none. None without dates.
   */
  calendar?: boolean | 'auto';
  /**
   * How the caller names the three lists in its messages (default the CLI's flags: `--features`,
   * `--future-features`, `--static-features`); the server names its JSON fields.
   */
  names?: { features: string; futureFeatures: string; staticFeatures: string };
}

/** The CLI's flags, the names a covariate error uses unless the request gives its own. */
const FLAG_NAMES = { features: '--features', futureFeatures: '--future-features', staticFeatures: '--static-features' } as const;

/** The saved input contract: which covariates, and how each is encoded. */
export interface CovariateContract {
  past: string[];
  future: string[];
  static: string[];
  /** Calendar positions fed (empty when off or when the time column holds no dates). */
  calendar: CalendarPart[];
  /** The frequency inferred from the training dates (what chose the calendar parts). */
  frequency: string | null;
  /** Levels of every categorical covariate, in one-hot order. */
  levels: Record<string, string[]>;
  /** Per-window normalisation of every numeric past and future column. */
  modes: Record<string, ChannelMode>;
  /** Mean and standard deviation of every numeric static column over the training series. */
  statics: Record<string, { mean: number; std: number }>;
}

/** Channel counts the network is built for. */
export interface CovariateDims {
  /** Channels per step of the input window (past, then future). */
  window: number;
  /** Channels per step of the horizon (future, then calendar). */
  horizon: number;
  /** Static inputs per series. */
  statics: number;
}

/** Future values of one series: at least H values per future column, oldest first. */
export interface FutureSeries {
  /** Numeric columns as numbers, categorical ones as their level names. */
  columns: Readonly<Record<string, ArrayLike<number> | readonly string[]>>;
  /** Time cells of those steps (for the calendar); default: continued from the history's times. */
  times?: readonly string[] | null;
  /** Where the values came from, for messages (`future.csv`, `body.future`). */
  source?: string;
}

/** Future values by series id. */
export type FutureCovariates = ReadonlyMap<string, FutureSeries>;

/** A series as the network reads it: the target and one column per window channel. */
export interface EncodedSeries {
  id: string;
  values: Float64Array;
  /** Channels (past, future, calendar); the future and calendar ones run on past the history when future values were given. */
  channels: Float64Array[];
  statics: Float32Array;
}

export const NO_COVARIATES: CovariateContract = { past: [], future: [], static: [], calendar: [], frequency: null, levels: {}, modes: {}, statics: {} };

function oneHotNames(column: string, levels: Record<string, string[]>): string[] {
  return levels[column] ? levels[column].map((l) => `${column}=${l}`) : [column];
}

/** Names of the window channels, the horizon channels and the static inputs, in input order. */
export function covariateNames(c: CovariateContract): { window: string[]; horizon: string[]; statics: string[] } {
  const future = c.future.flatMap((f) => oneHotNames(f, c.levels));
  return {
    window: [...c.past.flatMap((f) => oneHotNames(f, c.levels)), ...future],
    horizon: [...future, ...calendarChannelNames(c.calendar)],
    statics: c.static.flatMap((f) => oneHotNames(f, c.levels)),
  };
}

export function covariateDims(c: CovariateContract): CovariateDims {
  const n = covariateNames(c);
  return { window: n.window.length, horizon: n.horizon.length, statics: n.statics.length };
}

export function hasCovariates(c: CovariateContract | undefined): boolean {
  if (!c) return false;
  const d = covariateDims(c);
  return d.window + d.horizon + d.statics > 0;
}

function badArg(where: string, message: string): SeqcastError {
  return new SeqcastError('BAD_ARGUMENT', message, { where });
}

function line(s: PanelSeries, i: number): string {
  return s.lines ? ` (line ${s.lines[i]})` : '';
}

/** The column's value at row i as a level name (categorical) or number. */
function cell(panel: Panel, s: PanelSeries, column: string, i: number): string | number {
  const codes = s.categorical?.[column];
  if (codes) return panel.categoricalLevels?.[column]?.[codes[i]!] ?? '';
  return s.features[column]![i]!;
}

/**
 * Fix the contract from the training panel: checks every column was read, statics are constant
 * per series (a one-line error naming the first series where one is not), and chooses each numeric
 * column's normalisation and the calendar parts.
 */
export function fitCovariates(panel: Panel, request: CovariateRequest, season = 1): CovariateContract {
  const past = [...(request.features ?? [])];
  const future = [...(request.futureFeatures ?? [])];
  const statics = [...(request.staticFeatures ?? [])];
  const names = request.names ?? FLAG_NAMES;
  const flags: [string, string[]][] = [
    [names.features, past],
    [names.futureFeatures, future],
    [names.staticFeatures, statics],
  ];
  const seen = new Map<string, string>();
  for (const [flag, cols] of flags) {
    for (const c of cols) {
      if (c === panel.target) {
        throw badArg(flag, `${flag}: "${c}" is the target; the model reads the target's past already (list only the other columns)`);
      }
      if (seen.has(c)) throw badArg(flag, `${flag}: column "${c}" is also in ${seen.get(c)}; give each column one kind`);
      seen.set(c, flag);
      if (!panel.features.includes(c)) throw badArg(flag, `${flag}: column "${c}" was not read from ${panel.source}`);
    }
  }
  const levels: Record<string, string[]> = {};
  for (const c of seen.keys()) {
    const l = panel.categoricalLevels?.[c];
    if (l) levels[c] = [...l];
  }
  for (const c of statics) {
    for (const s of panel.series) {
      const first = cell(panel, s, c, 0);
      for (let i = 1; i < s.values.length; i++) {
        const v = cell(panel, s, c, i);
        if (v !== first) {
          throw new SeqcastError(
            'BAD_INPUT',
            `${panel.source}: static feature "${c}" is not constant in series "${s.id}": ${JSON.stringify(first)}${line(s, 0)} then ${JSON.stringify(v)}${line(s, i)}; make it a ${names.features} or ${names.futureFeatures} column`,
            { where: s.id, column: c },
          );
        }
      }
    }
  }
  const modes: Record<string, ChannelMode> = {};
  for (const c of [...past, ...future]) if (!levels[c]) modes[c] = modeOf(panel, c);
  const staticStats: CovariateContract['statics'] = {};
  for (const c of statics) {
    if (levels[c]) continue;
    const v = panel.series.map((s) => s.features[c]![0]!);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    staticStats[c] = { mean, std: sd > 1e-12 ? sd : 1 };
  }
  let calendar: CalendarPart[] = [];
  let frequency: string | null = null;
  if (request.calendar !== false && panel.timeColumn && panel.series.length > 0) {
    const longest = panel.series.reduce((a, b) => (b.values.length > a.values.length ? b : a));
    const f = inferFrequency(longest.times, { loose: panel.timeColumn.includes('+') || isDateName(panel.timeColumn) });
    if (f) {
      frequency = f.frequency;
      calendar = request.calendar === true ? calendarParts(f.frequency) : usefulCalendarParts(f.frequency, season, panel.series);
    }
  }
  return { past, future, static: statics, calendar, frequency, levels, modes, statics: staticStats };
}

/** 0/1 indicators raw; a column in the target's units with the target's norm; any other with its own. */
function modeOf(panel: Panel, column: string): ChannelMode {
  let binary = true;
  const ratios: number[] = [];
  for (const s of panel.series) {
    const v = s.features[column]!;
    for (let i = 0; i < v.length && binary; i++) if (v[i] !== 0 && v[i] !== 1) binary = false;
    const y = meanAbsOf(s.values, 0, s.values.length);
    if (y > 0) ratios.push(meanAbsOf(v, 0, v.length) / y);
  }
  if (binary) return 'raw';
  ratios.sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)];
  return median !== undefined && median >= 0.5 && median <= 2 ? 'target' : 'window';
}

function oneHot(levels: string[], value: string, where: () => string): number {
  const k = levels.indexOf(value);
  if (k < 0) {
    throw new SeqcastError('BAD_INPUT', `${where()}: level ${JSON.stringify(value)} was not seen in training (levels: ${levels.join(', ')})`, {
      where: where(),
    });
  }
  return k;
}

/**
 * Encode one series for the network. With `future` (forecasting), the known channels run on
 * `horizon` steps past the history; a series without future values, or with fewer than `horizon`,
 * is a one-line error naming it.
 */
export function encodeSeries(
  c: CovariateContract,
  panel: Panel,
  s: PanelSeries,
  future?: { values: FutureCovariates | undefined; horizon: number },
): EncodedSeries {
  const T = s.values.length;
  const H = future ? future.horizon : 0;
  const fut = future && c.future.length > 0 ? future.values?.get(s.id) : undefined;
  if (future && c.future.length > 0 && !fut) {
    throw new SeqcastError(
      'BAD_INPUT',
      `series "${s.id}" has no future values: the model needs ${c.future.join(', ')} for the next ${H} step(s) of every series`,
      { where: s.id },
    );
  }
  const futureSource = fut?.source ?? 'future values';
  const timeColumn = (name: string, known: boolean): Float64Array[] => {
    const levels = c.levels[name];
    const width = levels ? levels.length : 1;
    const out = Array.from({ length: width }, () => new Float64Array(T + (known ? H : 0)));
    const put = (i: number, v: string | number, where: () => string) => {
      if (levels) out[oneHot(levels, String(v), where)]![i] = 1;
      else out[0]![i] = Number(v);
    };
    for (let i = 0; i < T; i++) put(i, cell(panel, s, name, i), () => `${panel.source}${s.lines ? `:${s.lines[i]}` : ''}: series "${s.id}", column "${name}"`);
    if (known && H > 0) {
      const given = fut!.columns[name];
      if (!given || given.length < H) {
        throw new SeqcastError(
          'BAD_INPUT',
          `${futureSource}: series "${s.id}" has ${given ? given.length : 0} future value(s) of "${name}", the forecast needs ${H}`,
          { where: s.id, column: name },
        );
      }
      for (let h = 0; h < H; h++) {
        const v = given[h]!;
        if (!levels && !Number.isFinite(Number(v))) {
          throw new SeqcastError('BAD_INPUT', `${futureSource}: series "${s.id}", column "${name}", step ${h + 1}: ${JSON.stringify(v)} is not a number`, {
            where: s.id,
            column: name,
          });
        }
        put(T + h, v, () => `${futureSource}: series "${s.id}", column "${name}", step ${h + 1}`);
      }
    }
    return out;
  };
  const channels = [...c.past.flatMap((f) => timeColumn(f, false)), ...c.future.flatMap((f) => timeColumn(f, true))];
  if (c.calendar.length > 0) {
    const times = [...(s.times ?? [])];
    if (times.length !== T)
      throw new SeqcastError(
        'BAD_INPUT',
        `series "${s.id}" has no times; the model's calendar inputs (${c.calendar.join(', ')}) need its dates (the time column, or "times" in a request)`,
        { where: s.id },
      );
    if (H > 0) {
      const next = fut?.times && fut.times.length >= H ? fut.times.slice(0, H) : nextTimes(times, H);
      if (!next)
        throw new SeqcastError('BAD_INPUT', `series "${s.id}": its dates give no spacing to continue for the calendar of the next ${H} step(s)`, {
          where: s.id,
        });
      times.push(...next);
    }
    channels.push(...calendarChannels(times, c.calendar));
  }
  const statics: number[] = [];
  for (const f of c.static) {
    const v = T > 0 ? cell(panel, s, f, 0) : 0;
    const levels = c.levels[f];
    if (levels) {
      const row = new Array<number>(levels.length).fill(0);
      row[oneHot(levels, String(v), () => `${panel.source}: series "${s.id}", static column "${f}"`)] = 1;
      statics.push(...row);
    } else {
      const { mean, std } = c.statics[f]!;
      statics.push((Number(v) - mean) / std);
    }
  }
  return { id: s.id, values: s.values, channels, statics: Float32Array.from(statics) };
}

function clip(v: number): number {
  return v > INPUT_CLIP ? INPUT_CLIP : v < -INPUT_CLIP ? -INPUT_CLIP : v;
}

/** Each channel's mode, in channel order (past, future, calendar). */
export function channelModes(c: CovariateContract): ChannelMode[] {
  const mode = (f: string): ChannelMode[] => (c.levels[f] ? c.levels[f].map(() => 'raw' as const) : [c.modes[f] ?? 'window']);
  return [...c.past.flatMap(mode), ...c.future.flatMap(mode), ...calendarChannelNames(c.calendar).map(() => 'raw' as const)];
}

/** Buffers of one batch of covariate inputs: window [rows, L, Cw], horizon [rows, H, Cf], statics [rows, S]. */
export interface CovariateBatch {
  window: Float32Array;
  horizon: Float32Array;
  statics: Float32Array;
}

export function covariateBatch(d: CovariateDims, rows: number, shape: WindowShape): CovariateBatch {
  return {
    window: new Float32Array(rows * shape.window * d.window),
    horizon: new Float32Array(rows * shape.horizon * d.horizon),
    statics: new Float32Array(rows * d.statics),
  };
}

/**
 * Write the covariates of the window ending before `end` (and of the horizon after it) at row
 * `row`, padded with zeros in front as the target's window is.
 */
export function writeCovariates(
  enc: EncodedSeries,
  modes: readonly ChannelMode[],
  d: CovariateDims,
  end: number,
  shape: WindowShape,
  target: WindowNorm,
  row: number,
  out: CovariateBatch,
): void {
  const L = shape.window;
  const H = shape.horizon;
  const Cw = d.window;
  const have = Math.min(L, end);
  const wo = row * L * Cw;
  out.window.fill(0, wo, wo + L * Cw);
  // Channels: past (window only), future (window and horizon), calendar (horizon only).
  const known0 = enc.channels.length - d.horizon;
  for (let j = 0; j < enc.channels.length; j++) {
    const ch = enc.channels[j]!;
    const mode = modes[j]!;
    const { level, scale } = mode === 'raw' ? { level: 0, scale: 1 } : mode === 'target' ? target : windowNorm(ch, end, shape);
    if (j < Cw) for (let i = 0; i < have; i++) out.window[wo + (L - have + i) * Cw + j] = clip((ch[end - have + i]! - level) / scale);
    if (j < known0) continue;
    const fo = row * H * d.horizon + (j - known0);
    // Forecasting fewer steps than the model's horizon: the last future value stands for the rest.
    for (let h = 0; h < H; h++) out.horizon[fo + h * d.horizon] = clip((ch[Math.min(end + h, ch.length - 1)]! - level) / scale);
  }
  out.statics.set(enc.statics, row * d.statics);
}
