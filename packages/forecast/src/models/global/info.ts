/** What a trained global model is and measured: its info, validation and combination, in words too. */
import type { Naive2Verdict } from '../../protocol/verdict.js';
import { VERDICT_LEVEL } from '../../protocol/verdict.js';
import type { CovariateInfo } from './covariate-inputs.js';
import type { Partner } from './validation.js';

/** The saved directory's kind. */
export const GLOBAL_KIND = 'panel-forecast';

/** Progress of `fit`, over all members and phases. */
export interface GlobalProgress {
  step: number;
  steps: number;
  loss: number;
  elapsedMs: number;
  etaMs: number;
}

/** One checkpoint's score: the step and the network's OWA against Naive2 on the held-out stretch. */
export interface CheckpointScore {
  step: number;
  owa: number;
}

/** What phase one kept, per member (saved in `validation.checkpoints`). */
export interface PhaseOneCheckpoint {
  /** Steps phase one ran. */
  steps: number;
  /** The step whose weights were kept (= `steps`: the final ones). */
  kept: number;
  /** OWA on the held-out stretch of the kept weights and of the final ones. */
  keptOwa: number;
  finalOwa: number;
  /** Every checkpoint's score, in order (the last is the final weights'). */
  scores: CheckpointScore[];
}

/** What the model measured on the held-out last horizon of its training series. */
export interface GlobalValidation {
  series: number;
  smape: number;
  mase: number;
  naive2Smape: number;
  naive2Mase: number;
  /** OWA relative to Naive2 (< 1 is better), of the forecast as combined. */
  owa: number;
  /** OWA of the network alone. */
  modelOwa: number;
  /** True when the forecast as combined is worse than Naive2 by more than noise (`verdict`). */
  worseThanNaive2: boolean;
  /** The forecast as combined against Naive2, with the bootstrap band over series. */
  verdict: Naive2Verdict;
  /** The network alone against Naive2 (what `modelOwa` says, with its band). */
  networkVerdict: Naive2Verdict;
  /**
   * How far phase two moved the network's forecasts of that stretch: mean absolute change of the
   * median over the validated network's mean absolute error there (0: the network shipped
   * forecasts what the one validated did). Absent in older models.
   */
  drift?: number;
  /**
   * Phase one's early stopping, per member of the network: the step whose weights it kept (of
   * the steps it ran) and their OWA on that stretch against the final weights'. Absent in older
   * models (they kept the final weights).
   */
  checkpoints?: PhaseOneCheckpoint[];
  /** Coverage of the calibrated intervals on that stretch (in-sample for the widths). */
  coverage80: number;
  coverage95: number;
}

/** What the trained model is and how it was trained. */
export interface GlobalInfo {
  kind: typeof GLOBAL_KIND;
  target: string;
  horizon: number;
  season: number;
  window: number;
  patch: number;
  cell: string;
  units: number;
  members: number;
  series: number;
  steps: number;
  trainMs: number;
  stopped: 'steps' | 'budget';
  kernels: string;
  /**
   * How the linear path started: the robust pooled ridge fit, the level (zero kernel: the ridge
   * did not beat it on later windows), or off (`linearStart: false`). Absent in older models.
   */
  linearStart?: 'ridge' | 'level' | 'off';
  /** Interval widening factors from the held-out stretch. */
  widths: { '80': number; '95': number };
  /** The combination with a statistical forecast chosen on the held-out stretch. */
  combination: Combination;
  validation: GlobalValidation | null;
  /**
   * What the user must hear even when the shipped forecast is safe, e.g. a network measurably
   * worse than Naive2 on its validation stretch (hidden behind the fallback). Absent in older models.
   */
  warnings?: string[];
  /** The covariates that reach the network (absent in older models: none). */
  covariates?: CovariateInfo;
}

/** What the forecasts of a model with this combination are, in words. */
export function shippedForecast(c: Combination): string {
  const partner = c.partner === 'naive2' ? 'Naive2' : 'Theta';
  const groups = groupsShipped(c);
  if (groups) return `by history length, ${groups}`;
  if (c.weight === 1) return "the network's";
  if (c.weight === 0) return `${partner}'s alone`;
  return `the network's (weight ${c.weight}) combined with ${partner}'s (weight ${1 - c.weight})`;
}

/** Warnings about a validation result (see {@link GlobalInfo.warnings}). */
export function validationWarnings(v: GlobalValidation, c: Combination): string[] {
  const n = v.networkVerdict;
  if (n.verdict !== 'worse') return [];
  const band = `${Math.round(VERDICT_LEVEL * 100)}% band ${n.low.toFixed(3)}–${n.high.toFixed(3)} over series`;
  return [
    `the network alone is WORSE than Naive2 on its validation stretch (OWA ${n.owa.toFixed(3)}, ${band}); the forecasts shipped are ${shippedForecast(c)} (OWA ${v.owa.toFixed(3)})`,
  ];
}

