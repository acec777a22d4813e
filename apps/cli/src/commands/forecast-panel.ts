/**
 * The panel side of `seqcast forecast`: train any registered model kind (`--model`, default the
 * global recurrent model) on a long-format CSV (`--id-column`), predict every series of a file
 * with any saved kind, and backtest registered kinds against each other on the same cutoffs.
 * forecast.ts dispatches here; the one-series commands stay there unchanged.
 */
import { checkFields, readModelMetadata, SeqcastError } from '@seqcast/core';
import { readPanelCsv, type PanelCsv, type ReadPanelOptions } from '@seqcast/data';
import {
  backtest,
  backtestFactories,
  covariateLine,
  DEFAULT_MODEL_KIND,
  defaultBacktestKinds,
  earlyStopLine,
  globalForecasterOptionsSchema,
  layoutOf,
  loadModel,
  loadPanelLayout,
  modelKind,
  panelForecastJson,
  panelSavedKinds,
  readFutureCsv,
  groupsShipped,
  shippedForecast,
  VERDICT_LEVEL,
  writeForecastSvg,
  type BacktestReport,
  type Combination,
  type CovariateRequest,
  type ForecastModel,
  type GlobalInfo,
  type EnsembleInfo,
  ensembleShipped,
  type ModelKindEntry,
  type Naive2Verdict,
  type PanelMetrics,
} from '@seqcast/forecast';
import { columnList, numberFlags, optionalNumber, optionalString, requireString, type Flags } from '../args.js';
import type { Io } from '../command.js';
import { ProgressBar } from '../progress.js';
import { checkOut } from '../save-target.js';
import { modelOptionsFromFlags } from './model-flags.js';
import { seasonFromDates, timeColumnsFlag } from './season-flags.js';

/** True when `dir` holds a panel (global) model rather than a one-series forecaster. */
export async function isPanelModel(dir: string): Promise<boolean> {
  const meta = await readModelMetadata(dir);
  return panelSavedKinds().includes(meta.kind);
}

function missingFlag(flags: Flags): 'error' | 'drop' | 'ffill' {
  const v = optionalString(flags, 'missing') ?? 'error';
  if (v !== 'error' && v !== 'drop' && v !== 'ffill') {
    throw new SeqcastError('BAD_ARGUMENT', `--missing must be drop or ffill (received "${v}")`, { where: '--missing' });
  }
  return v;
}

function shortFlag(flags: Flags): 'skip' | 'error' {
  const v = optionalString(flags, 'short') ?? 'skip';
  if (v !== 'skip' && v !== 'error') throw new SeqcastError('BAD_ARGUMENT', `--short must be skip or error (received "${v}")`, { where: '--short' });
  return v;
}

/** `--features`, `--future-features`, `--static-features` and `--calendar on|off`, as the model takes them. */
function covariateRequest(flags: Flags): CovariateRequest {
  const calendar = optionalString(flags, 'calendar') ?? 'auto';
  if (calendar !== 'auto' && calendar !== 'on' && calendar !== 'off') {
    throw new SeqcastError('BAD_ARGUMENT', `--calendar must be auto, on or off (received "${calendar}")`, { where: '--calendar' });
  }
  const target = optionalString(flags, 'target');
  return {
    // The target's past is the model's input already: `--features Open,High,Low,Close` with
    // target Close reads the other four (the note says so, see targetNote).
    features: (columnList(optionalString(flags, 'features'), '--features') ?? []).filter((f) => f !== target),
    futureFeatures: columnList(optionalString(flags, 'future-features'), '--future-features') ?? [],
    staticFeatures: columnList(optionalString(flags, 'static-features'), '--static-features') ?? [],
    calendar: calendar === 'auto' ? 'auto' : calendar === 'on',
  };
}

/** The line saying that the target named in `--features` is read as the target (once per command). */
function targetNote(flags: Flags, io: Io): void {
  const target = optionalString(flags, 'target');
  if (target !== undefined && (columnList(optionalString(flags, 'features'), '--features') ?? []).includes(target)) {
    io.err(`--features: ${target} is the target; the model reads its past in every window already`);
  }
}

