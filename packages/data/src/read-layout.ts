/**
 * The layout of a CSV, read from a sample of its start before any row is parsed: delimiter, line
 * ends, header, and the roles of the columns (dates, split time columns, categorical columns).
 */
import { SeqcastError } from '@seqcast/core/errors';
import { DELIMITERS, RecordSplitter, detectDelimiter, isNumeric, type Delimiter } from './csv.js';
import { detectDayFirst, isDateName, parseDate } from './dates.js';
import { textColumnsOf } from './categorical.js';
import { checkTimeColumns, detectTimeColumns } from './time-columns.js';
import { DEFAULT_MAX_COLUMNS, type ReadCsvOptions } from './read-types.js';

export const SAMPLE_BYTES = 64 * 1024;
export function bad(source: string, line: number | null, message: string, extra: Record<string, unknown> = {}): SeqcastError {
  const where = line ? `${source}:${line}` : source;
  return new SeqcastError('BAD_INPUT', `${where}: ${message}`, { where, ...extra });
}

export function quoteCell(s: string): string {
  const t = s.length > 40 ? s.slice(0, 40) + '…' : s;
  return JSON.stringify(t);
}

/** The layout decided from the first 64 KB. */
export interface Layout {
  delimiter: Delimiter;
  newline: '\n' | '\r';
  header: string[];
  headerKind: 'row' | 'comment' | 'none';
  /** File line of the header row (skipped when records are read), 0 if none. */
  headerLine: number;
  dateIndex: number;
  /** Columns combined into the date (year, month, …), or null. */
  timeIndices: number[] | null;
  /** Columns read as categorical. */
  categoricalIndices: number[];
}

function looksLikeValue(cell: string, d: Delimiter): boolean {
  return isNumeric(cell, d === ';') || !Number.isNaN(parseDate(cell));
}

function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((raw, i) => {
    let name = raw.trim() || `col${i}`;
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    if (k > 0) name = `${name}.${k}`;
    return name;
  });
}

