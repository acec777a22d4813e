/**
 * Column scalers that travel with a model: fitted on the TRAINING rows only (a row range), then
 * applied to every row, invertible, and serialisable to JSON. A constant column maps to the
 * bottom of the range (min-max) or to 0 (standard) instead of dividing by zero.
 */
import { SeqcastError } from '@seqcast/core/errors';

/** Row range `[start, end)`; the training part of a chronological split. */
export interface RowRange {
  start: number;
  end: number;
}

/** Anything with named Float64Array/Float32Array columns (a {@link Series} qualifies). */
export interface ColumnTable {
  values: Record<string, ArrayLike<number>>;
}

/** Serialised form of a scaler (`toJSON()`); restore with {@link scalerFromJSON}. */
export type ScalerJSON =
  | { kind: 'minmax'; columns: string[]; min: number[]; max: number[]; range: [number, number] }
  | { kind: 'standard'; columns: string[]; mean: number[]; std: number[] };

function columnOf(table: ColumnTable, name: string): ArrayLike<number> {
  const col = table.values[name];
  if (!col) {
    throw new SeqcastError('BAD_ARGUMENT', `unknown column "${name}" (available: ${Object.keys(table.values).join(', ')})`, { where: 'columns' });
  }
  return col;
}

function checkRange(range: RowRange | undefined, length: number): RowRange {
  const r = range ?? { start: 0, end: length };
  if (!Number.isInteger(r.start) || !Number.isInteger(r.end) || r.start < 0 || r.end > length || r.end <= r.start) {
    throw new SeqcastError('BAD_ARGUMENT', `fit range [${r.start}, ${r.end}) is not a non-empty range of the ${length} rows`, { where: 'range' });
  }
  return r;
}

/** Shared scaler behaviour: per-column affine map `(x - offset) / scale`. */
abstract class AffineScaler {
  protected offset: Float64Array = new Float64Array(0);
  protected scale: Float64Array = new Float64Array(0);
  protected lo = 0;
  /** Per-column second statistic as fitted (min-max: the training max). */
  protected aux: Float64Array = new Float64Array(0);
  /** Columns in fit order. Empty until fitted. */
  columns: string[] = [];

  /** True once fitted (or restored from JSON). */
  get fitted(): boolean {
    return this.columns.length > 0;
  }

  protected abstract computeStats(col: ArrayLike<number>, r: RowRange): [offset: number, scale: number, aux: number];

  /**
   * Fit on rows `range` (default: all) of `columns` (default: every column of `table`).
   * NaN cells are ignored. Returns `this`.
   */
  fit(table: ColumnTable, options: { columns?: string[]; range?: RowRange } = {}): this {
    const columns = options.columns ?? Object.keys(table.values);
    if (columns.length === 0) throw new SeqcastError('BAD_ARGUMENT', 'nothing to fit: no columns', { where: 'columns' });
    const offset = new Float64Array(columns.length);
    const scale = new Float64Array(columns.length);
    const aux = new Float64Array(columns.length);
    columns.forEach((name, j) => {
      const col = columnOf(table, name);
      const r = checkRange(options.range, col.length);
      const [o, s, a] = this.computeStats(col, r);
      aux[j] = a;
      if (!Number.isFinite(o)) {
        throw new SeqcastError('BAD_INPUT', `column "${name}" has no numeric value in rows [${r.start}, ${r.end}) to fit on`, { where: name });
      }
      offset[j] = o;
      // Constant column: scale 1 so transform gives a constant instead of Infinity/NaN.
      scale[j] = s > 0 && Number.isFinite(s) ? s : 1;
    });
    this.columns = [...columns];
    this.offset = offset;
    this.scale = scale;
    this.aux = aux;
    return this;
  }

  private slot(column: string): number {
    const j = this.columns.indexOf(column);
    if (j < 0) {
      if (!this.fitted) throw new SeqcastError('NOT_TRAINED', 'scaler used before fit()', { where: column });
      throw new SeqcastError('BAD_ARGUMENT', `scaler was not fitted on column "${column}" (fitted: ${this.columns.join(', ')})`, { where: column });
    }
    return j;
  }

  /** Scale one column's values. Writes into `out` when given (it may be a Float32Array). */
  transform<T extends Float32Array | Float64Array = Float64Array>(column: string, values: ArrayLike<number>, out?: T): T {
    const j = this.slot(column);
    const o = this.offset[j]!;
    const s = this.scale[j]!;
    const lo = this.lo;
    const res = (out ?? new Float64Array(values.length)) as T;
    for (let i = 0; i < values.length; i++) res[i] = (values[i]! - o) / s + lo;
    return res;
  }

  /** Undo {@link transform} for one column (e.g. model outputs back to prices). */
  inverseTransform(column: string, values: ArrayLike<number>): Float64Array {
    const j = this.slot(column);
    const o = this.offset[j]!;
    const s = this.scale[j]!;
    const lo = this.lo;
    const res = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) res[i] = (values[i]! - lo) * s + o;
    return res;
  }

  /** Scale a single value of `column`. */
  transformValue(column: string, v: number): number {
    const j = this.slot(column);
    return (v - this.offset[j]!) / this.scale[j]! + this.lo;
  }

  /** Unscale a single value of `column`. */
  inverseValue(column: string, v: number): number {
    const j = this.slot(column);
    return (v - this.lo) * this.scale[j]! + this.offset[j]!;
  }

  abstract toJSON(): ScalerJSON;
}

