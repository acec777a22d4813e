/**
 * GlobalForecaster: one recurrent network trained on windows drawn from every series of a panel
 * (the M4-winning recipe: learn across many series, normalise each window on its own), with
 * direct multi-horizon quantile outputs giving the point forecast (median) and 80%/95% intervals.
 *
 * Training runs in two phases. Phase one keeps the last `horizon` points of every series out of
 * the targets; the model then forecasts those points, which measures it against Naive2 (so
 * `train` can say when it is no better) and calibrates the interval widths. Phase one scores each
 * member on those points every eighth of the way and keeps its best weights when clearly better
 * than its final ones (early-stop.ts). Phase two trains on everything for the remaining steps (in
 * proportion to the steps phase one kept).
 */
import * as tf from '@tensorflow/tfjs';
import {
  getCell,
  hasCell,
  initBackend,
  initKernels,
  kernelStatus,
  layerMismatch,
  loadLayersModelDir,
  planTrainingBatch,
  readModelMetadata,
  saveModelDir,
  type SaveOptions,
  seededRandom,
  SeqcastError,
  trainLoop,
} from '@seqcast/core';
import type { Panel } from '@seqcast/data';
import type { ForecastSpec, SeriesForecast } from '../../panel/model.js';
import type { ForecastModel } from '../../registry/contract.js';
import type { PanelLayout } from '../../panel/layout.js';
import { buildNetwork, forwardMember, MEDIAN, memberVariables, pinballLoss, QUANTILES, type NetworkConfig } from './network.js';
import { partnerForecast } from './validation.js';
import { linearStart } from './linear-start.js';
import { phaseOneRate, phaseTwoRate, shippedDrift } from './schedule.js';
import { checkFiniteForecasts, checkPanelHistory } from '../../inputs/magnitude.js';
import { writeTargets, writeWindow, type WindowShape } from '../../inputs/panel-windows.js';
import type { GlobalForecasterOptions } from './options.js';
import { covariateInfo, CovariateWriter, loadedContract } from './covariate-inputs.js';
import {
  covariateDims,
  fitCovariates,
  hasCovariates,
  NO_COVARIATES,
  type CovariateContract,
  type EncodedSeries,
  type FutureCovariates,
} from '../../inputs/covariates.js';
import {
  checkSavedCombination,
  combinationFor,
  GLOBAL_KIND,
  validationWarnings,
  type Combination,
  type GlobalInfo,
  type GlobalProgress,
  type GlobalValidation,
  type PhaseOneCheckpoint,
  type ValidationStretch,
} from './info.js';
import { ensembleMedian, resolve, sources, type SavedConfig, type SavedExtra, type SavedMember, type Source } from './resolve.js';
import { validateOnStretch, type ShippedStretch } from './validate.js';
import { MemberCheckpoints, phaseTwoSteps, StretchScorer } from './early-stop.js';

export { GLOBAL_KIND, shippedForecast, validationWarnings } from './info.js';
export type { Combination, GlobalInfo, GlobalProgress, GlobalValidation, ValidationStretch } from './info.js';
export { defaultWindow, ensembleMedian } from './resolve.js';
export type { GlobalForecasterOptions } from './options.js';

/**
 * A global recurrent forecaster over a panel: one network for all series.
 *
 * @example
 * const model = new GlobalForecaster({ horizon: 48, season: 24 });
 * await model.fit(panel, { horizon: 48, season: 24 });
 * const forecasts = await model.forecast(panel, 48);   // [{ id, values, intervals: { '80', '95' } }]
 * await model.save('models/hourly');
 * const again = await GlobalForecaster.load('models/hourly');
 */
export class GlobalForecaster implements ForecastModel {
  readonly name = 'model';
  /** The registry kind (its directories record GLOBAL_KIND, as before). */
  readonly kind = 'global';
  private net: tf.LayersModel | null = null;
  private config: SavedConfig | null = null;
  private trained: GlobalInfo | null = null;
  private stretch: ShippedStretch | null = null;
  readonly takesCovariates = true;

