/**
 * readPanelCsv: a long-format CSV (id, optional time, target, optional features) in, a
 * {@link Panel} of per-series Float64Arrays out, each series oldest first.
 *
 * The file is read once by readCsv (header, delimiter, number and missing-cell parsing, file
 * lines), with the id and time columns returned as raw text; grouping, time order, duplicate
 * times and the missing-cell policy are then applied per series, so one series' gap is never
 * filled from another's value.
 */
import { basename } from 'node:path';
import { SeqcastError } from '@seqcast/core/errors';
import type { Delimiter } from './csv.js';
import { badDateAdvice, detectDayFirst, isDateName, parseDate } from './dates.js';
import type { Panel, PanelSeries } from './panel-types.js';
import { readCsv, type CsvSource, type ReadCsvOptions } from './read.js';

/** Options for {@link readPanelCsv}. Only `target` is required. */
export interface ReadPanelOptions {
  /** Column to forecast. */
  target: string;
  /** Column naming the series. Default none: the whole file is one series. */
  idColumn?: string | null;
  /**
   * Column ordering each series: dates or integers. Default: a date column is detected as
   * readCsv does; `null`: rows are taken in file order.
   */
  timeColumn?: string | null;
  /**
   * A timestamp split across columns (year, month, day, hour, minute; any prefix), as readCsv's
   * `timeColumns`. The panel's `timeColumn` is then their names joined by `+`
   * (`year+month+day+hour`), which `timeColumn` also accepts, so a saved layout reads the same way.
   */
  timeColumns?: string[];
  /**
   * Features that are text (e.g. a store type), returned as codes per series with the panel's
   * levels; `'auto'`: every feature whose first rows hold only text. Default none.
   */
  categorical?: string[] | 'auto';
  /** Extra numeric columns read beside the target. Default none. */
  features?: string[];
  /** Missing target/feature cells: `error` (default), `drop` the row, or `ffill` within the series. */
  missing?: 'error' | 'drop' | 'ffill';
  /** Rows a series needs (e.g. window + horizon); shorter ones are skipped or fatal. Default 1. */
  minRows?: number;
  /** Says why `minRows` (e.g. "window 48 + horizon 48"), for the message. */
  minRowsReason?: string;
  /** A series shorter than `minRows`: `skip` it with a warning (default) or `error`. */
  short?: 'skip' | 'error';
  /** Without a time column, the file lists newest rows first (one-series files only). */
  newestFirst?: boolean;
  delimiter?: Delimiter;
  /** Reading limits, as readCsv's (columns, cells, and their names in messages). */
  limits?: Pick<ReadCsvOptions, 'maxColumns' | 'maxCells' | 'limitNames'>;
}

/** A series left out because it was too short. */
export interface SkippedSeries {
  id: string;
  rows: number;
  /** First file line of the series. */
  line: number;
}

/** What {@link readPanelCsv} returns: the panel, plus what was skipped and why. */
export interface PanelCsv extends Panel {
  skipped: SkippedSeries[];
  /** One line per skipped group of series, ready to print. */
  warnings: string[];
}

function bad(where: string, message: string, extra: Record<string, unknown> = {}): SeqcastError {
  return new SeqcastError('BAD_INPUT', `${where}: ${message}`, { where, ...extra });
}

const INTEGER = /^[+-]?\d+$/;

/** Sort keys for the time cells of the whole file: integers when every cell is one, else dates. */
function timeKeys(cells: readonly string[], column: string, lines: Int32Array, source: string, dropBad: boolean): Float64Array {
  const keys = new Float64Array(cells.length);
  if (cells.every((c) => INTEGER.test(c))) {
    for (let i = 0; i < cells.length; i++) keys[i] = Number(cells[i]);
    return keys;
  }
  const df = detectDayFirst(cells);
  if (typeof df === 'string') throw bad(source, `time column "${column}": ${df}`);
  const loose = isDateName(column);
  for (let i = 0; i < cells.length; i++) keys[i] = parseDate(cells[i]!, { loose, dayFirst: df });
  const first = keys.findIndex(Number.isNaN);
  if (first >= 0 && !dropBad) {
    const what = cells[first] === '' ? 'empty time' : `${JSON.stringify(cells[first])} is neither a date nor an integer`;
    const advice = badDateAdvice(keys.filter(Number.isNaN).length, keys.length);
    throw bad(`${source}:${lines[first]}`, `time column "${column}": ${what} (${advice})`, { column, line: lines[first] });
  }
  return keys;
}

/**
 * Read a long-format panel CSV.
 *
 * @example
 * const p = await readPanelCsv({ path: 'sales.csv' }, { idColumn: 'store', timeColumn: 'week', target: 'sales' });
 * p.series.length;          // one entry per store, in order of first appearance
 * p.series[0].values;       // that store's sales, oldest week first
 */
