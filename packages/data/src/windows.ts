/**
 * Sliding windows for sequence models and the chronological train/validation/test split.
 *
 * Windows are views, not copies: the feature columns are packed once into a row-major float32
 * matrix `[rows, features]`, so window `i` is the contiguous slice starting at row `starts[i]`
 * (`x(i)` returns a subarray). A 1,000,000-row, 6-feature series costs 24 MB however many windows
 * there are; `batch()` copies only the windows a training step needs.
 *
 * Leakage rules (the lecture's `train_size - seq_length`): validation/test windows may read
 * their INPUT rows from before their part (up to `window` rows back), but their targets lie in
 * their part only, training windows' targets lie in the training rows only, and the scaler in
 * {@link prepareWindows} is fitted on the training rows alone.
 */
import { SeqcastError } from '@seqcast/core/errors';
import type { Series } from './read.js';
import { MinMaxScaler, StandardScaler, type ColumnTable, type RowRange, type Scaler } from './scalers.js';

/** Options for {@link makeWindows}. */
export interface WindowOptions {
  /** Input rows per window (sequence length), >= 1. */
  window: number;
  /** Target rows after the window, >= 1. Default 1. */
  horizon?: number;
  /** Rows between window starts, >= 1. Default 1. Starts lie on the grid 0, stride, 2*stride, ... */
  stride?: number;
  /** Input columns, in this order. Default: every column of the table. */
  features?: string[];
  /** Column predicted `horizon` steps ahead. */
  target: string;
  /**
   * Rows whose values may be TARGETS (default: all). Inputs may reach back before `targets.start`
   * (down to row 0) — that is how test windows look back into training rows.
   */
  targets?: RowRange;
}

/** A set of windows over one shared feature matrix. */
export interface Windows {
  /** Number of windows. */
  count: number;
  window: number;
  horizon: number;
  features: string[];
  target: string;
  /** Row-major `[rows, features.length]` float32 matrix shared by all windows (do not mutate). */
  matrix: Float32Array;
  /** First input row of each window. Targets are rows `starts[i] + window ... + horizon - 1`. */
  starts: Int32Array;
  /** Targets, row-major `[count, horizon]`. */
  y: Float32Array;
  /** Shape of the inputs as a model sees them: `[count, window, features]`. */
  xShape: [number, number, number];
  yShape: [number, number];
  /** Window `i`'s inputs `[window, features]` as a view into `matrix` (no copy). */
  x(i: number): Float32Array;
  /** Copy windows `[from, to)` into one `[to - from, window, features]` array (into `out` if given). */
  batch(from: number, to: number, out?: Float32Array): Float32Array;
}

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new SeqcastError('BAD_ARGUMENT', `${name} must be an integer >= 1 (received ${JSON.stringify(v)})`, { where: name });
  }
  return v;
}

function col(table: ColumnTable, name: string, what: string): ArrayLike<number> {
  const c = table.values[name];
  if (!c) throw new SeqcastError('BAD_ARGUMENT', `unknown ${what} column "${name}" (available: ${Object.keys(table.values).join(', ')})`, { where: what });
  return c;
}

/**
 * Pack columns into a row-major float32 matrix `[rows, names.length]`.
 *
 * @example
 * featureMatrix({ values: { a: [1, 2], b: [3, 4] } }, ['a', 'b']); // Float32Array [1, 3, 2, 4]
 */
export function featureMatrix(table: ColumnTable, names: string[]): Float32Array {
  const cols = names.map((n) => col(table, n, 'feature'));
  const rows = cols[0]?.length ?? 0;
  const f = cols.length;
  const m = new Float32Array(rows * f);
  for (let j = 0; j < f; j++) {
    const c = cols[j]!;
    for (let i = 0, k = j; i < rows; i++, k += f) m[k] = c[i]!;
  }
  return m;
}