  constructor(private readonly options: GlobalForecasterOptions) {
    // Validate early so a bad option fails before any data is read.
    resolve(options, null, null, options);
  }

  /**
   * The steps `fit(train, spec)` plans in all (its progress reports' `steps`): what a queue shows
   * before training starts. The time budget (`minutes`) may stop the fit earlier.
   */
  plannedSteps(train: Panel, spec: ForecastSpec): number {
    const r = resolve(
      this.options,
      spec,
      train.series.map((s) => s.values.length),
      this.options,
    );
    const windows = sources(
      train.series.map((s) => ({ id: s.id, values: s.values, channels: [], statics: new Float32Array(0) })),
      r.horizon,
      r.window,
      0,
    ).reduce((n, s) => n + s.hi - s.lo + 1, 0);
    const perMember = r.epochs !== undefined ? Math.max(1, Math.ceil((r.epochs * windows) / r.batchSize)) : r.steps;
    return perMember * r.members;
  }

  /**
   * Train on every series of `train`. Replaces any earlier fit. Aborting `signal` stops it between
   * steps: fit rejects with the signal's reason and the model is left untrained (nothing to save).
   */
  async fit(train: Panel, spec: ForecastSpec, callbacks: { signal?: AbortSignal; onProgress?(p: GlobalProgress): void } = {}): Promise<void> {
    const signal = callbacks.signal;
    signal?.throwIfAborted();
    this.trained = null;
    await initBackend();
    await initKernels();
    const start = Date.now();
    this.stretch = null;
    const lengths = train.series.map((s) => s.values.length);
    const r = resolve(this.options, spec, lengths, this.options);
    const { horizon: H, window: L } = r;
    const shape: WindowShape = { window: L, patch: r.patch, horizon: H, season: r.season };
    const covariates = fitCovariates(train, spec.covariates ?? {}, r.season);
    const cov = new CovariateWriter(covariates, shape, r.batchSize);
    const encoded = cov.encode(train);
    let all = sources(encoded, H, L, 0);
    if (all.length === 0) {
      throw new SeqcastError(
        'BAD_INPUT',
        `no series of ${train.source} is long enough to train on: each needs at least ${Math.max(2, Math.ceil(L / 4)) + H} values (horizon ${H})`,
        { where: train.source },
      );
    }
    let early = sources(encoded, H, L, H);
    // With too few series long enough to hold out a horizon, skip validation rather than fail.
    const validate = early.length >= Math.max(1, Math.ceil(all.length / 2));
    if (!validate) early = all;

    // The one memory planner every training consults: an over-budget network is refused here,
    // naming the option, before a weight is allocated.
    planTrainingBatch(
      {
        cell: r.cell,
        layers: r.members,
        units: r.units,
        steps: L / r.patch,
        inputs: r.patch * (1 + (cov.active ? cov.dims.window : 0)),
        outputs: H * QUANTILES.length,
        outputSteps: 1,
      },
      {
        windows: r.batchSize,
        batchSize: r.batchSize,
        names: { units: 'units', layers: 'members', steps: 'recurrent steps (window ÷ season)', batchSize: 'batchSize' },
      },
    );
    const network: NetworkConfig = {
      window: L,
      patch: r.patch,
      horizon: H,
      cell: r.cell,
      units: r.units,
      members: r.members,
      ...(cov.active ? { covariates: cov.dims } : {}),
    };
    this.dispose();
    this.net = buildNetwork(network, r.seed);
    let startKind: GlobalInfo['linearStart'] = 'off';
    if (r.linearStart) {
      const fitted = linearStart(early, shape, seededRandom(r.seed + 17));
      startKind = fitted.kind;
      for (let k = 0; k < r.members; k++) {
        // The covariates' rows of the linear path start at zero (after the target's L rows).
        const rows = this.net.getLayer(`linear_${k}`).getWeights()[0]!.shape[0]!;
        const full = new Float32Array(rows * H * QUANTILES.length);
        full.set(fitted.kernel.subarray(0, L * H * QUANTILES.length));
        const kernel = tf.tensor2d(full, [rows, H * QUANTILES.length]);
        const bias = tf.tensor1d(fitted.bias);
        this.net.getLayer(`linear_${k}`).setWeights([kernel, bias]);
        tf.dispose([kernel, bias]);
      }
    }
    this.config = { network, season: r.season, target: train.target, ...(cov.active ? { covariates } : {}) };

    const windows = all.reduce((n, s) => n + s.hi - s.lo + 1, 0);
    const perMember = r.epochs !== undefined ? Math.max(1, Math.ceil((r.epochs * windows) / r.batchSize)) : r.steps;
    const phase1 = validate ? Math.max(1, Math.round(perMember * 0.8)) : perMember;
    const phase2 = perMember - phase1;
    const total = perMember * r.members;
    const budgetMs = r.minutes * 60_000;
    let done = 0;
    // Phase-two steps early stopping made unneeded: progress counts them as done, so it ends at
    // the steps planned (`plannedSteps`, a job's record) while `info().steps` counts steps run.
    let skipped = 0;
    let stopped: GlobalInfo['stopped'] = 'steps';
    const x = new Float32Array(r.batchSize * L);
    const mask = new Float32Array((r.batchSize * L) / r.patch);
    const y = new Float32Array(r.batchSize * H);

    const runPhase = async (k: number, from: Source[], steps: number, offset: number, share: number, checkpoints?: MemberCheckpoints): Promise<number> => {
      if (steps < 1) return 0;
      const rand = seededRandom(r.seed * 7919 + k * 104_729 + offset + 1);
      const phaseStart = Date.now();
      const vars = memberVariables(this.net!, k);
      // Phase one's progress: by steps or by its share of the member's budget, whichever is further.
      const progress = (s: number, elapsedMs: number) => Math.max(s / steps, elapsedMs / (share * budgetMs));
      const res = await trainLoop({
        variables: vars,
        steps,
        ...(signal ? { signal } : {}),
        budgetMs: Math.max(1000, share * budgetMs),
        // Phase one runs the whole schedule; phase two fine-tunes at its final rate (schedule.ts).
        learningRate: (s) => (offset > 0 ? phaseTwoRate(r.learningRate) : phaseOneRate(r.learningRate, progress(s, Date.now() - phaseStart))),
        ...(checkpoints ? { afterStep: (s: { step: number; elapsedMs: number }) => checkpoints.offer(s.step, progress(s.step, s.elapsedMs)) } : {}),
        loss: () => {
          for (let b = 0; b < r.batchSize; b++) {
            const src = from[Math.floor(rand() * from.length)]!;
            const end = src.lo + Math.floor(rand() * (src.hi - src.lo + 1));
            const norm = writeWindow(src.values, end, shape, b, x, mask);
            writeTargets(src.values, end, norm, H, b, y);
            cov.write(src.enc, end, norm, b);
          }
          const xt = tf.tensor2d(x, [r.batchSize, L]);
          const mt = tf.tensor2d(mask, [r.batchSize, L / r.patch]);
          const yt = tf.tensor2d(y, [r.batchSize, H]);
          return pinballLoss(forwardMember(this.net!, network, k, xt, mt, cov.tensors(r.batchSize)), yt);
        },
        onProgress: (p) => {
          const step = done + skipped + p.step;
          const elapsedMs = Date.now() - start;
          const etaMs = Math.max(0, Math.min(((total - step) * elapsedMs) / Math.max(1, step), budgetMs - elapsedMs));
          callbacks.onProgress?.({ step, steps: total, loss: p.loss, elapsedMs, etaMs });
        },
      });
      done += res.steps;
      if (res.stopped === 'budget') stopped = 'budget';
      return res.steps;
    };

    // Each phase of each member gets its share of the budget (validation and saving are cheap).
    // Phase one keeps each member's best weights on the held-out stretch (early-stop.ts).
    const scorer = validate ? new StretchScorer(encoded, r) : null;
    const kept: (PhaseOneCheckpoint | undefined)[] = [];
    for (let k = 0; k < r.members; k++) {
      const member = k;
      const checkpoints = scorer
        ? new MemberCheckpoints(memberVariables(this.net, k), () =>
            scorer.owa(this.quantiles(scorer.series, scorer.ends, member).map((rows) => rows.map((row) => row[MEDIAN]!))),
          )
        : undefined;
      const ran = await runPhase(k, early, phase1, 0, (phase1 / total) * 0.95, checkpoints);
      if (checkpoints && ran > 0) kept[k] = checkpoints.finish(ran);
    }
    let validation: GlobalValidation | null = null;
    let widths = { '80': 1, '95': 1 };
    let combination: Combination = { partner: 'naive2', weight: 1 };
    signal?.throwIfAborted();
    if (validate) {
      const v = validateOnStretch(encoded, r, (series, ends) => this.quantiles(series, ends));
      this.stretch = v.stretch;
      const checkpoints = kept.filter((c) => c !== undefined);
      validation = { ...v.validation, ...(checkpoints.length > 0 ? { checkpoints } : {}) };
      widths = v.widths;
      combination = v.combination;
    }
    // Phase two fine-tunes in proportion to the training phase one kept.
    for (let k = 0; k < r.members; k++) {
      const steps = kept[k] ? phaseTwoSteps(phase2, kept[k]!.kept, kept[k]!.steps) : phase2;
      skipped += phase2 - steps;
      await runPhase(k, all, steps, phase1, (phase2 / total) * 0.95);
    }
    if (validation && this.stretch && phase2 > 0) {
      const { usable, ends, network, actual } = this.stretch;
      validation.drift = shippedDrift(
        network,
        this.quantiles(usable, ends).map((rows) => rows.map((row) => row[MEDIAN]!)),
        actual,
      );
    }
    all = [];
    signal?.throwIfAborted();
    this.trained = {
      kind: GLOBAL_KIND,
      target: train.target,
      horizon: H,
      season: r.season,
      window: L,
      patch: r.patch,
      cell: r.cell,
      units: r.units,
      members: r.members,
      series: train.series.length,
      steps: done,
      trainMs: Date.now() - start,
      stopped,
      kernels: kernelStatus().path,
      linearStart: startKind,
      widths,
      combination,
      validation,
      warnings: validation ? validationWarnings(validation, combination) : [],
      covariates: covariateInfo(covariates),
    };
  }

