/**
 * An ensemble of global forecasters that differ in their input window and seed: the M4 winners'
 * use of the time budget (diverse members, combined by the median). Each member is a complete
 * {@link GlobalForecaster} with its share of the budget, its own validation and combination; the
 * ensemble forecasts the element-wise median of the members' forecasts, widens the median of
 * their interval bounds by factors calibrated on the held-out stretch, and checks that median
 * against Naive2 there (shipping Naive2's forecasts where it loses by more than noise).
 *
 * This is what `forecast train` trains by default (the registry's 'global' kind, `members` 3);
 * `members: 1` is one network with the whole budget, saved as before. An ensemble saves into one
 * model directory: member 0's network is its main one, member k's is `member-<k>` (core's
 * saveModelDir `networks`), all replaced in one atomic save.
 */
import { intField, parseOptions, readModelMetadata, saveModelDir, SeqcastError } from '@seqcast/core';
import type { Panel } from '@seqcast/data';
import { z } from 'zod';
import type { FutureCovariates, CovariateContract } from '../../inputs/covariates.js';
import type { ForecastSpec, SeriesForecast } from '../../panel/model.js';
import { MetricTotals, seasonalScale } from '../../protocol/panel-metrics.js';
import { naive2Verdict } from '../../protocol/verdict.js';
import type { FitContext, ForecastModel, ModelSaveOptions } from '../../registry/contract.js';
import { defaultWindow, GlobalForecaster } from './forecaster.js';
import { combinationLabel, GLOBAL_KIND, groupsShipped, type Combination, type GlobalInfo, type GlobalValidation, type ValidationStretch } from './info.js';
import { VERDICT_LEVEL } from '../../protocol/verdict.js';
import { globalForecasterOptionsSchema, type GlobalForecasterOptions } from './options.js';
import type { SavedConfig, SavedExtra, SavedMember } from './resolve.js';
import { calibrateWidth, coverageAt, partnerForecast, type IntervalCase } from './validation.js';
import { windowUnit } from './window-unit.js';

/** Member k's window is the default window times WINDOW_FACTORS[k mod length], in whole seasons (or weeks: window-unit.ts). */
export const WINDOW_FACTORS = [1, 1.5, 0.75, 2, 1.25] as const;

/** The share of its steps a later member must have time for, at the first member's pace, to start. */
const MIN_STEP_SHARE = 0.5;

/** A member whose validation OWA is this share above the best member's is left out of the median (a single held-out stretch moves OWA by a few percent between windows of equal skill). */
export const PRUNE_MARGIN = 0.05;

/** Members `forecast train` fits by default: measured to beat one network of the same steps (docs/global-model.md). */
export const DEFAULT_MEMBERS = 3;

/**
 * The ensemble's options: the global model's, with `members` counting networks of different
 * windows (each a whole GlobalForecaster) instead of heads inside one network.
 */
export const globalEnsembleOptionsSchema = globalForecasterOptionsSchema.extend({
  members: intField(1, 9).default(DEFAULT_MEMBERS).meta({
    description:
      'Networks of different input windows (×1, 1.5, 0.75, 2, 1.25 of the default; whole weeks for hourly data) sharing the budget; their median is forecast',
  }),
  prune: z
    .boolean()
    .default(true)
    .meta({ description: 'Leave out of the median the networks more than 5% worse (OWA) than the best one on the validation stretch' }),
});
export type GlobalEnsembleOptions = z.input<typeof globalEnsembleOptionsSchema>;

