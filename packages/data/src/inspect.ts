/**
 * What `seqcast data inspect` reports about a CSV: rows, numeric columns, the date column and
 * the file's order, per-column min/max/mean, and every missing or questionable cell with its
 * file line. Kept here (not in the CLI) so the server can report the same thing for uploads.
 */
import { readCsv, type CsvSource, type DateIssue, type ReadCsvOptions } from './read.js';
import { describeSeries } from './describe.js';

/**
 * Options for {@link inspectCsv}: readCsv's, with `missing` defaulting to `keep` (report, don't
 * fail) and `categorical` to `'auto'` (text columns are reported with their levels).
 */
export type InspectOptions = ReadCsvOptions;

/** The `data inspect --json` document. */
export interface Inspection {
  source: string;
  rows: number;
  /** Numeric columns, file order. */
  columns: string[];
  dateColumn: string | null;
  order: 'oldest-first' | 'newest-first' | 'unknown';
  /** Missing cells, `line` = 1-based file line. */
  missing: { column: string; line: number }[];
  /** Per numeric column (null where a column has no value). */
  stats: Record<string, { min: number | null; max: number | null; mean: number | null }>;
  delimiter: string;
  /** All column names and where they came from. */
  header: string[];
  headerKind: 'row' | 'comment' | 'none';
  /** Text-only columns left out. */
  ignored: string[];
  dateIssues: DateIssue[];
  droppedRows: number;
  /** First/last date after ordering oldest-first (null without a date column). */
  firstDate: string | null;
  lastDate: string | null;
  /** The columns combined into the dates (year, month, …), or null. */
  timeColumns: string[] | null;
  /** Text columns: their levels (sorted) and rows per level. */
  categorical: Record<string, { levels: string[]; counts: number[] }>;
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * Inspect a CSV without failing on missing cells (they are listed instead).
 *
 * @example
 * const r = await inspectCsv({ path: '../shared/data/stock_daily.csv' });
 * r.rows;     // 732
 * r.columns;  // ['Open', 'High', 'Low', 'Volume', 'Close']
 */
export async function inspectCsv(source: CsvSource, options: InspectOptions = {}): Promise<Inspection> {
  const s = await readCsv(source, { ...options, missing: options.missing ?? 'keep', categorical: options.categorical ?? 'auto' });
  const st = await describeSeries(s);
  const stats: Inspection['stats'] = {};
  for (const c of s.columns) stats[c] = { min: num(st[c]!.min), max: num(st[c]!.max), mean: num(st[c]!.mean) };
  return {
    source: s.source,
    rows: s.rows,
    columns: s.columns,
    dateColumn: s.dateColumn,
    order: s.order,
    missing: s.missing,
    stats,
    delimiter: s.delimiter,
    header: s.header,
    headerKind: s.headerKind,
    ignored: s.ignored,
    dateIssues: s.dateIssues,
    droppedRows: s.droppedRows,
    firstDate: s.dates ? (s.dates[0] ?? null) : null,
    lastDate: s.dates ? (s.dates[s.dates.length - 1] ?? null) : null,
    timeColumns: s.timeColumns,
    categorical: Object.fromEntries(Object.entries(s.categorical).map(([k, c]) => [k, { levels: c.levels, counts: c.counts }])),
  };
}

function fmt(v: number | null): string {
  if (v === null) return '-';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(2) : v.toPrecision(6);
}

const LIST_MAX = 20;

function orderNote(r: Inspection): string {
  if (r.dateColumn) {
    const how = r.order === 'oldest-first' ? '' : r.order === 'newest-first' ? '; reversed to oldest-first' : '; sorted oldest-first';
    return ` (by ${r.dateColumn}${how})`;
  }
  if (r.order === 'newest-first') return ' (as told by --newest-first; reversed to oldest-first)';
  return ' (no date column; rows kept as given — pass --newest-first if the file lists newest first)';
}

/**
 * Human-readable lines for an {@link Inspection}.
 *
 * @example
 * for (const line of formatInspection(r)) console.log(line);
 */
export function formatInspection(r: Inspection): string[] {
  const delim = r.delimiter === '\t' ? 'tab' : `"${r.delimiter}"`;
  const out = [
    `file        ${r.source}`,
    `rows        ${r.rows}${r.droppedRows ? ` (${r.droppedRows} dropped)` : ''}`,
    `columns     ${r.columns.join(', ')}`,
    `header      ${r.headerKind === 'row' ? 'header row' : r.headerKind === 'comment' ? 'commented header' : 'none (named col0..)'}, delimiter ${delim}`,
    `date column ${r.dateColumn ?? 'none'}${r.firstDate !== null ? ` (${r.firstDate} .. ${r.lastDate})` : ''}`,
    `order       ${r.order}${orderNote(r)}`,
  ];
  if (r.timeColumns) out.push(`time        combined from columns ${r.timeColumns.join(', ')} (pass --time-columns to choose others)`);
  for (const [name, c] of Object.entries(r.categorical)) {
    const shown = c.levels.slice(0, LIST_MAX).map((l, k) => `${l} ${c.counts[k]}`);
    out.push(`categorical ${name}: ${c.levels.length} level(s): ${shown.join(', ')}${c.levels.length > LIST_MAX ? ', …' : ''}`);
  }
  if (r.ignored.length) out.push(`ignored     ${r.ignored.join(', ')} (no numeric cell)`);
  out.push('');
  const w = Math.max(6, ...r.columns.map((c) => c.length));
  out.push(`${'column'.padEnd(w)}  ${'min'.padStart(14)}  ${'max'.padStart(14)}  ${'mean'.padStart(14)}`);
  for (const c of r.columns) {
    const s = r.stats[c]!;
    out.push(`${c.padEnd(w)}  ${fmt(s.min).padStart(14)}  ${fmt(s.max).padStart(14)}  ${fmt(s.mean).padStart(14)}`);
  }
  out.push('');
  if (r.missing.length === 0) out.push('missing     none');
  else {
    const shown = r.missing.slice(0, LIST_MAX).map((m) => `${m.column}@${m.line}`);
    out.push(`missing     ${r.missing.length} cell(s): ${shown.join(', ')}${r.missing.length > LIST_MAX ? ', …' : ''}`);
  }
  if (r.dateIssues.length) {
    const shown = r.dateIssues
      .slice(0, LIST_MAX)
      .map((d) =>
        d.kind === 'duplicate-date'
          ? `line ${d.line}: duplicate ${d.value} (first at line ${d.firstLine})`
          : `line ${d.line}: bad date ${JSON.stringify(d.value)}`,
      );
    out.push(`date issues ${r.dateIssues.length}: ${shown.join('; ')}${r.dateIssues.length > LIST_MAX ? '; …' : ''}`);
  }
  return out;
}
