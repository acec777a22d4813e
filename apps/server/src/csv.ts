/**
 * CSV content -> Series, through @seqcast/data's readCsv with a `{ text }` source: the submitted
 * body is always parsed as CSV text, never opened as a path or fetched as a URL. Training jobs
 * and the web page's `POST /v1/csv` both go through here, so the page shows exactly the errors
 * (with their file line) that a job would get.
 */
import { readCsv, readPanelCsv, type PanelCsv, type ReadCsvOptions, type ReadPanelOptions, type Series } from '@seqcast/data';
import { SeqcastError } from '@seqcast/core';
import { readFutureCsv } from '@seqcast/forecast';

/** The readCsv options a job may set (validated by the job schema). */
export type CsvTextOptions = Pick<ReadCsvOptions, 'delimiter' | 'newestFirst' | 'dateColumn' | 'missing'>;

/** The readPanelCsv options a panel job may set (validated by the job schema). */
export type PanelCsvOptions = Pick<ReadPanelOptions, 'delimiter' | 'idColumn' | 'timeColumn' | 'missing' | 'short'>;

/** The server's CSV limits (`maxCsvColumns`, `maxCsvCells`); every parse of a body takes them. */
export interface CsvLimits {
  maxCsvColumns: number;
  maxCsvCells: number;
}

/** readCsv's reading limits from the server's, named as the server names them. */
function readLimits(limits: CsvLimits): Pick<ReadCsvOptions, 'maxColumns' | 'maxCells' | 'limitNames'> {
  return {
    maxColumns: limits.maxCsvColumns,
    maxCells: limits.maxCsvCells,
    limitNames: { columns: 'server limit maxCsvColumns', cells: 'server limit maxCsvCells' },
  };
}

/**
 * Parse long-format panel CSV `text` (content only) for a model forecasting `target`
 * `horizon` steps ahead: a series needs two inputs and the horizon to train.
 */
export function parsePanelText(
  text: string,
  csv: PanelCsvOptions,
  o: { target: string; features?: string[]; futureFeatures?: string[]; staticFeatures?: string[]; horizon: number },
  limits: CsvLimits,
): Promise<PanelCsv> {
  // Every kind of covariate is a column read beside the target; text columns become categorical.
  const features = [...new Set([...(o.features ?? []), ...(o.futureFeatures ?? []), ...(o.staticFeatures ?? [])])];
  const read = readPanelCsv(
    { text },
    {
      ...csv,
      target: o.target,
      ...(features.length ? { features, categorical: 'auto' as const } : {}),
      minRows: o.horizon + 2,
      minRowsReason: `2 inputs + horizon ${o.horizon}`,
      limits: readLimits(limits),
    },
  );
  // A column the CSV lacks is named by the job option that asked for it.
  return read.catch((e: unknown) => {
    if (!(e instanceof SeqcastError) || e.details.where !== 'columns') throw e;
    const column = e.details.column;
    const lists = (['features', 'futureFeatures', 'staticFeatures'] as const).filter((k) => o[k]?.includes(column as string));
    const where = column === o.target ? 'options.target' : lists.length ? `options.${lists[0]}` : undefined;
    if (where === undefined) throw e;
    throw new SeqcastError(e.code, `${where}: ${e.message}`, { ...e.details, where });
  });
}

/**
 * Parse CSV `text` (content only).
 *
 * @example
 * const series = await parseCsvText('date,close\n2024-01-02,10\n2024-01-03,11\n', {}, DEFAULT_LIMITS);
 */
export function parseCsvText(text: string, options: CsvTextOptions, limits: CsvLimits): Promise<Series> {
  return readCsv({ text }, { ...options, ...readLimits(limits) });
}

import type { ParsedCsv, ParsedSeries } from './wire.js';

export type { ParsedSeries, ParsedCsv };

/** The id cell of the record starting on `line` (ids sit on a record's first line; quotes stripped). */
function idCells(text: string, lines: Int32Array, index: number, delimiter: string): string[] {
  const all = text.split(/\r\n|\n|\r/);
  return Array.from(lines, (l) => {
    const raw = (all[l - 1] ?? '').split(delimiter)[index] ?? '';
    return raw.trim().replace(/^"(.*)"$/, '$1');
  });
}

/**
 * Parse CSV content for display: every numeric column, oldest first, with file lines; a file with
 * an id column (`idColumn`, default the first text column) is split into its series, in order of
 * first appearance. `idColumn: null` keeps one series.
 *
 * @example
 * const p = await parseCsvForDisplay('id,t,y\na,1,5\nb,1,7\na,2,6\n', {}, undefined, DEFAULT_LIMITS);
 * p.series.map((s) => s.id);   // ['a', 'b']
 */