/** What the ensemble is and measured: GlobalInfo-shaped (the CLI and the server read it alike), plus its members. */
export interface EnsembleInfo extends GlobalInfo {
  ensemble: {
    /** Each member's window, in order. */
    windows: number[];
    /** 'median': the members' median is shipped; 'naive2': it lost to Naive2 on the held-out stretch. */
    shipped: 'median' | 'naive2';
    members: GlobalInfo[];
    /** Members asked for (`members`); fewer were fitted when the budget left no time for the others. */
    planned: number;
    /** Members fitted but left out of the median: clearly worse than the best on the validation stretch. Absent: none. */
    pruned?: { window: number; owa: number; best: number }[];
  };
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
export function memberOptions(options: GlobalEnsembleOptions, spec: ForecastSpec, history: readonly ArrayLike<number>[]): GlobalForecasterOptions[] {
  const o = parseOptions(globalEnsembleOptionsSchema, { ...options, ...spec });
  if (o.members === 1) return [{ ...options, ...spec, members: 1 }];
  const lengths = history.map((v) => v.length);
  const patch = spec.season > 1 ? spec.season : 1;
  const base = o.window ?? defaultWindow(spec.horizon, spec.season, lengths);
  const longest = Math.max(...lengths) - spec.horizon;
  // A window the user chose is kept as member 0's and scaled in whole seasons.
  const unit = o.window === undefined ? windowUnit(spec.season, base, history) : patch;
  return Array.from({ length: o.members }, (_, k) => {
    const f = WINDOW_FACTORS[k % WINDOW_FACTORS.length]!;
    // Longer windows than any series holds add only padding: cap at the longest history.
    const whole = Math.max(1, Math.round((base * f) / unit)) * unit;
    const window = Math.max(patch, Math.min(whole, Math.floor(longest / patch) * patch));
    return { ...options, ...spec, window, seed: o.seed + 1009 * k, members: 1, minutes: o.minutes / o.members };
  });
}

/** The ensemble's check on the held-out stretch (see the file comment). */
interface EnsembleCheck {
  validation: GlobalValidation | null;
  /** The median lost to Naive2 there by more than noise: Naive2 is shipped. */
  naive2: boolean;
  widths: { '80': number; '95': number };
}

/** What an ensemble's forecasts are, in words: Naive2's, or the median of its members' (each as it combined itself). */
export function ensembleShipped(shipped: 'median' | 'naive2', members: readonly GlobalInfo[]): string {
  if (shipped === 'naive2') return "Naive2's (the median of the networks did not beat it on the validation stretch)";
  // A member whose length groups chose their own combinations: each group's, in brackets.
  const label = (c: Combination) => (groupsShipped(c, false) ? `[${groupsShipped(c, false)}]` : combinationLabel(c));
  return `the median of the forecasts of ${members.length} networks (windows ${members.map((m) => m.window).join(', ')}; as each chose on the stretch: ${members.map((m) => label(m.combination)).join(', ')})`;
}

/** The loud warning when the networks alone lose to Naive2 on the stretch (hidden behind a fallback otherwise). */
function ensembleWarnings(v: GlobalValidation, shipped: 'median' | 'naive2', members: readonly GlobalInfo[]): string[] {
  const n = v.networkVerdict;
  if (n.verdict !== 'worse') return [];
  const band = `${Math.round(VERDICT_LEVEL * 100)}% band ${n.low.toFixed(3)}–${n.high.toFixed(3)} over series`;
  return [
    `the networks alone (their median) are WORSE than Naive2 on the validation stretch (OWA ${n.owa.toFixed(3)}, ${band}); the forecasts shipped are ${ensembleShipped(shipped, members)} (OWA ${v.owa.toFixed(3)})`,
  ];
}

/** A median ensemble of {@link GlobalForecaster} members (see the file comment). */
export class GlobalEnsemble implements ForecastModel {
  readonly name = 'model';
  readonly kind = 'global';
  readonly takesCovariates = true;
  private members: GlobalForecaster[] = [];
  private trained: EnsembleInfo | null = null;
  private pruned: { window: number; owa: number; best: number }[] = [];

  constructor(private readonly options: GlobalEnsembleOptions) {
    parseOptions(globalEnsembleOptionsSchema, options);
  }