/** The reading options shared by train and backtest. */
function panelReadOptions(flags: Flags, cmd: string, minRows: number, reason: string): ReadPanelOptions {
  const c = covariateRequest(flags);
  const all = [...c.features!, ...c.futureFeatures!, ...c.staticFeatures!];
  // Every kind of covariate is read as a feature; text columns become categorical.
  const features = all.length ? [...new Set(all)] : undefined;
  const time = optionalString(flags, 'time-column');
  const timeColumns = timeColumnsFlag(flags);
  if (time !== undefined && timeColumns) {
    throw new SeqcastError('BAD_ARGUMENT', `${cmd}: give --time-column or --time-columns, not both`, { where: '--time-columns' });
  }
  return {
    target: requireString(flags, 'target', cmd),
    idColumn: optionalString(flags, 'id-column') ?? null,
    ...(time !== undefined ? { timeColumn: time } : {}),
    ...(timeColumns ? { timeColumns } : {}),
    ...(features ? { features, categorical: 'auto' as const } : {}),
    missing: missingFlag(flags),
    minRows,
    minRowsReason: reason,
    short: shortFlag(flags),
  };
}

async function readPanel(file: string, options: ReadPanelOptions, io: Io): Promise<PanelCsv> {
  const panel = await readPanelCsv({ path: file }, options);
  for (const w of panel.warnings) io.err(`warning: ${w}`);
  return panel;
}

function horizonAndSeason(flags: Flags, cmd: string): { horizon: number; season: number } {
  if (flags.horizon === undefined) throw new SeqcastError('BAD_ARGUMENT', `${cmd}: --horizon is required for a panel`, { where: '--horizon' });
  // The spec's ranges, as the global model's table states them (every kind shares the spec).
  const { horizon, season = 1 } = checkFields(globalForecasterOptionsSchema, numberFlags(flags, ['horizon', 'season']), '--');
  return { horizon: horizon!, season };
}

/** The kinds named by `--models a,b,c` (default: every kind the backtest runs by default), each known. */
function backtestKinds(flags: Flags): ModelKindEntry[] {
  const names = columnList(optionalString(flags, 'models'), '--models') ?? defaultBacktestKinds();
  if (new Set(names).size !== names.length) throw new SeqcastError('BAD_ARGUMENT', `--models names a model twice (${names.join(',')})`, { where: '--models' });
  return names.map((n) => modelKind(n, '--models'));
}

/**
 * `--season`, or when it is omitted the season of the panel's dates (its longest series'), with
 * the line saying so (stderr under --json, whose stdout is one JSON document).
 */
function panelSeason(flags: Flags, panel: PanelCsv, given: number, io: Io): number {
  if (flags.season !== undefined) return given;
  const longest = panel.series.reduce((a, b) => (b.values.length > a.values.length ? b : a));
  const choice = seasonFromDates(longest.times, panel.timeColumn, panel.timeColumn?.includes('+') === true);
  (flags.json ? io.err : io.out)(choice.line);
  return choice.season;
}

/** Rows a series needs to train: an input stretch and a horizon after it. */
function minRowsFor(options: Record<string, unknown>, horizon: number): { minRows: number; reason: string } {
  const window = typeof options.window === 'number' ? options.window : undefined;
  return window !== undefined
    ? { minRows: window + horizon, reason: `window ${window} + horizon ${horizon}` }
    : { minRows: horizon + 2, reason: `2 inputs + horizon ${horizon}` };
}

function fmt(v: number | null): string {
  if (v === null) return '—';
  if (!Number.isFinite(v)) return 'n/a';
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3);
}

/** A progress bar fed the one progress shape every model's fit reports. */
function progressBar(label: string): { bar: ProgressBar; onProgress: (p: import('@seqcast/forecast').FitProgress) => void } {
  const bar = new ProgressBar(label);
  return {
    bar,
    onProgress: (p) =>
      bar.update({ step: p.step, steps: p.steps, loss: p.loss ?? NaN, elapsedMs: p.elapsedMs, ...(p.etaMs !== undefined ? { etaMs: p.etaMs } : {}) }),
  };
}