/**
 * Min-max scaling to `[lo, hi]` (default `[0, 1]`), fitted on the training rows only.
 *
 * @example
 * const sc = new MinMaxScaler().fit(series, { columns: ['Close'], range: { start: 0, end: split.trainEnd } });
 * const scaled = sc.transform('Close', series.values.Close);
 * const back = sc.inverseTransform('Close', scaled);
 * const copy = scalerFromJSON(JSON.parse(JSON.stringify(sc)));
 */
export class MinMaxScaler extends AffineScaler {
  private hi: number;
  constructor(range: [number, number] = [0, 1]) {
    super();
    if (!(range[1] > range[0])) throw new SeqcastError('BAD_ARGUMENT', `min-max range must have hi > lo (received [${range.join(', ')}])`, { where: 'range' });
    this.lo = range[0];
    this.hi = range[1];
  }

  protected computeStats(col: ArrayLike<number>, r: RowRange): [number, number, number] {
    let mn = Infinity;
    let mx = -Infinity;
    for (let i = r.start; i < r.end; i++) {
      const v = col[i]!;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    return [mn, (mx - mn) / (this.hi - this.lo), mx];
  }

  /** Per-column training minimum. */
  get min(): number[] {
    return Array.from(this.offset);
  }
  /** Per-column training maximum. */
  get max(): number[] {
    return Array.from(this.aux);
  }

  toJSON(): ScalerJSON {
    return { kind: 'minmax', columns: [...this.columns], min: this.min, max: this.max, range: [this.lo, this.hi] };
  }

  static fromJSON(json: Extract<ScalerJSON, { kind: 'minmax' }>): MinMaxScaler {
    const s = new MinMaxScaler(json.range);
    const n = json.columns.length;
    if (json.min.length !== n || json.max.length !== n)
      throw new SeqcastError('BAD_MODEL', 'min-max scaler JSON: min/max lengths differ from columns', { where: 'scaler' });
    s.columns = [...json.columns];
    s.offset = Float64Array.from(json.min);
    s.aux = Float64Array.from(json.max);
    s.scale = Float64Array.from(json.min, (mn, j) => {
      const sc = (json.max[j]! - mn) / (json.range[1] - json.range[0]);
      return sc > 0 ? sc : 1;
    });
    return s;
  }
}

/**
 * Standardisation `(x - mean) / std` (population std), fitted on the training rows only.
 *
 * @example
 * const sc = new StandardScaler().fit(series, { range: { start: 0, end: 500 } });
 * sc.transformValue('Close', 800);
 */
export class StandardScaler extends AffineScaler {
  protected computeStats(col: ArrayLike<number>, r: RowRange): [number, number, number] {
    let n = 0;
    let mean = 0;
    let m2 = 0;
    // Welford: one pass, stable for large offsets such as share volumes.
    for (let i = r.start; i < r.end; i++) {
      const v = col[i]!;
      if (v !== v) continue;
      n++;
      const d = v - mean;
      mean += d / n;
      m2 += d * (v - mean);
    }
    if (n === 0) return [NaN, 1, NaN];
    const std = Math.sqrt(m2 / n);
    return [mean, std, std];
  }

  get mean(): number[] {
    return Array.from(this.offset);
  }
  /** Training std as measured (0 for a constant column, which is scaled by 1). */
  get std(): number[] {
    return Array.from(this.aux);
  }

  toJSON(): ScalerJSON {
    return { kind: 'standard', columns: [...this.columns], mean: this.mean, std: this.std };
  }

  static fromJSON(json: Extract<ScalerJSON, { kind: 'standard' }>): StandardScaler {
    const s = new StandardScaler();
    const n = json.columns.length;
    if (json.mean.length !== n || json.std.length !== n)
      throw new SeqcastError('BAD_MODEL', 'standard scaler JSON: mean/std lengths differ from columns', { where: 'scaler' });
    s.columns = [...json.columns];
    s.offset = Float64Array.from(json.mean);
    s.aux = Float64Array.from(json.std);
    s.scale = Float64Array.from(json.std, (v) => (v > 0 ? v : 1));
    return s;
  }
}

/** Either scaler. */
export type Scaler = MinMaxScaler | StandardScaler;

/**
 * Restore a scaler saved with `toJSON()` (e.g. from a model's metadata).
 *
 * @example
 * const sc = scalerFromJSON(meta.scaler);
 */
export function scalerFromJSON(json: ScalerJSON): Scaler {
  if (json && json.kind === 'minmax') return MinMaxScaler.fromJSON(json);
  if (json && json.kind === 'standard') return StandardScaler.fromJSON(json);
  throw new SeqcastError('BAD_MODEL', `unknown scaler kind ${JSON.stringify((json as { kind?: unknown } | null)?.kind)}`, { where: 'scaler.kind' });
}