  async fit(train: Panel, spec: ForecastSpec, context: FitContext = {}): Promise<void> {
    this.dispose();
    this.pruned = [];
    const variants = memberOptions(
      this.options,
      spec,
      train.series.map((s) => s.values),
    );
    const start = Date.now();
    const planned = variants.map((o) => new GlobalForecaster(o).plannedSteps(train, spec));
    const steps = planned.reduce((a, b) => a + b, 0);
    const resolved = parseOptions(globalEnsembleOptionsSchema, { ...this.options, ...spec });
    const budgetMs = resolved.minutes * 60_000;
    let before = 0;
    let msPerStepAndValue = 0;
    for (const [k, o] of variants.entries()) {
      const leftMs = budgetMs - (Date.now() - start);
      // A member starts only when the time left holds at least half its steps at the pace the
      // first one ran (a step costs about in proportion to the window; its learning-rate
      // schedule then runs over the time it has): on a slow or busy machine the ensemble has
      // fewer members, each well trained, rather than several starved ones.
      if (k > 0 && MIN_STEP_SHARE * msPerStepAndValue * o.window! * planned[k]! > leftMs) break;
      const member = new GlobalForecaster({ ...o, minutes: Math.max(leftMs, 1000) / 60_000 });
      this.members.push(member);
      const memberStart = Date.now();
      await member.fit(train, spec, {
        ...(context.signal ? { signal: context.signal } : {}),
        onProgress: (p) => {
          const step = before + p.step;
          const elapsedMs = Date.now() - start;
          // The budget ends the fit first when the steps would take longer (later members do not start).
          const etaMs = Math.max(0, Math.min(((steps - step) * elapsedMs) / Math.max(1, step), budgetMs - elapsedMs));
          context.onProgress?.({ step, steps, loss: p.loss, elapsedMs, etaMs, unit: 'step' });
        },
      });
      const info = member.info();
      if (k === 0) msPerStepAndValue = (Date.now() - memberStart) / Math.max(1, info.steps) / info.window;
      before += planned[k]!;
    }
    if (resolved.prune) this.pruneMembers(train, spec);
    const infos = this.members.map((m) => m.info());
    if (infos.length === 1) {
      this.trained = {
        ...infos[0]!,
        ensemble: { windows: [infos[0]!.window], shipped: 'median', members: infos, planned: variants.length, ...this.prunedInfo() },
      };
      return;
    }
    const check = this.check(train, spec);
    const shipped = check.naive2 ? 'naive2' : 'median';
    const first = infos[0]!;
    // Groups that all kept the panel-wide choice ship what it does, wherever their bounds fell.
    const shape = (c: Combination) =>
      JSON.stringify([c.partner, c.weight, groupsShipped(c, false) ? (c.groups ?? []).map((g) => [g.maxLength, g.partner, g.weight]) : []]);
    const same = infos.every((i) => shape(i.combination) === shape(first.combination));
    // What is shipped, as one combination where the members agree (each applies its own).
    const combination: Combination = shipped === 'naive2' ? { partner: 'naive2', weight: 0 } : same ? first.combination : { partner: 'naive2', weight: 1 };
    this.trained = {
      ...first,
      members: infos.length,
      steps: infos.reduce((n, i) => n + i.steps, 0),
      trainMs: Date.now() - start,
      stopped: infos.some((i) => i.stopped === 'budget') ? 'budget' : 'steps',
      widths: check.widths,
      combination,
      validation: check.validation,
      warnings: check.validation ? ensembleWarnings(check.validation, shipped, infos) : [],
      ensemble: { windows: infos.map((i) => i.window), shipped, members: infos, planned: variants.length, ...this.prunedInfo() },
    };
  }

  private prunedInfo(): { pruned?: { window: number; owa: number; best: number }[] } {
    return this.pruned.length > 0 ? { pruned: this.pruned } : {};
  }

  /**
   * Drop the members clearly worse than the best one on the series every member held out (OWA
   * against Naive2 more than {@link PRUNE_MARGIN} above the best's): a window that misses the
   * data's cycle would otherwise pull the median toward its errors.
   */
  private pruneMembers(train: Panel, spec: ForecastSpec): void {
    const stretches = this.members.map((m) => m.validationStretch());
    if (this.members.length < 2 || stretches.some((s) => s === null)) return;
    const index = stretches.map((s) => new Map(s!.ids.map((id, i) => [id, i])));
    const totals = stretches.map(() => new MetricTotals());
    const naive2 = new MetricTotals();
    for (const s of train.series) {
      const at = index.map((m) => m.get(s.id));
      if (at.some((i) => i === undefined)) continue;
      const cut = s.values.subarray(0, s.values.length - spec.horizon);
      const scale = seasonalScale(cut, spec.season);
      const actual = stretches[0]!.actual[at[0]!]!;
      stretches.forEach((st, k) => totals[k]!.add(actual, { id: s.id, values: st!.forecasts[at[k]!]! }, scale));
      naive2.add(actual, { id: s.id, values: partnerForecast(cut, spec.horizon, spec.season, 'naive2') }, scale);
    }
    if (naive2.units.length === 0) return;
    const owa = totals.map((t) => t.result(naive2).owa);
    const best = Math.min(...owa);
    const keep = owa.map((o) => o <= best * (1 + PRUNE_MARGIN));
    this.pruned = this.members.flatMap((m, k) => (keep[k] ? [] : [{ window: m.info().window, owa: owa[k]!, best }]));
    this.members.forEach((m, k) => {
      if (!keep[k]) m.dispose();
    });
    this.members = this.members.filter((_, k) => keep[k]);
  }