/** `forecast train --id-column …`: fit a registered model kind (`--model`, default the global model) on every series and save it. */
export async function trainPanel(flags: Flags, io: Io, cmd: string): Promise<void> {
  const csv = requireString(flags, 'csv', cmd);
  const out = requireString(flags, 'out', cmd);
  const entry = modelKind(optionalString(flags, 'model') ?? DEFAULT_MODEL_KIND, '--model');
  const { horizon, season: given } = horizonAndSeason(flags, cmd);
  // Validates every model option before the file is read.
  const options = modelOptionsFromFlags(flags, [entry])[entry.kind]!;
  entry.create(options as never, { horizon, season: given }).dispose();
  const { minRows, reason } = minRowsFor(options, horizon);
  const read = panelReadOptions(flags, cmd, minRows, reason);
  const save = { overwrite: flags.force === true };
  await checkOut(out, save); // before reading or training: never destroy what is at --out
  const panel = await readPanel(csv, read, io);
  targetNote(flags, io);
  const season = panelSeason(flags, panel, given, io);
  const model = entry.create(options as never, { horizon, season });
  const { bar, onProgress } = progressBar('forecast');
  try {
    const covariates = covariateRequest(flags);
    const named = [...covariates.features!, ...covariates.futureFeatures!, ...covariates.staticFeatures!];
    if (named.length && !model.takesCovariates) {
      throw new SeqcastError('BAD_ARGUMENT', `forecast train: model ${entry.kind} reads no covariates; drop ${named.join(', ')} or train the global model`, {
        where: '--model',
      });
    }
    await model.fit(panel, { horizon, season, covariates }, { onProgress });
    bar.done();
    await model.save(out, { ...save, layout: layoutOf(panel, read.missing) });
    if (entry.kind !== 'global') {
      const i = model.info();
      if (flags.json) io.out(JSON.stringify({ out, model: entry.kind, series: panel.series.length, skipped: panel.skipped.length, info: i }));
      else
        io.out(
          `saved ${out} (model ${entry.kind}, target ${i.target}, ${panel.series.length} series${panel.skipped.length ? `, ${panel.skipped.length} skipped` : ''}, horizon ${i.horizon}, season ${i.season}); score it with seqcast forecast backtest --models ${entry.kind}`,
        );
      return;
    }
    const i = model.info() as GlobalInfo;
    const v = i.validation;
    const where = 'on the last horizon of the training series';
    if (flags.json) {
      io.out(JSON.stringify({ out, model: entry.kind, series: panel.series.length, skipped: panel.skipped.length, info: i }));
      // Verdicts go to stderr in JSON mode, so stdout stays one JSON document.
      if (v && v.verdict.verdict === 'worse') io.err(verdictLine(v.verdict, i.combination, where));
      for (const w of i.warnings ?? []) io.err(`WARNING: ${w}`);
      return;
    }
    const members = (i as Partial<EnsembleInfo>).ensemble?.members ?? [i];
    const windows = members.map((m) => m.window).join(', ');
    io.out(
      `saved ${out} (target ${i.target}, ${panel.series.length} series${panel.skipped.length ? `, ${panel.skipped.length} skipped` : ''}, horizon ${i.horizon}, season ${i.season}, window${members.length > 1 ? 's' : ''} ${windows})`,
    );
    const pruned = (i as Partial<EnsembleInfo>).ensemble?.pruned ?? [];
    const planned = (i as Partial<EnsembleInfo>).ensemble?.planned ?? members.length;
    const fitted =
      planned > members.length + pruned.length
        ? ` (${members.length + pruned.length} of the ${planned} networks asked for: the budget left no time for more; --minutes raises it)`
        : '';
    const heads = i.members > 1 && members.length === 1 ? ` × ${i.members} heads` : '';
    io.out(
      `trained ${members.length} network${members.length > 1 ? 's' : ''} (${i.cell} ${i.units}${heads}, window${members.length > 1 ? 's' : ''} ${windows}): ${i.steps} steps in ${(i.trainMs / 1000).toFixed(1)} s (stopped by ${i.stopped}; kernels ${i.kernels})${fitted}`,
    );
    const earlyStop = earlyStopLine(members);
    if (earlyStop) io.out(earlyStop);
    for (const p of pruned)
      io.out(`left out of the median: the network of window ${p.window} (validation OWA ${fmt(p.owa)}, the best network's ${fmt(p.best)})`);
    if (i.covariates) io.out(covariateLine(i.covariates));
    if (v) {
      io.out(
        `validation (last ${i.horizon} of ${v.series} training series): OWA ${fmt(v.owa)} (sMAPE ${fmt(v.smape)} vs Naive2 ${fmt(v.naive2Smape)}, MASE ${fmt(v.mase)} vs ${fmt(v.naive2Mase)}), coverage of the 80% interval ${pct(v.coverage80)}, of the 95% ${pct(v.coverage95)} (in-sample: the widths were set on this stretch; forecast backtest --windows 3 measures them on later cutoffs)`,
      );
      const c = i.combination;
      const ensemble = (i as Partial<EnsembleInfo>).ensemble;
      if (ensemble && ensemble.members.length > 1 && ensemble.shipped === 'median')
        io.out(`forecasts are ${ensembleShipped('median', ensemble.members)}; intervals likewise (the networks alone: OWA ${fmt(v.modelOwa)}).`);
      else if (groupsShipped(c))
        io.out(
          `forecasts by history length, each group's as it scored on the validation stretch (network alone: OWA ${fmt(v.modelOwa)}): ${groupsShipped(c)}.`,
        );
      else if (c.weight === 0)
        io.out(`forecasts are ${PARTNER_NAMES[c.partner]}'s alone: the network did not beat it on the validation stretch (network OWA ${fmt(v.modelOwa)}).`);
      else if (c.weight < 1)
        io.out(
          `forecasts combine the network (weight ${c.weight}) with ${PARTNER_NAMES[c.partner]} (weight ${1 - c.weight}), the mix that scored best on the validation stretch (network alone: OWA ${fmt(v.modelOwa)}).`,
        );
      for (const w of i.warnings ?? []) io.out(`WARNING: ${w}`);
      io.out(verdictLine(v.verdict, c, where));
    } else {
      io.out('no validation stretch (series too short to hold out a horizon): accuracy against Naive2 unknown; run `forecast backtest`.');
    }
  } finally {
    model.dispose();
  }
}

