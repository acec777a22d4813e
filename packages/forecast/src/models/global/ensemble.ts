/**
 * An ensemble of global forecasters that differ in their input window and seed (the M4 winners'
 * use of the time budget: diverse members, combined by the median). Each member is a complete
 * {@link GlobalForecaster} with its own share of the budget, its own validation and fallback;
 * the ensemble forecasts the element-wise median of the members' forecasts and interval bounds,
 * and checks that median against Naive2 on the members' held-out stretch (shipping Naive2's
 * forecasts where the median loses to it there by more than noise).
 */
import type { Panel } from '@seqcast/data';
import { parseOptions, SeqcastError } from '@seqcast/core';
import type { ForecastSpec, PanelModel, SeriesForecast } from '../../panel/model.js';
import { MetricTotals, seasonalScale } from '../../protocol/panel-metrics.js';
import { naive2Verdict, type Naive2Verdict } from '../../protocol/verdict.js';
import { defaultWindow, GlobalForecaster, type GlobalInfo, type GlobalProgress } from './forecaster.js';
import { globalForecasterOptionsSchema, type GlobalForecasterOptions } from './options.js';
import { partnerForecast } from './validation.js';

/** Member k's window is the default window times WINDOW_FACTORS[k mod length], in whole seasons. */
export const WINDOW_FACTORS = [1, 1.5, 0.75, 2, 1.25] as const;

/** What the ensemble measured and shipped. */
export interface EnsembleInfo {
  members: GlobalInfo[];
  /** The median of the members' forecasts on the held-out stretch against Naive2 (null: no stretch). */
  verdict: Naive2Verdict | null;
  /** 'median': the members' median; 'naive2': the median lost to Naive2 there, Naive2 is shipped. */
  shipped: 'median' | 'naive2';
}

/** Element-wise median of equal-length rows. */
export function medianOf(rows: readonly (readonly number[])[]): number[] {
  const n = rows[0]!.length;
  const out = new Array<number>(n);
  const v = new Float64Array(rows.length);
  const mid = Math.floor(rows.length / 2);
  for (let i = 0; i < n; i++) {
    rows.forEach((r, k) => (v[k] = r[i]!));
    v.sort();
    out[i] = rows.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  }
  return out;
}

/** Each member's options: window and seed vary, the budget is shared, one network each. */
export function memberOptions(options: GlobalForecasterOptions, spec: ForecastSpec, lengths: number[]): GlobalForecasterOptions[] {
  const o = parseOptions(globalForecasterOptionsSchema, { ...options, ...spec });
  const patch = spec.season > 1 ? spec.season : 1;
  const base = o.window ?? defaultWindow(spec.horizon, spec.season, lengths);
  const longest = Math.max(...lengths) - spec.horizon;
  return Array.from({ length: o.members }, (_, k) => {
    const f = WINDOW_FACTORS[k % WINDOW_FACTORS.length]!;
    // Longer windows than any series holds add only padding: cap at the longest history.
    const window = Math.max(patch, Math.min(Math.round((base * f) / patch), Math.max(1, Math.floor(longest / patch))) * patch);
    return { ...options, ...spec, window, seed: o.seed + 1009 * k, members: 1, minutes: o.minutes / o.members };
  });
}

/** A median ensemble of {@link GlobalForecaster} members (see the file comment). */
export class GlobalEnsemble implements PanelModel {
  readonly name = 'model';
  private members: GlobalForecaster[] = [];
  private trained: EnsembleInfo | null = null;
  private season = 1;

  constructor(private readonly options: GlobalForecasterOptions) {
    parseOptions(globalForecasterOptionsSchema, options);
  }

  async fit(train: Panel, spec: ForecastSpec, callbacks: { onProgress?(p: GlobalProgress): void } = {}): Promise<void> {
    this.dispose();
    this.season = spec.season;
    const variants = memberOptions(
      this.options,
      spec,
      train.series.map((s) => s.values.length),
    );
    const start = Date.now();
    const planned = variants.map((o) => new GlobalForecaster(o).plannedSteps(train, spec));
    const steps = planned.reduce((a, b) => a + b, 0);
    let before = 0;
    for (const [k, o] of variants.entries()) {
      const member = new GlobalForecaster(o);
      this.members.push(member);
      await member.fit(train, spec, {
        onProgress: (p) => {
          const step = before + p.step;
          const elapsedMs = Date.now() - start;
          callbacks.onProgress?.({ step, steps, loss: p.loss, elapsedMs, etaMs: Math.max(0, ((steps - step) * elapsedMs) / Math.max(1, step)) });
        },
      });
      before += planned[k]!;
    }
    const verdict = this.validate(train, spec);
    this.trained = {
      members: this.members.map((m) => m.info()),
      verdict,
      shipped: verdict?.verdict === 'worse' ? 'naive2' : 'median',
    };
  }

  /** The members' median on their common held-out stretch against Naive2. */
  private validate(train: Panel, spec: ForecastSpec): Naive2Verdict | null {
    const stretches = this.members.map((m) => m.validationStretch());
    if (stretches.some((s) => s === null)) return null;
    const byId = stretches.map((s) => new Map(s!.ids.map((id, i) => [id, s!.forecasts[i]!])));
    const model = new MetricTotals();
    const naive2 = new MetricTotals();
    for (const s of train.series) {
      const rows = byId.map((m) => m.get(s.id));
      if (rows.some((r) => r === undefined)) continue;
      const cut = s.values.subarray(0, s.values.length - spec.horizon);
      const actual = s.values.subarray(s.values.length - spec.horizon);
      const scale = seasonalScale(cut, spec.season);
      model.add(actual, { id: s.id, values: medianOf(rows as number[][]) }, scale);
      naive2.add(actual, { id: s.id, values: partnerForecast(cut, spec.horizon, spec.season, 'naive2') }, scale);
    }
    return model.units.length > 0 ? naive2Verdict(model.units, naive2.units) : null;
  }

  async forecast(history: Panel, horizon: number): Promise<SeriesForecast[]> {
    const info = this.info();
    const each = await Promise.all(this.members.map((m) => m.forecast(history, horizon)));
    return history.series.map((s, i) => {
      const mid = medianOf(each.map((f) => f[i]!.values));
      const bound = (level: '80' | '95', side: 'lower' | 'upper') => medianOf(each.map((f) => f[i]!.intervals![level][side]));
      // Naive2 shipped: the members' median widths around Naive2's forecast.
      const values = info.shipped === 'naive2' ? partnerForecast(s.values, horizon, this.season, 'naive2') : mid;
      const at = (b: number[]) => b.map((v, h) => values[h]! + v - mid[h]!);
      const lower80 = at(bound('80', 'lower')).map((v, h) => Math.min(v, values[h]!));
      const upper80 = at(bound('80', 'upper')).map((v, h) => Math.max(v, values[h]!));
      // Each level's width factor is calibrated on its own; the 95% band still holds the 80% one.
      const lower95 = at(bound('95', 'lower')).map((v, h) => Math.min(v, lower80[h]!));
      const upper95 = at(bound('95', 'upper')).map((v, h) => Math.max(v, upper80[h]!));
      return { id: s.id, values, intervals: { '80': { lower: lower80, upper: upper80 }, '95': { lower: lower95, upper: upper95 } } };
    });
  }

  info(): EnsembleInfo {
    if (!this.trained) throw new SeqcastError('NOT_TRAINED', 'the global ensemble has not been trained yet');
    return this.trained;
  }

  dispose(): void {
    for (const m of this.members) m.dispose();
    this.members = [];
    this.trained = null;
  }
}