  /**
   * The members' median on their held-out stretch: scored against Naive2 (the combined
   * median and the networks' median alone), and the width factors that make the median of the
   * members' bounds cover 80% / 95% there.
   */
  private check(train: Panel, spec: ForecastSpec): EnsembleCheck {
    const stretches = this.members.map((m) => m.validationStretch());
    if (stretches.some((s) => s === null)) return { validation: null, naive2: false, widths: { '80': 1, '95': 1 } };
    const rowsOf = (s: ValidationStretch) => new Map(s.ids.map((id, i) => [id, i]));
    const index = stretches.map((s) => rowsOf(s!));
    const model = new MetricTotals();
    const network = new MetricTotals();
    const naive2 = new MetricTotals();
    const cases: Record<'80' | '95', IntervalCase[]> = { '80': [], '95': [] };
    for (const s of train.series) {
      // A member with a long window holds out no stretch of the shortest series: those are
      // scored on the members that do, so the check covers every series a single network's does.
      const at = index.map((m) => m.get(s.id));
      const have = at.flatMap((i, k) => (i === undefined ? [] : [k]));
      if (have.length === 0) continue;
      const pick = <T>(f: (st: ValidationStretch, i: number) => T) => have.map((k) => f(stretches[k]!, at[k]!));
      const actual = pick((st, i) => st.actual[i]!)[0]!;
      const cut = s.values.subarray(0, s.values.length - spec.horizon);
      const scale = seasonalScale(cut, spec.season);
      const center = medianOf(pick((st, i) => st.forecasts[i]!));
      model.add(actual, { id: s.id, values: center }, scale);
      network.add(actual, { id: s.id, values: medianOf(pick((st, i) => st.network[i]!)) }, scale);
      naive2.add(actual, { id: s.id, values: partnerForecast(cut, spec.horizon, spec.season, 'naive2') }, scale);
      for (const level of ['80', '95'] as const) {
        const lower = medianOf(pick((st, i) => st.bounds[level].lower[i]!));
        const upper = medianOf(pick((st, i) => st.bounds[level].upper[i]!));
        center.forEach((c, h) => cases[level].push({ actual: actual[h]!, median: c, lower: Math.min(lower[h]!, c), upper: Math.max(upper[h]!, c) }));
      }
    }
    if (model.units.length === 0) return { validation: null, naive2: false, widths: { '80': 1, '95': 1 } };
    const widths = { '80': calibrateWidth(cases['80'], 0.8), '95': calibrateWidth(cases['95'], 0.95) };
    const n2 = naive2.result(naive2);
    let final = model.result(naive2);
    let verdict = naive2Verdict(model.units, naive2.units);
    const worseThanNaive2 = verdict.verdict === 'worse';
    // Naive2 shipped (see fit): the stretch scores what is shipped, as a single network's does.
    if (worseThanNaive2) {
      final = n2;
      verdict = naive2Verdict(naive2.units, naive2.units);
    }
    return {
      widths,
      naive2: worseThanNaive2,
      validation: {
        series: model.units.length,
        smape: final.smape,
        mase: final.mase,
        naive2Smape: n2.smape,
        naive2Mase: n2.mase,
        owa: final.owa,
        modelOwa: network.result(naive2).owa,
        worseThanNaive2: false,
        verdict,
        networkVerdict: naive2Verdict(network.units, naive2.units),
        coverage80: coverageAt(cases['80'], widths['80']),
        coverage95: coverageAt(cases['95'], widths['95']),
      },
    };
  }