function pct(v: number): string {
  return `${(100 * v).toFixed(1)}%`;
}

const PARTNER_NAMES = { naive2: 'Naive2', theta: 'Theta' } as const;

/**
 * The one-line verdict against Naive2 that `train` (on its validation stretch) and `backtest` (on
 * its cutoffs) both print: better or worse only when the bootstrap band over series lies wholly
 * on one side of 1, and never advice to use Naive2 when the forecasts shipped already are Naive2's.
 */
export function verdictLine(v: Naive2Verdict, shipped: Combination | null, where: string): string {
  const band = `${Math.round(VERDICT_LEVEL * 100)}% band ${fmt(v.low)}–${fmt(v.high)} over series`;
  if (shipped && shipped.weight === 0 && shipped.partner === 'naive2' && !groupsShipped(shipped)) {
    return `the forecasts shipped are Naive2's (the network did not beat it on its validation stretch), so they score as Naive2 ${where} (OWA ${fmt(v.owa)}).`;
  }
  if (v.verdict === 'better') return `the model beats Naive2 ${where} (OWA ${fmt(v.owa)}, ${band}).`;
  if (v.verdict === 'same') return `no measurable difference from Naive2 ${where} (OWA ${fmt(v.owa)}, ${band}).`;
  return `WARNING: the model is WORSE than Naive2 ${where} (OWA ${fmt(v.owa)}, ${band}); the forecasts shipped are ${shippedForecast(shipped ?? { partner: 'naive2', weight: 1 })}: prefer the naive2 forecast.`;
}

