/**
 * The panel baselines, each a {@link PanelModel} so the holdout and the backtest treat them
 * exactly like the recurrent model: naive, seasonal naive, Naive2, SES, Theta (local, one
 * series at a time) and the pooled linear model (one ridge regression over every series).
 * Naive, seasonal naive, Naive2 and SES give normal intervals from their in-sample one-step
 * residuals (cheap); Theta and the pooled linear model give none.
 */
import type { Panel } from '@seqcast/data';
import { SeqcastError } from '@seqcast/core';
import type { ForecastSpec, Interval, IntervalLevel, PanelModelFactory, SeriesForecast } from '../panel/model.js';
import type { FitContext, ForecastModel, ModelSaveOptions } from '../registry/contract.js';
import { baseInfo, saveStateless, type StatelessInfo } from '../registry/stateless.js';
import { deseasonalise, fitSes, lagResidualSd, thetaForecast, Z80, Z95 } from './classical.js';
import { gram, ridgeSolve, type Gram } from '../linear.js';

/** Intervals value ± z·sd(h), for sd per step (NaN sd → no intervals). */
function normalIntervals(values: number[], sd: (h: number) => number): Record<IntervalLevel, Interval> | undefined {
  const sds = values.map((_, i) => sd(i + 1));
  if (sds.some((s) => !Number.isFinite(s))) return undefined;
  const at = (z: number): Interval => ({ lower: values.map((v, i) => v - z * sds[i]!), upper: values.map((v, i) => v + z * sds[i]!) });
  return { '80': at(Z80), '95': at(Z95) };
}

function requireSpec(spec: ForecastSpec | null, name: string): ForecastSpec {
  if (!spec) throw new SeqcastError('NOT_TRAINED', `${name}: forecast called before fit`);
  return spec;
}

/** A model that needs nothing from the training panel but the spec: forecasts each series alone. */
export abstract class LocalModel implements ForecastModel {
  abstract readonly name: string;
  /** The registry kind is the report name. */
  get kind(): string {
    return this.name;
  }
  protected spec: ForecastSpec | null = null;
  private fitted: StatelessInfo | null = null;
  fit(train: Panel, spec: ForecastSpec, context: FitContext = {}): Promise<void> {
    context.signal?.throwIfAborted();
    this.spec = spec;
    this.fitted = baseInfo(this.kind, train, spec);
    return Promise.resolve();
  }
  info(): StatelessInfo {
    if (!this.fitted) throw new SeqcastError('NOT_TRAINED', `${this.name}: not fitted or loaded yet`);
    return this.fitted;
  }
  /** seqcast.json alone: the spec is all a local model keeps. */
  save(dir: string, options: ModelSaveOptions = {}): Promise<void> {
    return this.saveWith(dir, {}, options);
  }
  protected saveWith(dir: string, modelOptions: Record<string, unknown>, options: ModelSaveOptions): Promise<void> {
    return saveStateless(dir, modelOptions, { info: this.info(), state: null }, options);
  }
  /** Become the model a directory saved (its info holds the spec). */
  restore(info: StatelessInfo): this {
    this.fitted = info;
    this.spec = { horizon: info.horizon, season: info.season };
    return this;
  }
  dispose(): void {}
  forecast(history: Panel, horizon: number): Promise<SeriesForecast[]> {
    const spec = requireSpec(this.spec, this.name);
    return Promise.resolve(history.series.map((s) => ({ id: s.id, ...this.one(s.values, horizon, spec.season) })));
  }
  protected abstract one(x: Float64Array, horizon: number, m: number): Omit<SeriesForecast, 'id'>;
}

/** The last value, repeated; intervals from the lag-1 residuals, widening with √h. */
export class NaiveModel extends LocalModel {
  readonly name = 'naive';
  protected one(x: Float64Array, horizon: number): Omit<SeriesForecast, 'id'> {
    const values = new Array<number>(horizon).fill(x[x.length - 1]!);
    const sd = lagResidualSd(x, 1);
    const intervals = normalIntervals(values, (h) => sd * Math.sqrt(h));
    return intervals ? { values, intervals } : { values };
  }
}

/** The value one season back; plain naive when the series is shorter than a season. */
export class SeasonalNaiveModel extends LocalModel {
  readonly name = 'snaive';
  protected one(x: Float64Array, horizon: number, m: number): Omit<SeriesForecast, 'id'> {
    const n = x.length;
    const lag = m > 1 && n >= m ? m : 1;
    const values = Array.from({ length: horizon }, (_, i) => x[n - lag + (i % lag)]!);
    const sd = lagResidualSd(x, lag);
    const intervals = normalIntervals(values, (h) => sd * Math.sqrt(Math.floor((h - 1) / lag) + 1));
    return intervals ? { values, intervals } : { values };
  }
}