  /**
   * Sorted quantiles [series][h][q] in original units for windows ending at `ends` (default: each
   * series' end), of the members' median (or of member `member` alone).
   */
  private quantiles(series: readonly EncodedSeries[], ends?: readonly number[], member?: number): number[][][] {
    const histories = series.map((s, i) => (ends ? s.values.subarray(0, ends[i]) : s.values));
    const net = this.net!;
    const c = this.config!.network;
    const shape: WindowShape = { window: c.window, patch: c.patch, horizon: c.horizon, season: this.config!.season };
    const Q = QUANTILES.length;
    const members = member === undefined ? Array.from({ length: c.members }, (_, k) => k) : [member];
    const out: number[][][] = [];
    const chunk = 512;
    for (let from = 0; from < histories.length; from += chunk) {
      const rows = Math.min(chunk, histories.length - from);
      const x = new Float32Array(rows * c.window);
      const mask = new Float32Array((rows * c.window) / c.patch);
      const norms = [];
      const cov = new CovariateWriter(this.config!.covariates ?? NO_COVARIATES, shape, rows);
      for (let b = 0; b < rows; b++) {
        const v = histories[from + b]!;
        const norm = writeWindow(v, v.length, shape, b, x, mask);
        cov.write(series[from + b]!, v.length, norm, b);
        norms.push(norm);
      }
      const perMember = tf.tidy(() => {
        const xt = tf.tensor2d(x, [rows, c.window]);
        const mt = tf.tensor2d(mask, [rows, c.window / c.patch]);
        const ct = cov.tensors(rows);
        return tf.stack(members.map((k) => forwardMember(net, c, k, xt, mt, ct)));
      });
      const data = ensembleMedian(perMember.dataSync() as Float32Array, members.length);
      perMember.dispose();
      for (let b = 0; b < rows; b++) {
        const { level, scale } = norms[b]!;
        const v = histories[from + b]!;
        let nonNegative = true;
        for (let t = 0; t < v.length; t++) if (v[t]! < 0) nonNegative = false;
        const series: number[][] = [];
        for (let h = 0; h < c.horizon; h++) {
          const row: number[] = [];
          for (let k = 0; k < Q; k++) {
            const val = level + scale * data[(b * c.horizon + h) * Q + k]!;
            row.push(nonNegative && val < 0 ? 0 : val);
          }
          // Quantile heads are trained separately and may cross; sorting restores their order.
          row.sort((a, z) => a - z);
          series.push(row);
        }
        out.push(series);
      }
    }
    return out;
  }

