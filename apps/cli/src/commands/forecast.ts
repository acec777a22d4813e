/**
 * `seqcast forecast train|eval|predict`: thin commands over @seqcast/forecast. Every result is
 * shown next to the baselines (naive, seasonal naive, linear AR) under the one evaluation protocol.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { checkFields, SeqcastError, trainingMemoryBudget } from '@seqcast/core';
import { nextDates, readCsv, type ReadCsvOptions, type Series } from '@seqcast/data';
import {
  baselinePaths,
  evaluate,
  fitMemoryShape,
  fitRowLimitReason,
  forecastFitMaxRows,
  SeriesForecaster,
  forecastOptionsSchema,
  forecastChartSvg,
  defaultBacktestKinds,
  globalForecasterOptionsSchema,
  ONE_STEP_BASELINES,
  writeEvaluationSvg,
  type EvalReport,
  type Metrics,
  type MetricTable,
} from '@seqcast/forecast';
import { columnList, numberFlags, optionalNumber, optionalString, parseFlags, requireString } from '../args.js';
import type { Command, CommandGroup, Io } from '../command.js';
import { ProgressBar } from '../progress.js';
import { backtestPanel, DEFAULT_BACKTEST_WINDOWS, isPanelModel, predictPanel, trainPanel } from './forecast-panel.js';
import { givenModelFlags, modelKindsHelp, modelOptionFlagSpecs } from './model-flags.js';
import { seasonFromDates, timeColumnsFlag, unknownLevelFlag } from './season-flags.js';
import { checkOut } from '../save-target.js';

/** How a model's CSV is read: as recorded by the model, or as given at train. */
interface ReadAs {
  newestFirst: boolean;
  missing?: 'drop' | 'ffill';
  timeColumns?: string[];
  /** The model's categorical (text) features. */
  categorical?: string[];
}

/** Read a CSV series (oldest first) the way the model was (or is being) trained; `limits` bound its rows. */
function readSeries(file: string, as: ReadAs, limits: Pick<ReadCsvOptions, 'maxRows' | 'limitNames'> = {}): Promise<Series> {
  const options: ReadCsvOptions = {
    ...limits,
    ...(as.newestFirst ? { newestFirst: true } : {}),
    ...(as.missing ? { missing: as.missing } : {}),
    ...(as.timeColumns ? { timeColumns: as.timeColumns } : {}),
    ...(as.categorical?.length ? { categorical: as.categorical } : {}),
  };
  return readCsv({ path: file }, options);
}

/** The reading a saved model recorded. */
function readAsModel(info: SeriesForecaster['info']): ReadAs {
  return {
    newestFirst: info.newestFirst === true,
    ...(info.missing ? { missing: info.missing } : {}),
    ...(info.timeColumns ? { timeColumns: info.timeColumns } : {}),
    ...(info.categorical ? { categorical: Object.keys(info.categorical) } : {}),
  };
}

function missingPolicy(v: string | undefined): 'drop' | 'ffill' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'drop' && v !== 'ffill') throw new SeqcastError('BAD_ARGUMENT', `--missing must be drop or ffill (received "${v}")`, { where: '--missing' });
  return v;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(1) : a >= 1 ? v.toFixed(4) : v.toPrecision(4);
}

const METHODS = ['model', ...ONE_STEP_BASELINES] as const;

/** A metrics table, one row per method. */
export function metricsTable(t: MetricTable): string[] {
  const cols: (keyof Metrics)[] = ['rmse', 'mae', 'mape', 'smape', 'mase'];
  const head = ['method'.padEnd(14), ...cols.map((c) => c.toUpperCase().padStart(12))].join('');
  const lines = [head];
  for (const m of METHODS) {
    const r = t[m];
    if (!r) continue;
    lines.push([m.padEnd(14), ...cols.map((c) => fmt(r[c]).padStart(12))].join(''));
  }
  return lines;
}

/** One plain sentence: does the model beat the baselines? */
export function verdict(t: MetricTable, rows = 'test rows'): string {
  const base = ONE_STEP_BASELINES.filter((k) => t[k]);
  const losers = base.filter((k) => t[k]!.mase < t.model.mase * (1 - 1e-6));
  const best = base.reduce((a, b) => (t[b]!.mase < t[a]!.mase ? b : a));
  if (losers.length) {
    return `WARNING: on the ${rows} the model LOSES to ${losers.join(' and ')} (MASE ${fmt(t.model.mase)} vs ${best} ${fmt(t[best]!.mase)}).`;
  }
  return `on the ${rows} the model matches or beats every baseline (MASE ${fmt(t.model.mase)} vs best baseline ${best} ${fmt(t[best]!.mase)}).`;
}