export async function parseCsvForDisplay(text: string, options: CsvTextOptions, idColumn: string | null | undefined, limits: CsvLimits): Promise<ParsedCsv> {
  const s = await parseCsvText(text, options, limits);
  const idName = idColumn === undefined ? (s.ignored[0] ?? null) : idColumn;
  const toJson = (id: string | null, rows: number[]): ParsedSeries => ({
    id,
    rows: rows.length,
    dates: s.dates ? rows.map((r) => s.dates![r]!) : null,
    lines: rows.map((r) => s.lines[r]!),
    values: Object.fromEntries(s.columns.map((c) => [c, rows.map((r) => s.values[c]![r]!)])),
  });
  const base = { columns: s.columns, dateColumn: s.dateColumn, ignored: s.ignored, delimiter: s.delimiter, droppedRows: s.droppedRows };
  if (idName === null)
    return {
      ...base,
      idColumn: null,
      series: [
        toJson(
          null,
          Array.from({ length: s.rows }, (_, r) => r),
        ),
      ],
    };
  const index = s.header.indexOf(idName);
  if (index < 0 || !s.ignored.includes(idName)) {
    throw new SeqcastError('BAD_ARGUMENT', `idColumn "${idName}" is not a text column of the CSV (text columns: ${s.ignored.join(', ') || 'none'})`, {
      where: 'idColumn',
    });
  }
  const ids = idCells(text, s.lines, index, s.delimiter);
  const groups = new Map<string, number[]>();
  ids.forEach((id, r) => {
    let g = groups.get(id);
    if (!g) groups.set(id, (g = []));
    g.push(r);
  });
  return { ...base, idColumn: idName, series: [...groups].map(([id, rows]) => toJson(id, rows)) };
}

/** A panel model's saved read layout (the columns and missing policy it was trained with). */
export interface PanelReadLayout {
  target: string;
  idColumn: string | null;
  timeColumn: string | null;
  features: string[];
  missing: 'error' | 'drop' | 'ffill';
}

/** The future file of a panel forecast as the page sends it, with what the model reads from it. */
export interface FutureCsvRequest {
  /** CSV content: the id and time columns and the future-known columns for the next `steps` steps. */
  text: string;
  steps: number;
  /** The model's future-known columns, and those of them that are categorical. */
  columns: readonly string[];
  categorical: readonly string[];
}

/**
 * Parse panel CSV content with a panel model's saved layout, exactly as `forecast predict` reads
 * it (readPanelCsv, every series sorted by its time column, a short series an error; text
 * covariate columns as their level names in `labels`). With `future`, the future file is read as
 * `forecast predict --future` reads it, each series' next `steps` values in its `future`.
 *
 * @example
 * const p = await parsePanelForDisplay('id,t,y\na,1,5\na,2,6\n', { target: 'y', idColumn: 'id', timeColumn: 't', features: [], missing: 'error' }, DEFAULT_LIMITS);
 */
export async function parsePanelForDisplay(text: string, layout: PanelReadLayout, limits: CsvLimits, future?: FutureCsvRequest): Promise<ParsedCsv> {
  const panel = await readPanelCsv(
    { text },
    {
      target: layout.target,
      idColumn: layout.idColumn,
      timeColumn: layout.timeColumn,
      features: layout.features,
      ...(layout.features.length ? { categorical: 'auto' as const } : {}),
      missing: layout.missing,
      short: 'error',
      ...readLimits(limits),
    },
  );
  const ahead = future
    ? await readFutureCsv({ text: future.text, name: '<future>' }, panel, {
        idColumn: layout.idColumn ?? '',
        timeColumn: layout.timeColumn,
        columns: future.columns,
        categorical: future.categorical,
        steps: future.steps,
      })
    : undefined;
  const levels = panel.categoricalLevels ?? {};
  const numeric = layout.features.filter((f) => !levels[f]);
  return {
    columns: [layout.target, ...numeric],
    dateColumn: layout.timeColumn,
    idColumn: layout.idColumn,
    ignored: [],
    delimiter: ',',
    droppedRows: 0,
    series: panel.series.map((s) => {
      const next = ahead?.get(s.id);
      return {
        id: layout.idColumn === null ? null : s.id,
        rows: s.values.length,
        dates: s.times ? [...s.times] : null,
        lines: s.lines ? Array.from(s.lines) : [],
        values: { [layout.target]: Array.from(s.values), ...Object.fromEntries(numeric.map((f) => [f, Array.from(s.features[f]!)])) },
        ...(Object.keys(levels).length
          ? { labels: Object.fromEntries(Object.entries(levels).map(([f, l]) => [f, Array.from(s.categorical![f]!, (code) => l[code] ?? '')])) }
          : {}),
        ...(next ? { future: Object.fromEntries(Object.entries(next.columns).map(([f, v]) => [f, Array.from(v as ArrayLike<number | string>)])) } : {}),
      };
    }),
  };
}