/** Naive on the seasonally adjusted series (M4's Naive2), reseasonalised. */
export class Naive2Model extends LocalModel {
  readonly name = 'naive2';
  protected one(x: Float64Array, horizon: number, m: number): Omit<SeriesForecast, 'id'> {
    const d = deseasonalise(x, m);
    const last = d.adjusted[d.adjusted.length - 1]!;
    const values = Array.from({ length: horizon }, (_, i) => last * d.future(i + 1));
    const sd = lagResidualSd(d.adjusted, 1);
    const intervals = normalIntervals(values, (h) => sd * Math.sqrt(h) * d.future(h));
    return intervals ? { values, intervals } : { values };
  }
}

/** Simple exponential smoothing on the seasonally adjusted series (as M4's SES benchmark). */
export class SesModel extends LocalModel {
  readonly name = 'ses';
  protected one(x: Float64Array, horizon: number, m: number): Omit<SeriesForecast, 'id'> {
    const d = deseasonalise(x, m);
    const f = fitSes(d.adjusted);
    const values = Array.from({ length: horizon }, (_, i) => f.level * d.future(i + 1));
    const intervals = normalIntervals(values, (h) => f.sd * Math.sqrt(1 + (h - 1) * f.alpha * f.alpha) * d.future(h));
    return intervals ? { values, intervals } : { values };
  }
}

/** The standard Theta method on the seasonally adjusted series, reseasonalised. No intervals. */
export class ThetaModel extends LocalModel {
  readonly name = 'theta';
  protected one(x: Float64Array, horizon: number, m: number): Omit<SeriesForecast, 'id'> {
    const d = deseasonalise(x, m);
    const f = thetaForecast(d.adjusted, horizon);
    return { values: Array.from(f, (v, i) => v * d.future(i + 1)) };
  }
}

/** Options of {@link PooledLinearModel}. */
export interface PooledLinearOptions {
  /** Input window. Default max(2·season, horizon, 8). */
  window?: number;
  /** Ridge penalty per window. Default 1e-3. */
  lambda?: number;
  /** Most recent windows used per series (bounds time and memory). Default 300. */
  maxWindowsPerSeries?: number;
}

/** What a saved pooled linear model keeps. */
export interface PooledLinearState {
  beta: number[];
  window: number;
  horizon: number;
}

/**
 * Normalised values are clipped to ±3 spreads: a nearly flat window (e.g. a series clipped at
 * zero) divides by a tiny spread, and those few windows otherwise dominate the squares (on a
 * 60-series synthetic panel, H = 24, m = 24: OWA of the trend series 25.5 unclipped, 0.66 at
 * ±8, 0.65 at ±3; ±3 was best or tied on all six kinds of series).
 */
const CLIP = 3;
const clip = (v: number): number => (v > CLIP ? CLIP : v < -CLIP ? -CLIP : v);

/**
 * One ridge regression over every series' normalised windows, direct multi-horizon: each window
 * of the last `window` values is centred on its mean and divided by its mean absolute deviation
 * from it, and the H values after it are regressed on those window values (plus an intercept),
 * so series of any scale share one set of weights.
 */
export class PooledLinearModel implements ForecastModel {
  readonly name = 'pooledLinear';
  readonly kind = 'pooledLinear';
  private beta: Float64Array | null = null;
  private window = 0;
  private horizon = 0;
  private fitted: StatelessInfo | null = null;
  constructor(private readonly options: PooledLinearOptions = {}) {}

  info(): StatelessInfo {
    if (!this.fitted) throw new SeqcastError('NOT_TRAINED', 'pooledLinear: not fitted or loaded yet');
    return this.fitted;
  }

  /** seqcast.json alone: the ridge weights are a few hundred numbers. */
  save(dir: string, options: ModelSaveOptions = {}): Promise<void> {
    const state: PooledLinearState = { beta: Array.from(this.beta ?? []), window: this.window, horizon: this.horizon };
    return saveStateless(dir, { ...this.options }, { info: this.info(), state }, options);
  }