/**
 * One series needs one row per date: duplicates would train on two values for one time step
 * and shift every later lag. Refused naming the first duplicate's file lines (readCsv keeps and
 * reports them; a panel's series are checked by readPanelCsv).
 */
function refuseDuplicateDates(series: Series): void {
  const dups = series.dateIssues.filter((d) => d.kind === 'duplicate-date');
  const first = dups[0];
  if (!first) return;
  throw new SeqcastError(
    'BAD_INPUT',
    `${series.source}:${first.line}: date ${JSON.stringify(first.value)} repeats line ${first.firstLine} ` +
      `(${dups.length} duplicate date${dups.length === 1 ? '' : 's'} in all); a series needs one row per date: remove or aggregate the duplicates`,
    { where: `${series.source}:${first.line}`, line: first.line },
  );
}

const train: Command = {
  name: 'train',
  summary: 'train a forecaster on a CSV series, or one global model on a panel (--id-column)',
  usage:
    'seqcast forecast train --csv FILE --target COL [--features A,B,...] [--time-columns year,month,day,hour] [--window N] [--horizon N] [--season M] [--epochs N] [--seed N] [--newest-first] [--missing drop|ffill] --out DIR [--force]\n' +
    '  seqcast forecast train --csv FILE --id-column COL [--model KIND] --target COL [--time-column COL | --time-columns year,month,…] [--features A,B] [--future-features P,Q] [--static-features S] [--calendar auto|on|off] --horizon H [--season M] [--<option> V …] [--missing drop|ffill] [--short skip|error] --out DIR [--force]\n' +
    '  --model           a registered panel model kind (default global); its options are flags (--learning-rate for learningRate):\n' +
    modelKindsHelp() +
    '\n' +
    '  --features        input columns; a text column (e.g. a wind direction) is one-hot encoded, its levels saved in the model\n' +
    '  --future-features (panels) columns known in advance (a planned promotion): predict then needs --future FILE with their next values\n' +
    '  --static-features (panels) columns constant per series (a store type)\n' +
    '  --calendar        (panels) position in day/week/year from the dates as inputs: auto (default: those the season does not show, the history covers twice and the data shows an effect at), on (all), off\n' +
    '  --time-columns    the timestamp is split across these columns (any prefix of year,month,day,hour,minute)\n' +
    '  --season          season length; default: inferred from the dates (hourly 24, daily 7, business-daily 5, weekly 52, monthly 12, quarterly 4, yearly 1), else 1' +
    '  (column lists are comma-separated; quote a name that has a comma as in CSV: --features \'"Close, USD",Open\')',
  async run(argv: string[], io: Io) {
    const cmd = 'forecast train';
    const flags = parseFlags(
      argv,
      {
        csv: { type: 'string' },
        target: { type: 'string' },
        features: { type: 'string' },
        window: { type: 'string' },
        horizon: { type: 'string' },
        season: { type: 'string' },
        epochs: { type: 'string' },
        seed: { type: 'string' },
        'newest-first': { type: 'boolean' },
        out: { type: 'string' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
        missing: { type: 'string' },
        'id-column': { type: 'string' },
        'time-column': { type: 'string' },
        'time-columns': { type: 'string' },
        short: { type: 'string' },
        'future-features': { type: 'string' },
        'static-features': { type: 'string' },
        calendar: { type: 'string' },
        model: { type: 'string' },
        // Every registered model kind's options (minutes, units, lookback, …).
        ...modelOptionFlagSpecs(),
      },
      cmd,
    );
    if (flags['id-column'] !== undefined || flags.model !== undefined) return trainPanel(flags, io, cmd);
    const oneSeries = new Set(['window', 'epochs', 'seed']);
    for (const f of ['time-column', 'short', 'future-features', 'static-features', 'calendar', ...givenModelFlags(flags).filter((g) => !oneSeries.has(g))]) {
      if (flags[f] !== undefined) throw new SeqcastError('BAD_ARGUMENT', `${cmd}: --${f} is for panels; add --id-column COL`, { where: `--${f}` });
    }
    const csv = requireString(flags, 'csv', cmd);
    const target = requireString(flags, 'target', cmd);
    const out = requireString(flags, 'out', cmd);
    const features = columnList(optionalString(flags, 'features'), '--features');
    // Ranges and defaults are SeriesForecaster.fit's options table's; only the flags given are passed on.
    const numbers = checkFields(forecastOptionsSchema, numberFlags(flags, ['window', 'horizon', 'season', 'epochs', 'seed']), '--');
    const newestFirst = flags['newest-first'] === true;
    const missing = missingPolicy(optionalString(flags, 'missing'));
    const timeColumns = timeColumnsFlag(flags);
    const save = { overwrite: flags.force === true };
    await checkOut(out, save); // before reading or training: never destroy what is at --out
    // The training memory budget bounds the rows: reading stops at the first row over it.
    const shape = fitMemoryShape({ target, ...(features ? { features } : {}), ...numbers });
    const budget = trainingMemoryBudget();
    const limits = { maxRows: forecastFitMaxRows(shape, budget), limitNames: { rows: fitRowLimitReason(shape, budget) } };
    const as: ReadAs = { newestFirst, ...(missing ? { missing } : {}), ...(timeColumns ? { timeColumns } : {}) };
    let series = await readSeries(csv, as, limits);
    // Features that are text columns (left out as "no numeric cell"): read again as categorical.
    const text = (features ?? []).filter((f) => series.ignored.includes(f));
    if (text.length) series = await readSeries(csv, { ...as, categorical: text }, limits);
    refuseDuplicateDates(series);
    const inferred = numbers.season === undefined ? seasonFromDates(series.dates, series.dateColumn, series.timeColumns !== null) : null;
    if (inferred) (flags.json ? io.err : io.out)(inferred.line);
    const bar = new ProgressBar('forecast');
    let last: { epoch: number; epochs: number } | undefined;
    const model = await SeriesForecaster.fit(
      series,
      {
        target,
        ...(features ? { features } : {}),
        ...numbers,
        ...(inferred?.frequency ? { season: inferred.season, frequency: inferred.frequency } : {}),
        newestFirst,
        ...(missing ? { missing } : {}),
        ...(series.timeColumns ? { timeColumns: series.timeColumns } : {}),
      },
      {
        onEpoch: (p) => {
          last = p;
          bar.update({ ...p, step: p.epoch, steps: p.epochs, ...(p.valLoss !== undefined ? { extra: `val ${p.valLoss.toFixed(4)}` } : {}) });
        },
      },
    );
    // Early stopping ends before the last epoch: close the redrawn TTY bar's line.
    if (last && last.epoch < last.epochs && process.stderr.isTTY) process.stderr.write('\n');
    try {
      await model.save(out, save);
      const i = model.info;
      if (flags.json) {
        io.out(JSON.stringify({ out, info: i }));
        return;
      }
      io.out(`saved ${out} (target ${i.target}, features ${i.features.join(',')}, window ${i.window}, horizon ${i.horizon}, season ${i.season})`);
      io.out(
        `linear path: ${i.linear.paths.join('; ')} (window ${i.window}); ` +
          `recurrent path (${i.rnn.cell} ${i.rnn.units}): ${i.rnn.used ? 'kept' : 'not kept (no validation gain)'} after ${i.rnn.epochs} epochs, best ${i.rnn.bestEpoch}`,
      );
      io.out(`validation metrics (one step ahead, ${i.metrics.validation.rows} rows, original units):`);
      for (const l of metricsTable(i.metrics.validation)) io.out('  ' + l);
      io.out(verdict(i.metrics.validation, 'validation rows'));
    } finally {
      model.dispose();
    }
  },
};

function printEval(r: EvalReport, io: Io): void {
  io.out(
    `test rows ${r.rows} (rows ${r.firstRow + 1}..${r.firstRow + r.rows} of ${r.firstRow + r.rows}; trained on the first ${r.trainRows}), season ${r.season}, window ${r.window}`,
  );
  for (const l of metricsTable(r.metrics)) io.out(l);
  io.out(verdict(r.metrics));
}

const evalCmd: Command = {
  name: 'eval',
  summary: 'score a forecaster against the baselines on a CSV series',
  usage:
    'seqcast forecast eval --model DIR --csv FILE [--json] [--plot FILE.svg] [--unknown-level error|ignore]\n' +
    '  --unknown-level   a categorical level not seen in training: error (default, naming it and its line) or ignore (encode it as the first level)',
  async run(argv: string[], io: Io) {
    const cmd = 'forecast eval';
    const flags = parseFlags(
      argv,
      { model: { type: 'string' }, csv: { type: 'string' }, json: { type: 'boolean' }, plot: { type: 'string' }, 'unknown-level': { type: 'string' } },
      cmd,
    );
    const unknownLevel = unknownLevelFlag(flags);
    const dir = requireString(flags, 'model', cmd);
    const csv = requireString(flags, 'csv', cmd);
    const plot = optionalString(flags, 'plot');
    if (plot !== undefined && !plot.toLowerCase().endsWith('.svg')) {
      throw new SeqcastError('BAD_ARGUMENT', `--plot must name an .svg file (received "${plot}")`, { where: '--plot' });
    }
    if (await isPanelModel(dir)) {
      throw new SeqcastError('BAD_ARGUMENT', `${cmd}: ${dir} is a panel model; score it with seqcast forecast backtest --csv FILE --id-column COL …`, {
        where: '--model',
      });
    }
    const model = await SeriesForecaster.load(dir);
    try {
      const series = model.encode(await readSeries(csv, readAsModel(model.info)), unknownLevel);
      const r = evaluate(model, series);
      if (plot) await writeEvaluationSvg(plot, r, { target: model.info.target });
      if (flags.json) {
        io.out(JSON.stringify({ metrics: r.metrics, rows: r.rows }));
        return;
      }
      printEval(r, io);
      if (plot) io.out(`chart written to ${plot}`);
    } finally {
      model.dispose();
    }
  },
};

/** Write `text` to `file` via a temp file + rename, so a reader never sees half a chart. */
async function writeFileAtomic(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
}

const predict: Command = {
  name: 'predict',
  summary: 'forecast the next N values after the last row of a CSV series (of every series, for a panel model)',
  usage:
    'seqcast forecast predict --model DIR --csv FILE --steps N [--future FILE] [--json] [--plot FILE.svg [--series ID]] [--unknown-level error|ignore]\n' +
    '  --future  (panel models trained with --future-features) a CSV of the id, time and future columns for the next N steps of each series\n' +
    '  --series  (panel models) the series --plot draws; default the first in the file',
  async run(argv: string[], io: Io) {
    const cmd = 'forecast predict';
    const flags = parseFlags(
      argv,
      {
        model: { type: 'string' },
        csv: { type: 'string' },
        steps: { type: 'string' },
        json: { type: 'boolean' },
        plot: { type: 'string' },
        'unknown-level': { type: 'string' },
        future: { type: 'string' },
        series: { type: 'string' },
      },
      cmd,
    );
    const unknownLevel = unknownLevelFlag(flags);
    const plot = optionalString(flags, 'plot');
    if (plot !== undefined && !plot.toLowerCase().endsWith('.svg')) {
      throw new SeqcastError('BAD_ARGUMENT', `--plot must name an .svg file (received "${plot}")`, { where: '--plot' });
    }
    const dir = requireString(flags, 'model', cmd);
    const csv = requireString(flags, 'csv', cmd);
    if (flags.steps === undefined) throw new SeqcastError('BAD_ARGUMENT', `${cmd}: --steps is required`, { where: '--steps' });
    const steps = optionalNumber(flags, 'steps', { integer: true, min: 1, max: 10_000 })!;
    if (await isPanelModel(dir)) {
      const series = optionalString(flags, 'series');
      if (series !== undefined && plot === undefined)
        throw new SeqcastError('BAD_ARGUMENT', `${cmd}: --series names the series --plot draws; add --plot FILE.svg`, { where: '--series' });
      return predictPanel(dir, csv, steps, flags.json === true, io, optionalString(flags, 'future'), plot === undefined ? undefined : { plot, series });
    }
    if (flags.series !== undefined)
      throw new SeqcastError('BAD_ARGUMENT', `${cmd}: --series is for panel models (one series per chart)`, { where: '--series' });
    if (flags.future !== undefined)
      throw new SeqcastError('BAD_ARGUMENT', `${cmd}: --future is for panel models trained with --future-features`, { where: '--future' });
    const model = await SeriesForecaster.load(dir);
    try {
      const series = await readSeries(csv, readAsModel(model.info));
      const rows = model.rowsOf(model.encode(series, unknownLevel));
      const values = model.forecast(rows, steps);
      const dates = nextDates(series.dates, steps);
      if (plot) {
        // The same chart definition the web page draws (history, forecast, naive baselines).
        const history = Array.from(series.values[model.info.target]!);
        const svg = await forecastChartSvg({
          target: model.info.target,
          history,
          forecast: values,
          dates: series.dates && dates ? [...series.dates, ...dates] : null,
          baselines: baselinePaths(history, steps, model.info.season),
        });
        await writeFileAtomic(plot, svg);
      }
      if (flags.json) {
        io.out(JSON.stringify({ target: model.info.target, steps, values, dates }));
        return;
      }
      io.out(`next ${steps} value(s) of ${model.info.target} after row ${series.rows}${series.dates ? ` (${series.dates[series.dates.length - 1]})` : ''}:`);
      values.forEach((v, i) => io.out(`${String(i + 1).padStart(4)}  ${dates ? dates[i]!.padEnd(12) : ''}${fmt(v)}`));
      if (plot) io.out(`chart written to ${plot}`);
    } finally {
      model.dispose();
    }
  },
};

/** The default of a GlobalForecaster option, from its options table (one source for help and model). */
function panelDefault(name: 'season' | 'minutes' | 'seed' | 'steps'): string {
  return String(globalForecasterOptionsSchema.shape[name].def.defaultValue);
}

function backtestFlags(): NonNullable<Command['flags']> {
  return [
    ['--csv FILE', 'long-format panel CSV (one row per series and time); required'],
    ['--id-column COL', 'column naming the series; required'],
    ['--target COL', 'column to forecast; required'],
    ['--horizon H', 'steps ahead scored at each cutoff (the model forecasts them directly); required'],
    [
      '--season M',
      `seasonal period (12 monthly, 7 daily, 52 weekly; 1 = none); default: inferred from the dates (hourly 24, daily 7, business-daily 5, weekly 52, monthly 12, quarterly 4, yearly 1), else ${panelDefault('season')}`,
    ],
    [
      '--windows K',
      `cutoffs, H apart, the last leaving exactly H points per series; each trains its own model (K fits of --minutes each); default ${DEFAULT_BACKTEST_WINDOWS} (the cutoff train validates on); 3 or more give a steadier score`,
    ],
    [
      '--models A,B,…',
      `registered model kinds to score (Naive2 is always added); default ${defaultBacktestKinds().join(',')}. Any option of a kind scored is a flag too (--<option> V, e.g. --units 32, --lookback 48), given to every kind that takes it:\n${modelKindsHelp()}`,
    ],
    ['--time-column COL', 'column ordering each series (dates or integers); default: the date column the reader detects, else file order'],
    ['--time-columns year,month,…', 'the time is split across these columns (any prefix of year,month,day,hour,minute); default: found by name'],
    ['--features A,B', 'past covariates: columns known up to each cutoff, read beside the target (text columns one-hot); default none'],
    ['--future-features P,Q', 'columns known in advance (a planned promotion): the model reads their values over the horizon too; default none'],
    ['--static-features S', 'columns constant per series (a store type); default none'],
    [
      '--calendar auto|on|off',
      'position in day/week/year from the dates as inputs: auto (default) those the season does not already show, the history covers twice and the data shows an effect at; on all; off none',
    ],
    ['--window N', 'input values per window; default max(3.5·H, 4·m) rounded up to whole seasons, capped by the data'],
    ['--epochs N', `passes over all training windows; default: as many steps as --minutes allows, at most ${panelDefault('steps')}`],
    ['--minutes M', `wall-clock budget of each fit, minutes; default ${panelDefault('minutes')}`],
    ['--seed N', `seed of the weights and window draws; default ${panelDefault('seed')}`],
    ['--missing drop|ffill', 'empty cells: drop the row or carry the last value forward, within each series; default: an error naming the line'],
    ['--short skip|error', 'series too short for window + horizon: skip them with a warning, or stop; default skip'],
    ['--json', 'print the metrics as JSON (`{metrics, series, windows}`) instead of the table'],
  ];
}

const backtestCmd: Command = {
  name: 'backtest',
  summary: 'score registered panel models (default: the global model and the baselines) on the last K horizons of every series',
  usage:
    'seqcast forecast backtest --csv FILE --id-column COL --target COL --horizon H [--season M] [--windows K] [--models A,B,…] [--time-column COL | --time-columns year,month,…] [--features A,B] [--future-features P,Q] [--static-features S] [--calendar auto|on|off] [--window N] [--epochs N] [--minutes M] [--seed N] [--<option> V …] [--missing drop|ffill] [--short skip|error] [--json]',
  flags: backtestFlags(),
  async run(argv: string[], io: Io) {
    const cmd = 'forecast backtest';
    const flags = parseFlags(
      argv,
      {
        ...Object.fromEntries(
          [
            'csv',
            'id-column',
            'target',
            'horizon',
            'season',
            'windows',
            'time-column',
            'time-columns',
            'features',
            'future-features',
            'static-features',
            'calendar',
            'window',
            'epochs',
            'minutes',
            'seed',
            'missing',
            'short',
            'models',
          ].map((k) => [k, { type: 'string' as const }]),
        ),
        // Every registered model kind's options (units, lookback, …): each goes to the kinds that take it.
        ...modelOptionFlagSpecs(),
        json: { type: 'boolean' },
      },
      cmd,
    );
    await backtestPanel(flags, io, cmd);
  },
};

export const forecast: CommandGroup = {
  name: 'forecast',
  summary: 'train, evaluate, backtest and forecast CSV time series and panels',
  commands: [train, evalCmd, predict, backtestCmd],
};