export function detectLayout(sample: string, atEof: boolean, source: string, opts: ReadCsvOptions): Layout {
  if (sample.charCodeAt(0) === 0xfeff) sample = sample.slice(1);
  const newline: '\n' | '\r' = sample.indexOf('\n') < 0 && sample.indexOf('\r') >= 0 ? '\r' : '\n';
  // Cut at the last complete line unless the sample is the whole input.
  let text = sample;
  if (!atEof) {
    const cut = text.lastIndexOf(newline);
    if (cut > 0) text = text.slice(0, cut);
  }
  const rawLines = text.split(newline).map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const dataLines = rawLines.filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  let delimiter: Delimiter;
  if (opts.delimiter !== undefined) {
    if (!DELIMITERS.includes(opts.delimiter)) {
      throw new SeqcastError('BAD_ARGUMENT', `delimiter must be one of "," ";" tab (received ${JSON.stringify(opts.delimiter)})`, { where: 'delimiter' });
    }
    delimiter = opts.delimiter;
  } else {
    delimiter = detectDelimiter(dataLines, looksLikeValue);
  }
  const decimalComma = delimiter === ';';

  const records: { fields: string[]; line: number }[] = [];
  const comments: { text: string; line: number }[] = [];
  const sp = new RecordSplitter(
    delimiter,
    (fields, line) => {
      if (records.length < 200) records.push({ fields, line });
    },
    (t, line) => {
      if (records.length === 0) comments.push({ text: t, line });
    },
    newline,
  );
  sp.push(text);
  sp.end();
  if (records.length === 0) {
    throw bad(source, null, sample.trim() === '' ? 'empty input (no rows)' : 'no data rows (only comments or blank lines)');
  }
  const first = records[0]!;
  // Trailing empty cells (`1,2,3,`) do not make a column.
  const used = (f: string[]): number => {
    let k = f.length;
    while (k > 1 && f[k - 1]!.trim() === '') k--;
    return k;
  };
  const maxColumns = opts.maxColumns ?? DEFAULT_MAX_COLUMNS;
  const tooWide = (width: number): SeqcastError => {
    const limit = opts.limitNames?.columns ?? 'maxColumns';
    return new SeqcastError('TOO_LARGE', `${source}:${first.line}: ${width} columns, over the limit of ${maxColumns} columns (${limit})`, {
      where: limit,
      line: first.line,
    });
  };
  // Before classifying any cell: the first row's width is the header's, or at most the file's.
  if (used(first.fields) > maxColumns) throw tooWide(used(first.fields));
  const second = records[1];
  const isText = (c: string): boolean => c.trim() !== '' && !isNumeric(c, decimalComma) && Number.isNaN(parseDate(c));
  const secondIsValue = (i: number): boolean => {
    if (!second) return true;
    const c = second.fields[i] ?? '';
    return c.trim() === '' || isNumeric(c, decimalComma) || !Number.isNaN(parseDate(c));
  };
  // A header row has a text cell where the next row has a value (or there is no next row).
  // (A sample with no value at all — every cell text — also takes its first row as names, so
  // the "no numeric column" error can name them.)
  const anyValue = records.some((r) => r.fields.some((c) => c.trim() !== '' && !isText(c)));
  const hasHeaderRow = first.fields.some((c, i) => isText(c) && secondIsValue(i)) || !anyValue;
  let header: string[];
  let headerKind: Layout['headerKind'];
  let headerLine = 0;
  const dataStart = hasHeaderRow ? 1 : 0;
  const headerCells = hasHeaderRow ? first.fields.slice(0, used(first.fields)) : [];
  let width = headerCells.length;
  if (!hasHeaderRow) for (const r of records.slice(0, 50)) width = Math.max(width, used(r.fields));
  if (width > maxColumns) throw tooWide(width);
  if (hasHeaderRow) {
    header = uniqueNames(headerCells);
    headerKind = 'row';
    headerLine = first.line;
  } else {
    // A commented header: the last comment before the data whose cells are names, one per column.
    let found: string[] | null = null;
    for (let i = comments.length - 1; i >= 0 && !found; i--) {
      const cells = comments[i]!.text.trim()
        .split(delimiter)
        .map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
      if (cells.length === width && cells.every((c) => c !== '' && !isNumeric(c, decimalComma))) found = cells;
    }
    if (found) {
      header = uniqueNames(found);
      headerKind = 'comment';
    } else {
      header = Array.from({ length: width }, (_, i) => `col${i}`);
      headerKind = 'none';
    }
  }
  while (header.length < width) header.push(`col${header.length}`);

  // Date column: named, or explicitly given, or every sampled cell is a date (and not a number).
  let dateIndex = -1;
  if (opts.timeColumns && typeof opts.dateColumn === 'string') {
    throw new SeqcastError('BAD_ARGUMENT', 'give dateColumn or timeColumns, not both', { where: 'timeColumns' });
  }
  if (opts.timeColumns) {
    // The split timestamp given: no date column.
  } else if (typeof opts.dateColumn === 'string') {
    dateIndex = header.indexOf(opts.dateColumn);
    if (dateIndex < 0) {
      throw new SeqcastError('BAD_ARGUMENT', `dateColumn "${opts.dateColumn}" is not a column of ${source} (columns: ${header.join(', ')})`, {
        where: 'dateColumn',
      });
    }
  } else if (opts.dateColumn === undefined) {
    const body = records.slice(dataStart, dataStart + 100);
    for (let i = 0; i < header.length && dateIndex < 0; i++) {
      if (opts.keyColumns?.includes(header[i]!)) continue;
      const cells = body.map((r) => (r.fields[i] ?? '').trim()).filter((c) => c !== '');
      if (cells.length === 0) continue;
      const named = isDateName(header[i]!);
      const df = detectDayFirst(cells);
      const dayFirst = typeof df === 'boolean' ? df : undefined;
      const dates = cells.filter((c) => !Number.isNaN(parseDate(c, { loose: named, dayFirst }))).length;
      const numbers = cells.filter((c) => isNumeric(c, decimalComma)).length;
      if (named ? dates >= 0.5 * cells.length : dates === cells.length && numbers === 0) dateIndex = i;
    }
  }
  // Or a timestamp split across columns: given, or year/month/day[/hour[/minute]] found by name
  // when no other column is the date (the ordinary detection takes `year` alone for one).
  let split = opts.timeColumns ?? null;
  if (opts.timeColumns === undefined && opts.dateColumn === undefined) {
    const found = detectTimeColumns(header);
    if (found && (dateIndex < 0 || found.includes(header[dateIndex]!))) split = found;
  }
  const timeIndices = split ? checkTimeColumns(split, header, source) : null;
  if (timeIndices) dateIndex = -1;
  const categoricalIndices =
    opts.categorical === 'auto'
      ? textColumnsOf(records.slice(dataStart), header.length, decimalComma, (c) => !Number.isNaN(parseDate(c))).filter(
          (i) => i !== dateIndex && !timeIndices?.includes(i) && !opts.keyColumns?.includes(header[i]!) && (!opts.columns || opts.columns.includes(header[i]!)),
        )
      : (opts.categorical ?? []).map((c) => {
          const i = header.indexOf(c);
          if (i < 0) throw new SeqcastError('BAD_ARGUMENT', `unknown column "${c}" in ${source} (available: ${header.join(', ')})`, { where: 'categorical' });
          return i;
        });
  return { delimiter, newline, header, headerKind, headerLine, dateIndex, timeIndices, categoricalIndices };
}