/** `forecast predict` on a panel model of any registered kind: H values (and intervals) after each series of the file. */
export async function predictPanel(
  dir: string,
  csv: string,
  steps: number,
  json: boolean,
  io: Io,
  futureFile?: string,
  chart?: { plot: string; series: string | undefined },
): Promise<void> {
  const layout = await loadPanelLayout(dir);
  const model = await loadModel(dir);
  try {
    // Models without covariates (the baselines) read the target alone.
    const contract = model.covariateContract?.() ?? { future: [] as string[], levels: {} as Record<string, string[]> };
    const panel = await readPanelCsv(
      { path: csv },
      {
        target: layout.target,
        idColumn: layout.idColumn,
        timeColumn: layout.timeColumn,
        features: layout.features,
        ...(layout.features.length ? { categorical: 'auto' as const } : {}),
        missing: layout.missing,
        short: 'error',
      },
    );
    if (contract.future.length > 0 && futureFile === undefined) {
      throw new SeqcastError(
        'BAD_ARGUMENT',
        `forecast predict: this model reads future-known ${contract.future.join(', ')}: give --future FILE with ${layout.idColumn ?? 'the id'}, ${layout.timeColumn ?? 'time'} and those columns for the next ${steps} step(s) of each series`,
        { where: '--future' },
      );
    }
    if (contract.future.length === 0 && futureFile !== undefined) {
      throw new SeqcastError('BAD_ARGUMENT', 'forecast predict: --future is for models trained with --future-features; this one reads none', {
        where: '--future',
      });
    }
    const future =
      futureFile !== undefined
        ? await readFutureCsv(futureFile, panel, {
            idColumn: layout.idColumn ?? '',
            timeColumn: layout.timeColumn,
            columns: contract.future,
            categorical: contract.future.filter((f) => contract.levels[f]),
            steps,
          })
        : undefined;
    const forecasts = await model.forecast(panel, steps, future);
    if (chart) {
      // One series per chart: the one named, else the file's first.
      const id = chart.series ?? panel.series[0]!.id;
      const i = panel.series.findIndex((s) => s.id === id);
      if (i < 0) {
        throw new SeqcastError('BAD_ARGUMENT', `--series: no series "${id}" in ${csv} (${panel.series.length} series, e.g. "${panel.series[0]!.id}")`, {
          where: '--series',
        });
      }
      await writeForecastSvg(chart.plot, panel.series[i]!.values, forecasts[i]!, { target: layout.target });
    }
    if (json) {
      const times = new Map(panel.series.map((s) => [s.id, s.times]));
      io.out(JSON.stringify(panelForecastJson(layout.target, steps, forecasts, (id) => times.get(id))));
      return;
    }
    io.out(`next ${steps} value(s) of ${layout.target} for ${forecasts.length} series (median, 80% interval):`);
    for (const f of forecasts) {
      const iv = f.intervals?.['80'];
      io.out(`${f.id}: ${f.values.map((v, h) => (iv ? `${fmt(v)} [${fmt(iv.lower[h]!)}, ${fmt(iv.upper[h]!)}]` : fmt(v))).join('  ')}`);
    }
    if (chart) io.out(`chart of ${chart.series ?? panel.series[0]!.id} written to ${chart.plot}`);
  } finally {
    model.dispose();
  }
}

/** The backtest's JSON: the issue's exact shape, every model scored (in the order run, Naive2 added when not asked for). */
export function backtestJson(r: BacktestReport): { metrics: Record<string, PanelMetrics>; series: number; windows: number } {
  return { metrics: r.metrics, series: r.series, windows: r.windows };
}

/**
 * One cutoff by default: the one `train` validates on (the last H points of every series), so a
 * default backtest and train's validation verdict speak about the same stretch; `--windows 3` or
 * more averages over more cutoffs for a steadier score, at K times the training time.
 */
export const DEFAULT_BACKTEST_WINDOWS = 1;

