/**
 * The recurrent SeriesForecaster under the model contract: one SeriesForecaster fitted per series
 * of the panel (target only), so it is backtested beside Naive2, Theta and the global model.
 * A fit of one series saves as the per-series directory `forecast train` writes (kind
 * "forecast"); a fit of many has no one-directory format and is refused when saved.
 */
import { parseOptions, SeqcastError, type SaveOptions } from '@seqcast/core';
import type { Panel } from '@seqcast/data';
import type { ForecastSpec, SeriesForecast } from '../panel/model.js';
import { defineModelKind, type FitContext, type ForecastModel, type ModelInfo } from '../registry/contract.js';
import { makeSeries } from '../series.js';
import { SeriesForecaster } from './series-forecaster.js';
import { forecastOptionsSchema } from './series-forecaster-options.js';

/** The per-series options a panel fit takes (the spec gives horizon and season; the panel the target). */
export const perSeriesOptionsSchema = forecastOptionsSchema.pick({
  window: true,
  epochs: true,
  seed: true,
  units: true,
  cell: true,
  learningRate: true,
  batchSize: true,
  patience: true,
  split: true,
  validation: true,
  minGain: true,
});
type PerSeriesOptions = ReturnType<typeof perSeriesOptionsSchema.parse>;

export class PerSeriesModel implements ForecastModel {
  readonly name = 'perSeries';
  readonly kind = 'perSeries';
  private models = new Map<string, SeriesForecaster>();
  private fitted: (ModelInfo & { series: number }) | null = null;
  constructor(private readonly options: PerSeriesOptions) {}

  /** Progress counts series: one step per SeriesForecaster fitted. */
  async fit(train: Panel, spec: ForecastSpec, context: FitContext = {}): Promise<void> {
    this.dispose();
    const start = Date.now();
    const target = train.target;
    let step = 0;
    for (const s of train.series) {
      context.signal?.throwIfAborted();
      const series = makeSeries({ [target]: s.values }, null, `${train.source} series ${s.id}`);
      const model = await SeriesForecaster.fit(
        series,
        { ...this.options, target, horizon: spec.horizon, season: spec.season },
        context.signal ? { signal: context.signal } : {},
      );
      this.models.set(s.id, model);
      step++;
      context.onProgress?.({ step, steps: train.series.length, elapsedMs: Date.now() - start, unit: 'series' });
    }
    this.fitted = { target, horizon: spec.horizon, season: spec.season, series: train.series.length };
  }

  forecast(history: Panel, horizon: number): Promise<SeriesForecast[]> {
    const info = this.info();
    const only = this.models.size === 1 ? [...this.models.values()][0]! : null;
    return Promise.resolve(
      history.series.map((s) => {
        const model = this.models.get(s.id) ?? only;
        if (!model) throw new SeqcastError('BAD_INPUT', `perSeries: series "${s.id}" was not in the training panel`, { where: s.id });
        const rows = Array.from(s.values, (v) => ({ [info.target]: v }));
        return { id: s.id, values: model.forecast(rows, horizon) };
      }),
    );
  }

  info(): ModelInfo & { series: number } {
    if (!this.fitted) throw new SeqcastError('NOT_TRAINED', 'perSeries: not fitted or loaded yet');
    return this.fitted;
  }

  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    this.info();
    if (this.models.size !== 1) {
      throw new SeqcastError(
        'BAD_ARGUMENT',
        `perSeries: a fit of ${this.models.size} series has no one-directory format; save one series (seqcast forecast train without --id-column)`,
        { where: dir },
      );
    }
    await [...this.models.values()][0]!.save(dir, options);
  }

  /** Wrap a loaded SeriesForecaster: it forecasts any one series of its target. */
  static wrap(model: SeriesForecaster): PerSeriesModel {
    const out = new PerSeriesModel(parseOptions(perSeriesOptionsSchema, {}));
    out.models.set('', model);
    out.fitted = { target: model.info.target, horizon: model.info.horizon, season: model.info.season, series: 1 };
    return out;
  }

  dispose(): void {
    for (const m of this.models.values()) m.dispose();
    this.models.clear();
  }
}

export const perSeriesKind = defineModelKind({
  kind: 'perSeries',
  name: 'perSeries',
  summary: 'One recurrent SeriesForecaster per series (slow on many series: not in the default backtest)',
  options: perSeriesOptionsSchema,
  savedKind: 'forecast',
  inDefaultBacktest: false,
  create: (options) => new PerSeriesModel(parseOptions(perSeriesOptionsSchema, options)),
  load: async (dir) => PerSeriesModel.wrap(await SeriesForecaster.load(dir)),
});