export async function readPanelCsv(source: CsvSource, options: ReadPanelOptions): Promise<PanelCsv> {
  const { target } = options;
  if (typeof target !== 'string' || target === '') throw new SeqcastError('BAD_ARGUMENT', 'target must name a column', { where: 'target' });
  const missing = options.missing ?? 'error';
  if (!['error', 'drop', 'ffill'].includes(missing)) {
    throw new SeqcastError('BAD_ARGUMENT', `missing must be one of error, drop, ffill (received ${JSON.stringify(missing)})`, { where: 'missing' });
  }
  const short = options.short ?? 'skip';
  if (short !== 'skip' && short !== 'error') {
    throw new SeqcastError('BAD_ARGUMENT', `short must be skip or error (received ${JSON.stringify(short)})`, { where: 'short' });
  }
  const features = options.features ?? [];
  const idColumn = options.idColumn ?? null;
  const auto = options.categorical === 'auto';
  let categorical: string[] = options.categorical === 'auto' ? [] : (options.categorical ?? []);
  const stray = categorical.find((c) => !features.includes(c));
  if (stray !== undefined) throw new SeqcastError('BAD_ARGUMENT', `categorical "${stray}" is not one of the features`, { where: 'categorical' });
  let explicitTime = options.timeColumn;
  let timeColumns = options.timeColumns;
  // `year+month+day+hour`: the name a split timestamp gets (a saved layout's timeColumn).
  if (typeof explicitTime === 'string' && explicitTime.includes('+') && timeColumns === undefined) {
    timeColumns = explicitTime.split('+');
    explicitTime = undefined;
  }
  if (timeColumns !== undefined && typeof explicitTime === 'string') {
    throw new SeqcastError('BAD_ARGUMENT', 'give timeColumn or timeColumns, not both', { where: 'timeColumns' });
  }
  const clash = (timeColumns ?? []).find((c) => c === target || features.includes(c) || c === idColumn);
  if (clash !== undefined) throw new SeqcastError('BAD_ARGUMENT', `time column "${clash}" is also the target, a feature or the id`, { where: 'timeColumns' });
  for (const [name, col] of [
    ['idColumn', idColumn],
    ['timeColumn', explicitTime],
  ] as const) {
    if (typeof col === 'string' && (col === target || features.includes(col))) {
      throw new SeqcastError('BAD_ARGUMENT', `${name} "${col}" is also the target or a feature`, { where: name });
    }
  }
  const keyColumns = [idColumn, explicitTime].filter((c): c is string => typeof c === 'string');
  const s = await readCsv(source, {
    ...(options.delimiter ? { delimiter: options.delimiter } : {}),
    // An explicit time column is read as text and ordered per series below; otherwise readCsv
    // detects (and orders by) a date column as it does for one series.
    dateColumn: typeof explicitTime === 'string' ? null : explicitTime,
    columns: [target, ...features.filter((f) => !categorical.includes(f))],
    keyColumns,
    ...(timeColumns ? { timeColumns } : {}),
    ...(auto ? { categorical: 'auto' as const } : categorical.length ? { categorical } : {}),
    missing: 'keep',
    ...(options.newestFirst ? { newestFirst: true } : {}),
    ...(options.limits ?? {}),
  });
  const src = s.source;
  if (auto) {
    if (target in s.categorical) throw bad(src, `target column "${target}" holds text, not numbers`, { column: target });
    categorical = features.filter((f) => f in s.categorical);
  }
  const badDate = s.dateIssues.find((d) => d.kind === 'bad-date');
  if (badDate && missing !== 'drop') {
    const what = badDate.value === '' ? 'empty date' : `${JSON.stringify(badDate.value)} is not a date`;
    throw bad(
      `${src}:${badDate.line}`,
      `date column "${s.dateColumn}": ${what} (${badDateAdvice(s.dateIssues.filter((d) => d.kind === 'bad-date').length, s.rows)})`,
      { line: badDate.line },
    );
  }
  const timeColumn = typeof explicitTime === 'string' ? explicitTime : s.dateColumn;
  const timeCells = typeof explicitTime === 'string' ? s.keys[explicitTime]! : s.dates;
  const n = s.rows;
  const lines = s.lines;
  const keys = timeColumn && timeCells ? timeKeys(timeCells, timeColumn, lines, src, missing === 'drop') : null;

  // Group rows by id, in order of first appearance.
  const groups = new Map<string, number[]>();
  const ids = idColumn ? s.keys[idColumn]! : null;
  const oneId = idColumn ? '' : basename(src);
  for (let i = 0; i < n; i++) {
    const id = ids ? ids[i]! : oneId;
    if (ids && id === '') throw bad(`${src}:${lines[i]}`, `id column "${idColumn}" is empty`, { column: idColumn, line: lines[i] });
    let g = groups.get(id);
    if (!g) groups.set(id, (g = []));
    g.push(i);
  }

  const columns = [target, ...features.filter((f) => !categorical.includes(f))];
  // Categorical features ride along as their codes (-1 = missing) through the same row selection.
  const catCodes = categorical.map((c) => Float64Array.from(s.categorical[c]!.codes));
  const minRows = options.minRows ?? 1;
  const series: PanelSeries[] = [];
  const skipped: SkippedSeries[] = [];
  for (const [id, rows0] of groups) {
    let rows = rows0;
    const label = idColumn ? `series "${id}"` : 'the series';
    if (keys) {
      rows = rows.filter((i) => !Number.isNaN(keys[i]!));
      // Stable: equal times keep file order, so the duplicate reported is the later line.
      rows.sort((a, b) => keys[a]! - keys[b]! || a - b);
      for (let k = 1; k < rows.length; k++) {
        const a = rows[k - 1]!;
        const b = rows[k]!;
        if (keys[a] === keys[b]) {
          const [first, second] = lines[a]! < lines[b]! ? [lines[a]!, lines[b]!] : [lines[b]!, lines[a]!];
          throw bad(`${src}:${second}`, `${label} has time ${JSON.stringify(timeCells![b])} twice (also line ${first})`, { line: second, id });
        }
      }
    }
    // Missing cells, per series and in time order.
    const cols = [
      ...columns.map((c) => Float64Array.from(rows, (i) => s.values[c]![i]!)),
      ...catCodes.map((v) => Float64Array.from(rows, (i) => (v[i]! < 0 ? NaN : v[i]!))),
    ];
    const keep = new Uint8Array(rows.length).fill(1);
    for (let j = 0; j < cols.length; j++) {
      const col = cols[j]!;
      let last = NaN;
      for (let k = 0; k < rows.length; k++) {
        const v = col[k]!;
        if (!Number.isNaN(v)) {
          last = v;
          continue;
        }
        if (missing === 'error') {
          const line = lines[rows[k]!]!;
          const column = j < columns.length ? columns[j] : categorical[j - columns.length];
          throw bad(`${src}:${line}`, `column "${column}" has a missing cell in ${label} (choose missing: drop or ffill)`, {
            column,
            line,
            id,
          });
        }
        if (missing === 'drop' || Number.isNaN(last)) keep[k] = 0;
        else col[k] = last;
      }
    }
    const kept = keep.reduce((a, b) => a + b, 0);
    const pick = <T extends Float64Array | Int32Array>(a: T, make: (len: number) => T): T => {
      const out = make(kept);
      let w = 0;
      for (let k = 0; k < rows.length; k++) if (keep[k]) out[w++] = a[k]!;
      return out;
    };
    const rowLines = pick(
      Int32Array.from(rows, (i) => lines[i]!),
      (len) => new Int32Array(len),
    );
    if (kept < minRows) {
      const reason = options.minRowsReason ? ` (${options.minRowsReason})` : '';
      if (short === 'error') {
        throw bad(`${src}:${lines[rows0[0]!]}`, `${label} has ${kept} rows but needs at least ${minRows}${reason}; pass short: skip to leave such series out`, {
          id,
        });
      }
      skipped.push({ id, rows: kept, line: lines[rows0[0]!]! });
      continue;
    }
    const vals = cols.map((c) => pick(c, (len) => new Float64Array(len)));
    const times = timeCells ? rows.filter((_, k) => keep[k]).map((i) => timeCells[i]!) : null;
    series.push({
      id,
      values: vals[0]!,
      times,
      features: Object.fromEntries(columns.slice(1).map((f, j) => [f, vals[j + 1]!])),
      ...(categorical.length ? { categorical: Object.fromEntries(categorical.map((f, j) => [f, Int32Array.from(vals[columns.length + j]!)])) } : {}),
      lines: rowLines,
    });
  }
  const warnings: string[] = [];
  if (skipped.length) {
    const reason = options.minRowsReason ? ` (${options.minRowsReason})` : '';
    const names = skipped
      .slice(0, 5)
      .map((k) => `"${k.id}" (${k.rows} rows, line ${k.line})`)
      .join(', ');
    warnings.push(`${src}: skipped ${skipped.length} series shorter than ${minRows} rows${reason}: ${names}${skipped.length > 5 ? ', …' : ''}`);
  }
  if (series.length === 0) {
    throw bad(src, `no series has at least ${minRows} rows${options.minRowsReason ? ` (${options.minRowsReason})` : ''}`);
  }
  const categoricalLevels = Object.fromEntries(categorical.map((c) => [c, s.categorical[c]!.levels]));
  return { target, idColumn, timeColumn, features, series, source: src, skipped, warnings, ...(categorical.length ? { categoricalLevels } : {}) };
}