function buildWindows(
  matrix: Float32Array,
  features: string[],
  target: string,
  targetCol: ArrayLike<number>,
  window: number,
  horizon: number,
  stride: number,
  targets: RowRange,
): Windows {
  const f = features.length;
  // First target row s + window >= targets.start; last target row s + window + horizon - 1 < targets.end.
  const lo = Math.max(0, targets.start - window);
  const hi = targets.end - window - horizon; // inclusive
  const first = Math.ceil(lo / stride) * stride;
  const count = hi >= first ? Math.floor((hi - first) / stride) + 1 : 0;
  const starts = new Int32Array(count);
  const y = new Float32Array(count * horizon);
  for (let i = 0; i < count; i++) {
    const s = first + i * stride;
    starts[i] = s;
    for (let k = 0; k < horizon; k++) y[i * horizon + k] = targetCol[s + window + k]!;
  }
  const span = window * f;
  return {
    count,
    window,
    horizon,
    features,
    target,
    matrix,
    starts,
    y,
    xShape: [count, window, f],
    yShape: [count, horizon],
    x(i: number): Float32Array {
      if (!(i >= 0 && i < count)) throw new SeqcastError('BAD_ARGUMENT', `window index ${i} out of range [0, ${count})`, { where: 'index' });
      const s = starts[i]! * f;
      return matrix.subarray(s, s + span);
    },
    batch(from: number, to: number, out?: Float32Array): Float32Array {
      if (!(from >= 0 && to <= count && from <= to))
        throw new SeqcastError('BAD_ARGUMENT', `batch [${from}, ${to}) out of range [0, ${count})`, { where: 'batch' });
      const res = out ?? new Float32Array((to - from) * span);
      if (res.length < (to - from) * span)
        throw new SeqcastError('BAD_ARGUMENT', `batch output holds ${res.length} values, needs ${(to - from) * span}`, { where: 'out' });
      for (let i = from; i < to; i++) {
        const s = starts[i]! * f;
        res.set(matrix.subarray(s, s + span), (i - from) * span);
      }
      return res;
    },
  };
}

/**
 * Sliding windows over (already scaled) columns: inputs `[window, features]` → the target's next
 * `horizon` values.
 *
 * @example
 * const w = makeWindows(scaledTable, { window: 7, horizon: 1, features: ['Open', 'Close'], target: 'Close' });
 * w.xShape;      // [rows - 7, 7, 2]
 * w.x(0);        // Float32Array view of rows 0..6
 * w.y[0];        // Close at row 7
 */
export function makeWindows(table: ColumnTable, options: WindowOptions): Windows {
  const window = positiveInt(options.window, 'window');
  const horizon = positiveInt(options.horizon ?? 1, 'horizon');
  const stride = positiveInt(options.stride ?? 1, 'stride');
  const features = options.features ?? Object.keys(table.values);
  if (features.length === 0) throw new SeqcastError('BAD_ARGUMENT', 'features must name at least one column', { where: 'features' });
  const targetCol = col(table, options.target, 'target');
  const rows = targetCol.length;
  const targets = options.targets ?? { start: 0, end: rows };
  if (!(targets.start >= 0 && targets.end <= rows && targets.start < targets.end)) {
    throw new SeqcastError('BAD_ARGUMENT', `targets range [${targets.start}, ${targets.end}) is not inside the ${rows} rows`, { where: 'targets' });
  }
  const matrix = featureMatrix(table, features);
  const w = buildWindows(matrix, [...features], options.target, targetCol, window, horizon, stride, targets);
  if (w.count === 0) throw tooFew(rows, window, horizon, 'the series');
  return w;
}

function tooFew(rows: number, window: number, horizon: number, part: string): SeqcastError {
  return new SeqcastError('BAD_INPUT', `${part} has ${rows} rows, fewer than one window needs (window ${window} + horizon ${horizon} = ${window + horizon})`, {
    where: 'window',
  });
}