/** The held-out stretch's forecasts of a fit, by series id (not saved). */
export interface ValidationStretch {
  ids: string[];
  /** The forecasts as shipped (combined), [series][h]. */
  forecasts: number[][];
  /** The network's median alone, [series][h]. */
  network: number[][];
  /** The calibrated interval bounds around `forecasts`, [series][h]. */
  bounds: { '80': { lower: number[][]; upper: number[][] }; '95': { lower: number[][]; upper: number[][] } };
  /** The held-out values, [series][h]. */
  actual: Float64Array[];
}

/** How the network's median is combined with a statistical forecast (weight 1 = network alone). */
export interface Combination {
  partner: Partner;
  /** Weight of the network; the partner gets 1 − weight. */
  weight: number;
  /**
   * The combination shipped for each group of series by history length, in order of length
   * (`partner` and `weight` above are the panel-wide choice, which a group keeps unless its own
   * was measured to help). Absent in older models and when the lengths form no groups: every
   * series gets the panel-wide one.
   */
  groups?: CombinationGroup[];
}

/** One length group's combination (see {@link Combination.groups}). */
export interface CombinationGroup {
  /** Series with at most this many values (and more than the previous group's); null: any longer. */
  maxLength: number | null;
  /** The group's series on the validation stretch. */
  series: number;
  partner: Partner;
  weight: number;
  /** True: the group's own choice, measured to beat the panel-wide one on it; false: the panel-wide one. */
  own: boolean;
  /** OWA against Naive2 on the group's stretch of what is shipped for it, and of the panel-wide choice. */
  owa: number;
  panelOwa: number;
}

/** The combination a series of `length` values gets: its length group's, or the panel-wide one. */
export function combinationFor(c: Combination | undefined, length: number): { partner: Partner; weight: number } {
  const panel = { partner: c?.partner ?? 'naive2', weight: c?.weight ?? 1 };
  const group = c?.groups?.find((g) => g.maxLength === null || length <= g.maxLength);
  return group ? { partner: group.partner, weight: group.weight } : panel;
}

/** The length groups' combinations, in words, with their OWA when `owa` ('' when no group has its own). */
export function groupsShipped(c: Combination, owa = true): string {
  const groups = c.groups ?? [];
  if (!groups.some((g) => g.own)) return '';
  const range = (k: number) => {
    const hi = groups[k]!.maxLength;
    if (k === 0) return `≤ ${hi} values`;
    const lo = groups[k - 1]!.maxLength! + 1;
    return hi === null ? `> ${lo - 1} values` : `${lo}–${hi} values`;
  };
  return groups
    .map((g, k) => `${range(k)}: ${combinationLabel(g)}${owa && g.own ? ` (OWA ${g.owa.toFixed(3)}; panel-wide choice ${g.panelOwa.toFixed(3)})` : ''}`)
    .join('; ');
}

/** A combination in a few words: "network", "Theta alone", "network 0.5 + Theta 0.5". */
export function combinationLabel(c: { partner: Partner; weight: number }): string {
  const partner = c.partner === 'naive2' ? 'Naive2' : 'Theta';
  return c.weight === 1 ? 'network' : c.weight === 0 ? `${partner} alone` : `network ${c.weight} + ${partner} ${1 - c.weight}`;
}

/**
 * Throw `bad(field)` when a saved combination is damaged: partner, weight, and the length groups
 * (absent in older models) with increasing bounds, the last one open.
 */
export function checkSavedCombination(c: unknown, bad: (field: string) => Error): void {
  if (c === undefined) return;
  const pair = (v: Record<string, unknown>) =>
    (v.partner === 'naive2' || v.partner === 'theta') && typeof v.weight === 'number' && v.weight >= 0 && v.weight <= 1;
  if (typeof c !== 'object' || c === null || !pair(c as Record<string, unknown>)) throw bad('extra.info.combination');
  const groups = (c as Combination).groups as unknown;
  if (groups === undefined) return;
  if (!Array.isArray(groups) || groups.length < 2) throw bad('extra.info.combination.groups');
  let previous = 0;
  groups.forEach((g: unknown, k) => {
    const field = `extra.info.combination.groups[${k}]`;
    if (typeof g !== 'object' || g === null || !pair(g as Record<string, unknown>)) throw bad(field);
    const max = (g as CombinationGroup).maxLength as unknown;
    const last = k === groups.length - 1;
    if (last ? max !== null : !Number.isInteger(max) || (max as number) <= previous) throw bad(`${field}.maxLength`);
    if (!last) previous = max as number;
  });
}