  /** `horizon` values after the end of each series of `history`, with 80% and 95% intervals. */
  async forecast(history: Panel, horizon: number, future?: FutureCovariates): Promise<SeriesForecast[]> {
    const info = this.requireTrained();
    if (!Number.isInteger(horizon) || horizon < 1 || horizon > info.horizon) {
      throw new SeqcastError('BAD_ARGUMENT', `steps must be an integer in 1..${info.horizon}, the horizon this model was trained for (received ${horizon})`, {
        where: 'steps',
      });
    }
    history.series.forEach((s, i) => {
      if (s.values.length === 0) {
        throw new SeqcastError('BAD_INPUT', `series "${s.id}" (number ${i + 1} of ${history.source}) has no values to forecast from`, { where: s.id });
      }
    });
    checkPanelHistory(history);
    const contract = this.config!.covariates ?? NO_COVARIATES;
    const { network } = this.config!;
    const shape: WindowShape = { window: network.window, patch: network.patch, horizon: network.horizon, season: this.config!.season };
    const q = this.quantiles(new CovariateWriter(contract, shape, 1).encode(history, { values: future, horizon }));
    const w = info.widths;
    const season = this.config!.season;
    const forecasts = history.series.map((s, i) => {
      // Each series gets its length group's combination (the panel-wide one in older models).
      const { partner, weight } = combinationFor(info.combination, s.values.length);
      const rows = q[i]!.slice(0, horizon);
      const med = rows.map((row) => row[MEDIAN]!);
      const other = weight < 1 ? partnerForecast(s.values, horizon, season, partner) : null;
      const values = other ? med.map((v, h) => weight * v + (1 - weight) * other[h]!) : med;
      // The intervals keep the network's widths around the combined forecast.
      const band = (lo: number, hi: number, k: number) => ({
        lower: rows.map((row, h) => values[h]! - k * (row[MEDIAN]! - row[lo]!)),
        upper: rows.map((row, h) => values[h]! + k * (row[hi]! - row[MEDIAN]!)),
      });
      return { id: s.id, values, intervals: { '80': band(1, 3, w['80']), '95': band(0, 4, w['95']) } };
    });
    checkFiniteForecasts(forecasts);
    return forecasts;
  }