/** Fractions of the rows for each part. */
export interface SplitOptions {
  /** Share of rows for training. Default 0.7. */
  train?: number;
  /** Share of rows for validation (0 = none). Default 0.15; test gets the rest. */
  validation?: number;
  window: number;
  /** Default 1. */
  horizon?: number;
}

/** Row ranges of a chronological split. `targets` are the rows each part predicts. */
export interface ChronologicalSplit {
  rows: number;
  /** First row after the training part (the lecture's `train_size`). */
  trainEnd: number;
  /** First row after the validation part (= trainEnd without validation). */
  validationEnd: number;
  train: { targets: RowRange; inputs: RowRange };
  validation: { targets: RowRange; inputs: RowRange } | null;
  /** Test inputs start at `validationEnd - window`: they look back, nothing is fitted on them. */
  test: { targets: RowRange; inputs: RowRange };
}

function fraction(v: unknown, name: string, lo: number): number {
  if (typeof v !== 'number' || !(v >= lo && v < 1)) {
    throw new SeqcastError('BAD_ARGUMENT', `${name} must be a fraction in [${lo}, 1) (received ${JSON.stringify(v)})`, { where: name });
  }
  return v;
}

/**
 * Split `rows` chronologically into train | validation | test. Each part must hold at least one
 * window whose targets lie inside it; otherwise a BAD_INPUT error says how many rows are missing.
 *
 * @example
 * const sp = splitChronological(732, { train: 0.7, validation: 0, window: 7 });
 * sp.trainEnd;           // 512 (the lecture's train_size)
 * sp.test.inputs.start;  // 505 (train_size - seq_length)
 */
export function splitChronological(rows: number, options: SplitOptions): ChronologicalSplit {
  const window = positiveInt(options.window, 'window');
  const horizon = positiveInt(options.horizon ?? 1, 'horizon');
  const trainF = fraction(options.train ?? 0.7, 'train', Number.MIN_VALUE);
  const valF = fraction(options.validation ?? 0.15, 'validation', 0);
  if (trainF + valF >= 1)
    throw new SeqcastError('BAD_ARGUMENT', `train + validation must leave rows for test (received ${trainF} + ${valF})`, { where: 'validation' });
  if (rows < window + horizon) throw tooFew(rows, window, horizon, 'the series');
  const trainEnd = Math.floor(rows * trainF);
  const validationEnd = valF > 0 ? Math.floor(rows * (trainF + valF)) : trainEnd;
  if (trainEnd < window + horizon) {
    throw new SeqcastError(
      'BAD_INPUT',
      `the training part has ${trainEnd} of ${rows} rows, fewer than one window needs (window ${window} + horizon ${horizon}); use a smaller window or more rows`,
      { where: 'window' },
    );
  }
  if (valF > 0 && validationEnd - trainEnd < horizon) {
    throw new SeqcastError('BAD_INPUT', `the validation part has ${validationEnd - trainEnd} rows, fewer than horizon ${horizon}`, { where: 'validation' });
  }
  if (rows - validationEnd < horizon) {
    throw new SeqcastError('BAD_INPUT', `the test part has ${rows - validationEnd} rows, fewer than horizon ${horizon}`, { where: 'train' });
  }
  return {
    rows,
    trainEnd,
    validationEnd,
    train: { targets: { start: 0, end: trainEnd }, inputs: { start: 0, end: trainEnd } },
    validation: valF > 0 ? { targets: { start: trainEnd, end: validationEnd }, inputs: { start: trainEnd - window, end: validationEnd } } : null,
    test: { targets: { start: validationEnd, end: rows }, inputs: { start: validationEnd - window, end: rows } },
  };
}

/** Options for {@link prepareWindows}; one object, defaults documented per field. */
export interface PrepareOptions {
  /** Column to predict. */
  target: string;
  /** Input columns. Default: every column of the series (target included). */
  features?: string[];
  window: number;
  /** Default 1. */
  horizon?: number;
  /** Default 1 (applies to every part). */
  stride?: number;
  /** Default 0.7. */
  train?: number;
  /** Default 0.15. */
  validation?: number;
  /** Default 'minmax'. 'none' leaves values as they are. */
  scaler?: 'minmax' | 'standard' | 'none';
}