/** `forecast backtest`: the registered kinds named by `--models` (default: all but the slow per-series one) on the same K cutoffs. */
export async function backtestPanel(flags: Flags, io: Io, cmd: string): Promise<void> {
  const csv = requireString(flags, 'csv', cmd);
  const { horizon, season: given } = horizonAndSeason(flags, cmd);
  const windows = optionalNumber(flags, 'windows', { integer: true, min: 1, max: 100 }) ?? DEFAULT_BACKTEST_WINDOWS;
  const kinds = backtestKinds(flags);
  const options = modelOptionsFromFlags(flags, kinds);
  // Validates the options before the file is read.
  const readers: string[] = [];
  for (const k of kinds) {
    const probe = k.create(options[k.kind] as never, { horizon, season: given });
    if (probe.takesCovariates) readers.push(k.kind);
    probe.dispose();
  }
  const covariates = covariateRequest(flags);
  const named = [...covariates.features!, ...covariates.futureFeatures!, ...covariates.staticFeatures!];
  // Covariates no model of the comparison reads would be a silent no-op.
  if (named.length && readers.length === 0) {
    throw new SeqcastError(
      'BAD_ARGUMENT',
      `${cmd}: no model of --models (${kinds.map((k) => k.kind).join(',')}) reads covariates; drop ${named.join(', ')} or add global to --models`,
      { where: '--models' },
    );
  }
  const { minRows, reason } = minRowsFor(options.global ?? {}, horizon);
  const panel = await readPanel(csv, panelReadOptions(flags, cmd, minRows, reason), io);
  targetNote(flags, io);
  const season = panelSeason(flags, panel, given, io);
  const spec = { horizon, season };
  // Models that report steps get a progress bar; the global model's last cutoff says what it shipped.
  let last: GlobalInfo | null = null;
  const factories = backtestFactories(
    kinds.map((k) => k.kind),
    spec,
    options,
  ).map((make, i) => (): ForecastModel => {
    const m = make() as ForecastModel;
    const kind = kinds[i]!.kind;
    if (kind !== 'global' && kind !== 'perSeries') return m;
    const { bar, onProgress } = progressBar(kinds[i]!.name);
    return {
      name: m.name,
      kind: m.kind,
      fit: async (train, s) => {
        await m.fit(train, s, { onProgress });
        bar.done();
      },
      takesCovariates: m.takesCovariates === true,
      forecast: async (history, h, future) => {
        if (kind === 'global') last = m.info() as GlobalInfo;
        return m.forecast(history, h, future);
      },
      save: (dir, o) => m.save(dir, o),
      info: () => m.info(),
      dispose: () => m.dispose(),
    };
  });
  const r = await backtest(panel, factories, {
    horizon,
    season,
    covariates,
    windows,
    onProgress: (p) => {
      if (!p.done && (p.model === 'model' || p.model === 'perSeries')) io.err(`backtest: window ${p.window}/${p.windows}: training ${p.model}…`);
    },
  });
  const shipped = (last as GlobalInfo | null)?.combination ?? null;
  const warnings = ((last as GlobalInfo | null)?.warnings ?? []).map((w) => `WARNING: last window's model: ${w}`);
  const where = `over ${windows} backtest window(s)`;
  // The global model's verdict line as before; the other models' verdicts on one line.
  const lines = r.verdicts.model ? [verdictLine(r.verdicts.model, shipped, where)] : [];
  const others = Object.entries(r.verdicts).filter(([name]) => name !== 'model');
  if (others.length) lines.push(`against Naive2 ${where}: ${others.map(([name, v]) => `${name} ${v.verdict} (OWA ${fmt(v.owa)})`).join(', ')}`);
  if (flags.json) {
    io.out(JSON.stringify(backtestJson(r)));
    if (r.verdicts.model?.verdict === 'worse') io.err(lines[0]!);
    for (const w of warnings) io.err(w);
    return;
  }
  io.out(`backtest: ${r.series} series, ${r.windows} window(s) of ${horizon} steps, season ${season} (coverage as a fraction, MSIS of the 95% interval)`);
  // The table's header says which rows read the covariates and which ignore them.
  const ignoring = Object.keys(r.metrics).filter((name) => !r.readCovariates.includes(name));
  const calendar = (last as GlobalInfo | null)?.covariates?.calendar ?? [];
  const inputs = [...(named.length ? [`covariates (${named.join(', ')})`] : []), ...(calendar.length ? ['calendar inputs'] : [])];
  if (inputs.length && r.readCovariates.length) {
    io.out(`${inputs.join(' and ')}: read by ${r.readCovariates.join(', ')}; ignored by ${ignoring.join(', ')}`);
  }
  const cols = ['smape', 'mase', 'owa', 'coverage80', 'coverage95', 'msis'] as const;
  io.out(['method'.padEnd(14), ...cols.map((c) => c.padStart(11)), 'seconds'.padStart(9)].join(''));
  for (const [k, m] of Object.entries(r.metrics)) {
    io.out([k.padEnd(14), ...cols.map((c) => fmt(m[c]).padStart(11)), ((r.ms[k] ?? 0) / 1000).toFixed(1).padStart(9)].join(''));
  }
  for (const w of warnings) io.out(w);
  for (const l of lines) io.out(l);
}