  async forecast(history: Panel, horizon: number, future?: FutureCovariates): Promise<SeriesForecast[]> {
    const info = this.info();
    const each: SeriesForecast[][] = [];
    for (const m of this.members) each.push(await m.forecast(history, horizon, future));
    if (each.length === 1) return each[0]!;
    const season = info.season;
    return history.series.map((s, i) => {
      const mid = medianOf(each.map((f) => f[i]!.values));
      // Naive2 shipped: the members' median widths around Naive2's forecast.
      const values = info.ensemble.shipped === 'naive2' ? partnerForecast(s.values, horizon, season, 'naive2') : mid;
      const band = (level: '80' | '95') => {
        const k = info.widths[level];
        const lower = medianOf(each.map((f) => f[i]!.intervals![level].lower));
        const upper = medianOf(each.map((f) => f[i]!.intervals![level].upper));
        return {
          lower: values.map((v, h) => v - k * Math.max(0, mid[h]! - lower[h]!)),
          upper: values.map((v, h) => v + k * Math.max(0, upper[h]! - mid[h]!)),
        };
      };
      const b80 = band('80');
      const b95 = band('95');
      // Each level is calibrated on its own; the 95% band still holds the 80% one.
      const lower95 = b95.lower.map((v, h) => Math.min(v, b80.lower[h]!));
      const upper95 = b95.upper.map((v, h) => Math.max(v, b80.upper[h]!));
      return { id: s.id, values, intervals: { '80': b80, '95': { lower: lower95, upper: upper95 } } };
    });
  }

  /** The covariates the members were fitted with (all alike). */
  covariateContract(): CovariateContract {
    this.info();
    return this.members[0]!.covariateContract();
  }

  info(): EnsembleInfo {
    if (!this.trained) throw new SeqcastError('NOT_TRAINED', 'the global model has not been trained or loaded yet');
    return this.trained;
  }

  /** Save into one model directory, atomically (one network: the single-model format, as before). */
  async save(dir: string, options: ModelSaveOptions = {}): Promise<void> {
    const info = this.info();
    if (this.members.length === 1) return this.members[0]!.save(dir, options);
    const { layout, ...save } = options;
    const parts = this.members.map((m) => m.savedParts());
    const networks = Object.fromEntries(parts.slice(1).map((p, k) => [`member-${k + 1}`, p.net]));
    await saveModelDir<SavedConfig, SavedExtra>(
      dir,
      parts[0]!.net,
      {
        kind: GLOBAL_KIND,
        config: parts[0]!.config,
        extra: {
          info,
          options: this.options as GlobalForecasterOptions,
          ...(layout ? { layout } : {}),
          ensemble: { members: parts.map((p) => ({ config: p.config, extra: p.extra })) },
        },
      },
      { ...save, networks },
    );
  }

  /** Load a global model directory: an ensemble, or a single network (older directories, `members: 1`). */
  static async load(dir: string): Promise<GlobalEnsemble> {
    const meta = await readModelMetadata<SavedConfig, SavedExtra>(dir, GLOBAL_KIND);
    const saved: SavedMember[] | undefined = meta.extra?.ensemble?.members;
    const where = `${dir}/seqcast.json`;
    const horizon = meta.config?.network?.horizon;
    const out = new GlobalEnsemble(
      saved === undefined || !Number.isInteger(horizon) ? { horizon: 1, members: 1 } : ({ ...meta.extra.options, horizon } as GlobalEnsembleOptions),
    );
    if (saved === undefined) {
      const single = await GlobalForecaster.load(dir);
      out.members = [single];
      out.trained = { ...single.info(), ensemble: { windows: [single.info().window], shipped: 'median', members: [single.info()], planned: 1 } };
      return out;
    }
    if (!Array.isArray(saved) || saved.length < 2 || saved.length > 9) {
      throw new SeqcastError('BAD_MODEL', `${where}: field "extra.ensemble.members" is missing or invalid`, { where: `${where}#extra.ensemble.members` });
    }
    const info = meta.extra.info as EnsembleInfo;
    if (typeof info?.ensemble !== 'object' || !['median', 'naive2'].includes(info.ensemble.shipped) || typeof info.widths !== 'object') {
      throw new SeqcastError('BAD_MODEL', `${where}: field "extra.info.ensemble" is missing or invalid`, { where: `${where}#extra.info.ensemble` });
    }
    try {
      for (const [k, m] of saved.entries()) {
        out.members.push(await GlobalForecaster.restore(dir, m, k === 0 ? undefined : `member-${k}`, `extra.ensemble.members[${k}].`));
      }
    } catch (e) {
      out.dispose();
      throw e;
    }
    out.trained = info;
    return out;
  }

  /** Free every member's weights; safe to call twice. */
  dispose(): void {
    for (const m of this.members) m.dispose();
    this.members = [];
    this.trained = null;
  }
}

/** Load a global model directory as saved by {@link GlobalEnsemble} or {@link GlobalForecaster}. */
export function loadGlobalModel(dir: string): Promise<GlobalEnsemble> {
  return GlobalEnsemble.load(dir);
}