  private requireTrained(): GlobalInfo {
    if (!this.net || !this.config || !this.trained) {
      throw new SeqcastError('NOT_TRAINED', 'the global forecaster has not been trained or loaded yet');
    }
    return this.trained;
  }

  /**
   * The forecasts (as combined) the model made of its held-out stretch after phase one, for an
   * ensemble to validate its combination on; null when there was none or the model was loaded.
   */
  validationStretch(): ValidationStretch | null {
    if (!this.stretch) return null;
    const { ids, forecasts, network, bounds, actual } = this.stretch;
    return { ids, forecasts, network, bounds, actual };
  }

  /** What the model is and what it measured on its held-out stretch. */
  info(): GlobalInfo {
    return this.requireTrained();
  }

  /** The covariate input contract (which columns, their levels and normalisation); none for older models. */
  covariateContract(): CovariateContract {
    this.requireTrained();
    return this.config!.covariates ?? NO_COVARIATES;
  }

  /**
   * Save into a model directory (atomic; standard tfjs layers format plus seqcast.json). `layout`
   * (how the training CSV was read) goes into seqcast.json, so the directory stays one unit that
   * `--force` may replace; `overwrite` as in core's saveModelDir.
   */
  async save(dir: string, options: SaveOptions & { layout?: PanelLayout } = {}): Promise<void> {
    const info = this.requireTrained();
    const { layout, ...save } = options;
    await saveModelDir<SavedConfig, SavedExtra>(
      dir,
      this.net!,
      { kind: GLOBAL_KIND, config: this.config!, extra: { info, options: this.options, ...(layout ? { layout } : {}) } },
      save,
    );
  }