/** Everything a trainer needs: the fitted scaler, the split and windows for each part. */
export interface PreparedWindows {
  scaler: Scaler | null;
  split: ChronologicalSplit;
  features: string[];
  target: string;
  /** Scaled columns (float32), all rows, oldest-first. */
  scaled: Record<string, Float32Array>;
  train: Windows;
  validation: Windows | null;
  test: Windows;
}

/**
 * The leak-free pipeline: split chronologically, fit the scaler on the TRAINING rows only,
 * scale every row with it, and cut windows per part (test inputs may look back into training rows).
 *
 * @example
 * const series = await readCsv({ path: 'stock_daily.csv' }, { newestFirst: true });
 * const p = prepareWindows(series, { target: 'Close', window: 7, train: 0.7, validation: 0 });
 * p.train.xShape;                  // [505, 7, 5]
 * p.scaler!.toJSON();              // saved with the model
 * p.scaler!.inverseValue('Close', prediction);
 */
export function prepareWindows(series: Pick<Series, 'values' | 'columns' | 'rows'>, options: PrepareOptions): PreparedWindows {
  const features = options.features ?? series.columns;
  const target = options.target;
  for (const name of [...features, target]) {
    if (!series.values[name]) {
      throw new SeqcastError('BAD_ARGUMENT', `unknown column "${name}" (available: ${series.columns.join(', ')})`, {
        where: name === target ? 'target' : 'features',
      });
    }
  }
  const used = [...new Set([...features, target])];
  for (const name of used) {
    const c = series.values[name]!;
    for (let i = 0; i < c.length; i++) {
      if (Number.isNaN(c[i]!)) {
        throw new SeqcastError('BAD_INPUT', `column "${name}" has missing values (row ${i}); read the CSV with missing: drop or ffill`, { where: name });
      }
    }
  }
  const window = positiveInt(options.window, 'window');
  const horizon = positiveInt(options.horizon ?? 1, 'horizon');
  const stride = positiveInt(options.stride ?? 1, 'stride');
  const split = splitChronological(series.rows, { window, horizon, train: options.train, validation: options.validation });
  const kind = options.scaler ?? 'minmax';
  if (!['minmax', 'standard', 'none'].includes(kind)) {
    throw new SeqcastError('BAD_ARGUMENT', `scaler must be minmax, standard or none (received ${JSON.stringify(kind)})`, { where: 'scaler' });
  }
  const scaler: Scaler | null = kind === 'none' ? null : kind === 'standard' ? new StandardScaler() : new MinMaxScaler();
  // Fit on training rows only: nothing after trainEnd can influence the scaling.
  scaler?.fit(series, { columns: used, range: { start: 0, end: split.trainEnd } });
  const scaled: Record<string, Float32Array> = {};
  for (const name of used) {
    const src = series.values[name]!;
    scaled[name] = scaler ? scaler.transform(name, src, new Float32Array(src.length)) : Float32Array.from(src);
  }
  const table = { values: scaled };
  const matrix = featureMatrix(table, features);
  const tcol = scaled[target]!;
  const make = (targets: RowRange, part: string): Windows => {
    const w = buildWindows(matrix, [...features], target, tcol, window, horizon, stride, targets);
    if (w.count === 0)
      throw new SeqcastError('BAD_INPUT', `the ${part} part has no window on the stride grid (stride ${stride}); use a smaller stride`, { where: 'stride' });
    return w;
  };
  return {
    scaler,
    split,
    features: [...features],
    target,
    scaled,
    train: make(split.train.targets, 'training'),
    validation: split.validation ? make(split.validation.targets, 'validation') : null,
    test: make(split.test.targets, 'test'),
  };
}