  /** Become the model a directory saved; a state of the wrong size is refused. */
  restore(info: StatelessInfo, state: PooledLinearState): this {
    const ok =
      state !== null &&
      typeof state === 'object' &&
      Number.isInteger(state.window) &&
      Number.isInteger(state.horizon) &&
      Array.isArray(state.beta) &&
      state.beta.length === (state.window + 1) * state.horizon &&
      state.beta.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!ok) throw new SeqcastError('BAD_MODEL', 'pooledLinear: the saved state (extra.state: beta, window, horizon) is missing or invalid');
    this.beta = Float64Array.from(state.beta);
    this.window = state.window;
    this.horizon = state.horizon;
    this.fitted = info;
    return this;
  }

  dispose(): void {}

  /** Normalised window ending at `end` (exclusive), padded with its first value when short. */
  private static normalise(x: Float64Array, end: number, L: number, out: Float64Array, off: number): { level: number; scale: number } {
    let level = 0;
    for (let j = 0; j < L; j++) level += x[Math.max(0, end - L + j)]!;
    level /= L;
    let scale = 0;
    for (let j = 0; j < L; j++) scale += Math.abs(x[Math.max(0, end - L + j)]! - level);
    scale = scale / L || Math.abs(level) || 1;
    for (let j = 0; j < L; j++) out[off + j] = clip((x[Math.max(0, end - L + j)]! - level) / scale);
    out[off + L] = 1;
    return { level, scale };
  }

  fit(train: Panel, spec: ForecastSpec, context: FitContext = {}): Promise<void> {
    context.signal?.throwIfAborted();
    const H = spec.horizon;
    const L = this.options.window ?? Math.max(2 * spec.season, H, 8);
    const cap = this.options.maxWindowsPerSeries ?? 300;
    const k = L + 1;
    let total: Gram | null = null;
    for (const s of train.series) {
      const x = s.values;
      // Windows need at least two input values and H targets.
      const ends: number[] = [];
      for (let end = x.length - H; end >= 2 && ends.length < cap; end--) ends.push(end);
      if (ends.length === 0) continue;
      const X = new Float64Array(ends.length * k);
      const Y = new Float64Array(ends.length * H);
      ends.forEach((end, r) => {
        const { level, scale } = PooledLinearModel.normalise(x, end, L, X, r * k);
        for (let h = 0; h < H; h++) Y[r * H + h] = clip((x[end + h]! - level) / scale);
      });
      const g = gram(
        X,
        Y,
        k,
        H,
        Array.from(ends, (_, r) => r),
      );
      if (!total) total = g;
      else {
        for (let i = 0; i < g.xtx.length; i++) total.xtx[i]! += g.xtx[i]!;
        for (let i = 0; i < g.xty.length; i++) total.xty[i]! += g.xty[i]!;
        total.n += g.n;
      }
    }
    if (!total) throw new SeqcastError('BAD_INPUT', `pooledLinear: no series has more than ${H + 1} values (horizon ${H})`);
    this.beta = ridgeSolve(total, this.options.lambda ?? 1e-3, [L]);
    this.window = L;
    this.horizon = H;
    this.fitted = { ...baseInfo(this.kind, train, spec), window: L };
    return Promise.resolve();
  }

  forecast(history: Panel, horizon: number): Promise<SeriesForecast[]> {
    const beta = this.beta;
    if (!beta) throw new SeqcastError('NOT_TRAINED', 'pooledLinear: forecast called before fit');
    if (horizon > this.horizon) throw new SeqcastError('BAD_ARGUMENT', `pooledLinear: fitted for horizon ${this.horizon}, asked for ${horizon}`);
    const L = this.window;
    const H = this.horizon;
    const z = new Float64Array(L + 1);
    return Promise.resolve(
      history.series.map((s) => {
        const { level, scale } = PooledLinearModel.normalise(s.values, s.values.length, L, z, 0);
        const values = Array.from({ length: horizon }, (_, h) => {
          let v = 0;
          for (let j = 0; j <= L; j++) v += z[j]! * beta[j * H + h]!;
          return level + scale * v;
        });
        return { id: s.id, values };
      }),
    );
  }
}

/** The baselines of the panel protocol, in report order, keyed by their metric names. */
export const PANEL_BASELINES: Readonly<Record<'naive2' | 'snaive' | 'naive' | 'ses' | 'theta' | 'pooledLinear', PanelModelFactory>> = {
  naive2: () => new Naive2Model(),
  snaive: () => new SeasonalNaiveModel(),
  naive: () => new NaiveModel(),
  ses: () => new SesModel(),
  theta: () => new ThetaModel(),
  pooledLinear: () => new PooledLinearModel(),
};