  /** Load a directory written by {@link save}; initialises the backend and the fused kernels. */
  static async load(dir: string): Promise<GlobalForecaster> {
    await initBackend();
    await initKernels();
    const meta = await readModelMetadata<SavedConfig, SavedExtra>(dir, GLOBAL_KIND);
    if (meta.extra?.ensemble) {
      throw new SeqcastError(
        'BAD_MODEL',
        `${dir} holds an ensemble of ${meta.extra.ensemble.members.length} networks: load it with loadModel or GlobalEnsemble.load`,
        {
          where: dir,
        },
      );
    }
    return GlobalForecaster.restore(dir, { config: meta.config, extra: meta.extra });
  }

  /**
   * A member as an ensemble saves it (see ensemble.ts): its network, config, info and options.
   * @internal
   */
  savedParts(): SavedMember & { net: tf.LayersModel } {
    const info = this.requireTrained();
    return { net: this.net!, config: this.config!, extra: { info, options: this.options } };
  }

  /**
   * Re-create a trained model from `dir`'s network `network` (the main one when absent) and its
   * metadata, checking every field; `field` prefixes the names errors give (an ensemble's member).
   * @internal
   */
  static async restore(dir: string, saved: SavedMember, network?: string, field = ''): Promise<GlobalForecaster> {
    const where = `${dir}/seqcast.json`;
    const c = saved.config?.network;
    const bad = (name: string) =>
      new SeqcastError('BAD_MODEL', `${where}: field "${field}${name}" is missing or invalid`, { where: `${where}#${field}${name}` });
    if (typeof c !== 'object' || c === null) throw bad('config.network');
    for (const k of ['window', 'patch', 'horizon', 'units', 'members'] as const) if (!Number.isInteger(c[k]) || c[k] < 1) throw bad(`config.network.${k}`);
    if (c.window % c.patch !== 0) throw bad('config.network.window');
    if (!hasCell(c.cell)) throw bad('config.network.cell');
    if (!Number.isInteger(saved.config.season) || saved.config.season < 1) throw bad('config.season');
    const covariates = loadedContract(saved.config.covariates, bad);
    const d = hasCovariates(covariates) ? covariateDims(covariates) : null;
    if (d && (c.covariates?.window !== d.window || c.covariates?.horizon !== d.horizon || c.covariates?.statics !== d.statics))
      throw bad('config.network.covariates');
    const info = saved.extra?.info;
    if (typeof info !== 'object' || info === null || typeof info.widths !== 'object') throw bad('extra.info');
    checkSavedCombination(info.combination, bad);
    const model = await loadLayersModelDir(dir, network);
    const cell = getCell(c.cell);
    try {
      for (let k = 0; k < c.members; k++) {
        const problem = layerMismatch(cell, model.getLayer(`rnn_${k}`), c.patch * (1 + (c.covariates?.window ?? 0)), c.units);
        if (problem) throw new Error(problem);
        for (const name of [`hidden_${k}`, `head_${k}`, `linear_${k}`]) model.getLayer(name);
      }
    } catch (e) {
      model.dispose();
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new SeqcastError('BAD_MODEL', `${dir}: ${msg}`, { where: `${dir}/model.json` }, { cause: e });
    }
    const out = new GlobalForecaster({ ...saved.extra.options, horizon: c.horizon });
    out.net = model;
    out.config = saved.config;
    out.trained = info;
    return out;
  }

  /** Free the weights. */
  dispose(): void {
    this.net?.dispose();
    this.net = null;
  }
}
