/**
 * readCsv: a path, a string or a stream of CSV in; a clean, oldest-first {@link Series} of
 * Float64Array columns out, with the 1-based file line of every row so that every problem is
 * reported as `file:line` and column.
 *
 * Why not danfojs-node's readCSV here: it opens anything that looks like a path and fetches
 * anything that looks like a URL (the server passes untrusted bodies as `{text}`), it cannot say
 * which file line a row came from, and its DataFrame costs ~600 MB and minutes to sort at the
 * 1,000,000-row target. So reading, ordering and missing-value handling run on typed arrays in a
 * single streaming pass; danfo is used for column statistics and DataFrame interop (describe.ts).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { TextDecoder } from 'node:util';
import { SeqcastError } from '@seqcast/core/errors';
import { DELIMITERS, MISSING, RecordSplitter, detectDelimiter, isNumeric, parseCell, parsePlainDecimal, type Delimiter } from './csv.js';
import { badDateAdvice, detectDayFirst, isDateName, parseDate } from './dates.js';
import { applyCategoricalMissing, categoricalOf, recount, textColumnsOf, type CategoricalColumn } from './categorical.js';
import { checkTimeColumns, composeTimestamps, detectTimeColumns, timeColumnsName } from './time-columns.js';

/** Where the CSV comes from. `{text}` is CONTENT: never opened as a path, never fetched as a URL. */
export type CsvSource = { path: string } | { text: string } | { stream: NodeJS.ReadableStream };

/** What to do with an empty (or NA/null) cell in a numeric column. */
export type MissingPolicy = 'error' | 'drop' | 'ffill' | 'keep';

/** Options for {@link readCsv}. Every field is optional; defaults are documented per field. */
export interface ReadCsvOptions {
  /** Cell delimiter. Default: detected from the first lines (`,`, `;` or tab). */
  delimiter?: Delimiter;
  /** Without a date column, the file lists newest rows first: reverse it. Default false. */
  newestFirst?: boolean;
  /** Name of the date column. Default (undefined): detected; `null`: the file has none. */
  dateColumn?: string | null;
  /**
   * Missing cells: `error` (default) fails naming the first one; `drop` removes the row;
   * `ffill` carries the previous (older) value forward, dropping leading rows with nothing to
   * carry; `keep` leaves NaN (for inspection). Whatever the policy, `Series.missing` lists them.
   */
  missing?: MissingPolicy;
  /**
   * Columns that must be numeric; only these are parsed. Default: every non-date column, except
   * that a column with no numeric cell at all (e.g. a ticker symbol) is left out and listed in
   * `Series.ignored`.
   */
  columns?: string[];
  /**
   * Columns returned as raw text cells (`Series.keys`), aligned with rows, e.g. a panel's id and
   * time columns. They are not parsed as numbers. Default none.
   */
  keyColumns?: string[];
  /**
   * Most columns the file may have. Default {@link DEFAULT_MAX_COLUMNS} (10,000). Checked on the
   * first rows, before any column buffer exists; over it: TOO_LARGE (HTTP 413, CLI exit 3).
   */
  maxColumns?: number;
  /**
   * Most cells (data rows × columns) read; reading stops at the first row over it with TOO_LARGE,
   * so memory stays proportional to the limit whatever the input's size. Default unlimited.
   */
  maxCells?: number;
  /** Most data rows read; reading stops at the first row over it with TOO_LARGE. Default unlimited. */
  maxRows?: number;
  /**
   * How the limits are named in their messages (e.g. the server's `maxCsvColumns`, or the CLI's
   * training memory budget). Default: the option names.
   */
  limitNames?: { columns?: string; cells?: string; rows?: string };
  /**
   * A timestamp split across columns, in the order year, month, day, hour, minute (any prefix,
   * e.g. `['year', 'month', 'day', 'hour']`): combined into one date per row (`2010-01-02 05:00`)
   * that orders the rows like a date column. Default (undefined): year, month and day columns
   * (and hour, minute) are found by name when `dateColumn` is not given; `null`: never.
   */
  timeColumns?: string[] | null;
  /**
   * Text columns returned as levels + codes (`Series.categorical`) instead of numbers: the
   * columns named, or with `'auto'` every column whose first rows hold only text (instead of
   * listing it in `ignored`; with `columns`, only among them). Missing cells follow `missing`
   * like numeric ones. Default none.
   */
  categorical?: string[] | 'auto';
}

/** Default {@link ReadCsvOptions.maxColumns}: wider files are refused before any column buffer exists. */
export const DEFAULT_MAX_COLUMNS = 10_000;

/** A problem with a row's date. */
export interface DateIssue {
  kind: 'duplicate-date' | 'bad-date';
  line: number;
  value: string;
  /** For a duplicate: the earliest file line with that date (`line` is the later one). */
  firstLine?: number;
}

/** A numeric time series, always oldest-first. */
export interface Series {
  /** Numeric columns, file order. */
  columns: string[];
  values: Record<string, Float64Array>;
  dateColumn: string | null;
  /** Original date strings aligned with rows (null without a date column). */
  dates: string[] | null;
  /** Order as found in the file. */
  order: 'oldest-first' | 'newest-first' | 'unknown';
  /** 1-based file line of each row. */
  lines: Int32Array;
  /** Every missing cell with its file line (in line order), whatever the policy did with it. */
  missing: { column: string; line: number }[];
  rows: number;
  /** The path, or `<text>` / `<stream>`. */
  source: string;
  /** Every column name of the file (header or comment header or col0..), file order. */
  header: string[];
  /** Where the names came from. */
  headerKind: 'row' | 'comment' | 'none';
  delimiter: Delimiter;
  /** Non-date columns left out because none of their cells is a number. */
  ignored: string[];
  /** Duplicate dates (kept, in order) and unusable dates (rows dropped unless policy `error`). */
  dateIssues: DateIssue[];
  /** Rows removed by the missing policy or because of a bad date. */
  droppedRows: number;
  /** Raw cells of `ReadCsvOptions.keyColumns`, aligned with rows (empty object without them). */
  keys: Record<string, string[]>;
  /** The columns combined into `dates` (see {@link ReadCsvOptions.timeColumns}); null otherwise. */
  timeColumns: string[] | null;
  /** Categorical columns (see {@link ReadCsvOptions.categorical}), file order; empty without them. */
  categorical: Record<string, CategoricalColumn>;
}

const SAMPLE_BYTES = 64 * 1024;

/**
 * Growable Float64Array. It starts small (one per column: a wide header must not reserve kilobytes
 * per column) and doubles, so its memory is at most twice the cells actually read.
 */
const INITIAL_CAPACITY = 8;
class F64 {
  a = new Float64Array(INITIAL_CAPACITY);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}
class I32 {
  a = new Int32Array(INITIAL_CAPACITY);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

function bad(source: string, line: number | null, message: string, extra: Record<string, unknown> = {}): SeqcastError {
  const where = line ? `${source}:${line}` : source;
  return new SeqcastError('BAD_INPUT', `${where}: ${message}`, { where, ...extra });
}

function quoteCell(s: string): string {
  const t = s.length > 40 ? s.slice(0, 40) + '…' : s;
  return JSON.stringify(t);
}

/** The layout decided from the first 64 KB. */
interface Layout {
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

function detectLayout(sample: string, atEof: boolean, source: string, opts: ReadCsvOptions): Layout {
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

const DATE_ROLE = -2;
const UNUSED_ROLE = -1;
/** Key column k has role KEY_ROLE - k. */
const KEY_ROLE = -3;

/** Copy a cell: a substring would keep its whole 1 MB input chunk alive (V8 sliced strings). */
function ownCopy(s: string): string {
  return (' ' + s.trim()).slice(1);
}

/** Collects parsed cells; one instance per read. */
class Collector {
  readonly values: F64[];
  readonly numericCount: Float64Array;
  readonly firstText: ({ line: number; value: string } | null)[];
  readonly lines = new I32();
  readonly dates: string[] | null;
  readonly keys: string[][];
  /** (column slot, line) pairs of missing cells, file order. */
  readonly missing = new I32();
  private readonly cell = { kind: 0 };
  private readonly roles: Int32Array;
  private readonly decimalComma: boolean;
  /** Rows allowed by `maxCells` and `maxRows`: checked per row, so reading stops as soon as one is passed. */
  private readonly rowsByCells: number;
  private readonly maxRows: number;
  extraFields: { line: number; count: number } | null = null;

  constructor(
    private readonly layout: Layout,
    private readonly indices: number[],
    private readonly strict: boolean,
    private readonly source: string,
    private readonly names: string[],
    private readonly keyIndices: number[] = [],
    private readonly limits: Pick<ReadCsvOptions, 'maxCells' | 'maxRows' | 'limitNames'> = {},
  ) {
    this.rowsByCells = limits.maxCells === undefined ? Infinity : Math.floor(limits.maxCells / Math.max(1, layout.header.length));
    this.maxRows = Math.min(this.rowsByCells, limits.maxRows ?? Infinity);
    this.keys = keyIndices.map(() => []);
    this.values = indices.map(() => new F64());
    this.numericCount = new Float64Array(indices.length);
    this.firstText = indices.map(() => null);
    this.dates = layout.dateIndex >= 0 ? [] : null;
    this.decimalComma = layout.delimiter === ';';
    // Role of each file column: numeric slot (>= 0), the date column, or unused.
    this.roles = new Int32Array(layout.header.length).fill(UNUSED_ROLE);
    indices.forEach((c, j) => (this.roles[c] = j));
    if (layout.dateIndex >= 0) this.roles[layout.dateIndex] = DATE_ROLE;
    keyIndices.forEach((c, k) => (this.roles[c] = KEY_ROLE - k));
  }

  /** Count a row, refusing the first one over `maxCells`. */
  private addRow(line: number): void {
    if (this.lines.n >= this.maxRows) {
      if (this.lines.n < this.rowsByCells) {
        const limit = this.limits.limitNames?.rows ?? 'maxRows';
        throw new SeqcastError('TOO_LARGE', `${this.source}:${line}: more than ${this.limits.maxRows} rows, over the limit (${limit})`, { where: limit, line });
      }
      const limit = this.limits.limitNames?.cells ?? 'maxCells';
      const width = this.layout.header.length;
      throw new SeqcastError(
        'TOO_LARGE',
        `${this.source}:${line}: more than ${this.limits.maxCells} cells (${this.lines.n} rows × ${width} columns so far), over the limit (${limit})`,
        { where: limit, line },
      );
    }
    this.lines.push(line);
  }

  /**
   * The hot path: a record without quotes, scanned in place. Plain decimals are parsed from the
   * line without creating a string per cell; anything else goes through parseCell.
   */
  addLine(l: string, line: number): void {
    const L = this.layout;
    if (line === L.headerLine) return;
    const delim = L.delimiter;
    const roles = this.roles;
    const width = L.header.length;
    this.addRow(line);
    let pos = 0;
    let col = 0;
    for (; ; col++) {
      let end = l.indexOf(delim, pos);
      if (end < 0) end = l.length;
      if (col < width) {
        const role = roles[col]!;
        if (role >= 0) {
          let v = end > pos ? parsePlainDecimal(l, pos, end) : undefined;
          if (v !== undefined) {
            this.numericCount[role]!++;
          } else {
            v = this.parseOther(l.slice(pos, end), role, line);
          }
          this.values[role]!.push(v);
        } else if (role === DATE_ROLE) {
          // Copy the cell: a substring would keep its whole 1 MB input chunk alive (V8 sliced
          // strings), which at 1M rows holds the entire file in memory (~100 MB more heap).
          this.dates!.push((' ' + l.slice(pos, end).trim()).slice(1));
        } else if (role <= KEY_ROLE) {
          this.keys[KEY_ROLE - role]!.push(ownCopy(l.slice(pos, end)));
        }
      } else if (l.slice(pos, end).trim() !== '' && !this.extraFields) {
        // Trailing empty cells (`1,2,3,`) are harmless; real extra cells are an error.
        this.extraFields = { line, count: l.split(delim).length };
      }
      if (end === l.length) break;
      pos = end + delim.length;
    }
    // A short row: the remaining columns are missing.
    if (col + 1 < width) {
      for (let c = col + 1; c < width; c++) {
        const role = roles[c]!;
        if (role >= 0) {
          this.missing.push(role);
          this.missing.push(line);
          this.values[role]!.push(NaN);
        } else if (role === DATE_ROLE) this.dates!.push('');
        else if (role <= KEY_ROLE) this.keys[KEY_ROLE - role]!.push('');
      }
    }
  }

  private parseOther(s: string, j: number, line: number): number {
    const cell = this.cell;
    const v = parseCell(s, this.decimalComma, cell);
    if (cell.kind === 0) this.numericCount[j]!++;
    else if (cell.kind === MISSING) {
      this.missing.push(j);
      this.missing.push(line);
    } else {
      if (this.strict) {
        throw bad(this.source, line, `column "${this.names[j]}": ${quoteCell(s)} is not a number`, { column: this.names[j], line });
      }
      if (!this.firstText[j]) this.firstText[j] = { line, value: s };
    }
    return v;
  }

  add(fields: string[], line: number): void {
    const L = this.layout;
    if (line === L.headerLine) return;
    if (fields.length > L.header.length) {
      // Trailing empty cells (`1,2,3,`) are harmless; real extra cells are an error.
      for (let k = L.header.length; k < fields.length; k++) {
        if (fields[k]!.trim() !== '') {
          if (!this.extraFields) this.extraFields = { line, count: fields.length };
          break;
        }
      }
    }
    this.addRow(line);
    if (this.dates) {
      // Copy the cell: a substring would keep its whole 1 MB input chunk alive (V8 sliced
      // strings), which at 1M rows holds the entire file in memory (~100 MB more heap).
      this.dates.push((' ' + (fields[L.dateIndex] ?? '').trim()).slice(1));
    }
    for (let k = 0; k < this.keyIndices.length; k++) this.keys[k]!.push(ownCopy(fields[this.keyIndices[k]!] ?? ''));
    const idx = this.indices;
    for (let j = 0; j < idx.length; j++) {
      const s = fields[idx[j]!];
      if (s === undefined) {
        this.missing.push(j);
        this.missing.push(line);
        this.values[j]!.push(NaN);
      } else {
        this.values[j]!.push(this.parseOther(s, j, line));
      }
    }
  }
}

/**
 * Text is read in slices of about this many characters (to a line end) with the event loop turning
 * between them, as a file's chunks are: a server parsing a 1 MB body keeps answering meanwhile.
 */
const TEXT_SLICE = 1 << 16;

async function* chunksOf(source: CsvSource): AsyncGenerator<string> {
  if ('text' in source) {
    const text = source.text;
    if (typeof text !== 'string') throw new SeqcastError('BAD_ARGUMENT', 'text must be a string', { where: 'text' });
    if (text.length <= TEXT_SLICE) return yield text;
    for (let from = 0; from < text.length;) {
      // Slices end at a line end, so a row (and the first row's width check) is never split.
      const end = text.indexOf('\n', from + TEXT_SLICE);
      const to = end < 0 ? text.length : end + 1;
      if (from > 0) await new Promise((turn) => setImmediate(turn));
      yield text.slice(from, to);
      from = to;
    }
    return;
  }
  let stream: NodeJS.ReadableStream;
  if ('path' in source) {
    try {
      const st = await stat(source.path);
      if (st.isDirectory()) throw bad(source.path, null, 'is a directory, not a CSV file');
    } catch (e) {
      if (e instanceof SeqcastError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new SeqcastError('NOT_FOUND', `${source.path}: no such file`, { where: source.path }, { cause: e });
      throw bad(source.path, null, `cannot read (${code ?? String(e)})`);
    }
    stream = createReadStream(source.path, { highWaterMark: 1 << 20 });
  } else if ('stream' in source) {
    stream = source.stream;
  } else {
    throw new SeqcastError('BAD_ARGUMENT', 'source must be {path}, {text} or {stream}', { where: 'source' });
  }
  let decoder: TextDecoder | null = null;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      if (typeof chunk === 'string') {
        if (chunk.length) yield chunk;
        continue;
      }
      // UTF-8 unless the file starts with a UTF-16 BOM (Excel's "Unicode text" export).
      decoder ??= new TextDecoder(chunk[0] === 0xff && chunk[1] === 0xfe ? 'utf-16le' : chunk[0] === 0xfe && chunk[1] === 0xff ? 'utf-16be' : 'utf-8');
      const s = decoder.decode(chunk, { stream: true });
      if (s.length) yield s;
    }
  } catch (e) {
    if (e instanceof SeqcastError) throw e;
    const name = 'path' in source ? source.path : '<stream>';
    throw bad(name, null, `read failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  const tail = decoder?.decode() ?? '';
  if (tail.length) yield tail;
}

function sourceName(source: CsvSource): string {
  if ('path' in source) return source.path;
  if ('text' in source) return '<text>';
  return '<stream>';
}

/**
 * Read a CSV time series.
 *
 * @example
 * const s = await readCsv({ path: '../shared/data/stock_daily.csv' }, { newestFirst: true });
 * s.rows;            // 732
 * s.columns;         // ['Open', 'High', 'Low', 'Volume', 'Close']
 * s.values.Close[0]; // the oldest close
 * s.lines[0];        // 734: the file line that row came from
 */
export async function readCsv(source: CsvSource, options: ReadCsvOptions = {}): Promise<Series> {
  const name = sourceName(source);
  const policy: MissingPolicy = options.missing ?? 'error';
  if (!['error', 'drop', 'ffill', 'keep'].includes(policy)) {
    throw new SeqcastError('BAD_ARGUMENT', `missing must be one of error, drop, ffill, keep (received ${JSON.stringify(policy)})`, { where: 'missing' });
  }
  let layout: Layout | null = null;
  let collector: Collector | null = null;
  let splitter: RecordSplitter | null = null;
  let sample = '';
  let numericIdx: number[] = [];
  let names: string[] = [];
  let keyNames: string[] = [];

  const start = (atEof: boolean): void => {
    layout = detectLayout(sample, atEof, name, options);
    const L = layout;
    if (options.columns) {
      if (!Array.isArray(options.columns) || options.columns.length === 0) {
        throw new SeqcastError('BAD_ARGUMENT', 'columns must be a non-empty array of column names', { where: 'columns' });
      }
      for (const c of options.columns) {
        const i = L.header.indexOf(c);
        if (i < 0) throw new SeqcastError('BAD_ARGUMENT', `unknown column "${c}" in ${name} (available: ${L.header.join(', ')})`, { where: 'columns' });
        if (i === L.dateIndex || L.timeIndices?.includes(i))
          throw new SeqcastError(
            'BAD_ARGUMENT',
            `column "${c}" is ${i === L.dateIndex ? 'the date column' : 'a time column'} of ${name}; it cannot be numeric`,
            {
              where: 'columns',
            },
          );
      }
      numericIdx = L.header.map((_, i) => i).filter((i) => options.columns!.includes(L.header[i]!));
    } else {
      numericIdx = L.header.map((_, i) => i).filter((i) => i !== L.dateIndex);
    }
    const keyIdx = (options.keyColumns ?? []).map((k) => {
      const i = L.header.indexOf(k);
      if (i < 0) throw new SeqcastError('BAD_ARGUMENT', `unknown column "${k}" in ${name} (available: ${L.header.join(', ')})`, { where: 'keyColumns' });
      return i;
    });
    // Time and categorical columns are read as raw text beside the key columns.
    for (const i of [...(L.timeIndices ?? []), ...L.categoricalIndices]) if (!keyIdx.includes(i)) keyIdx.push(i);
    numericIdx = numericIdx.filter((i) => !keyIdx.includes(i));
    names = numericIdx.map((i) => L.header[i]!);
    keyNames = keyIdx.map((i) => L.header[i]!);
    const c = new Collector(L, numericIdx, options.columns !== undefined, name, names, keyIdx, options);
    collector = c;
    splitter = new RecordSplitter(
      L.delimiter,
      (f, line) => c.add(f, line),
      undefined,
      L.newline,
      (l, line) => c.addLine(l, line),
    );
    splitter.push(sample);
    sample = '';
  };

  for await (const chunk of chunksOf(source)) {
    if (splitter) (splitter as RecordSplitter).push(chunk);
    else {
      sample += chunk;
      if (sample.length >= SAMPLE_BYTES) start(false);
    }
  }
  if (!splitter) start(true);
  const unterminated = splitter!.end();
  if (unterminated) throw bad(name, unterminated, 'unterminated quoted field');
  return finishSplit(collector!, layout!, names, keyNames, name, policy, options);
}

/** {@link finish}, with split time columns combined into dates and categorical columns coded. */
function finishSplit(c: Collector, L: Layout, names: string[], keyNames: string[], source: string, policy: MissingPolicy, options: ReadCsvOptions): Series {
  const keyOf = (i: number) => c.keys[keyNames.indexOf(L.header[i]!)]!;
  const composed = L.timeIndices ? composeTimestamps(L.timeIndices.map(keyOf), c.lines.n) : null;
  const s = finish(c, L, names, keyNames, source, policy, options, composed);
  const cats: Record<string, CategoricalColumn> = {};
  for (const i of L.categoricalIndices) {
    const col = L.header[i]!;
    cats[col] = categoricalOf(s.keys[col]!);
  }
  // Only the key columns asked for are returned as text.
  const keys: Record<string, string[]> = {};
  for (const k of options.keyColumns ?? []) keys[k] = s.keys[k]!;
  s.keys = keys;
  s.categorical = cats;
  if (Object.keys(cats).length === 0) return s;
  s.ignored = s.ignored.filter((col) => !(col in cats));
  applyCategoricalMissing(s, cats, policy);
  for (const k of Object.keys(cats)) cats[k] = recount(cats[k]!);
  return s;
}

function finish(
  c: Collector,
  L: Layout,
  names: string[],
  keyNames: string[],
  source: string,
  policy: MissingPolicy,
  options: ReadCsvOptions,
  composedDates: string[] | null,
): Series {
  const n = c.lines.n;
  const dateName = L.timeIndices ? timeColumnsName(L.timeIndices.map((i) => L.header[i]!)) : L.dateIndex >= 0 ? L.header[L.dateIndex]! : null;
  const rawDates = composedDates ?? c.dates;
  if (n === 0) throw bad(source, L.headerLine || null, 'header only, no data rows');
  if (c.extraFields) {
    throw bad(source, c.extraFields.line, `row has ${c.extraFields.count} cells but the header has ${L.header.length} (${L.header.join(', ')})`);
  }
  // Decide columns: text cells in a column that also has numbers are errors; all-text columns
  // are left out (default column choice only).
  const keep: number[] = [];
  const ignored: string[] = [];
  let firstBad: { slot: number; line: number; value: string } | null = null;
  names.forEach((col, j) => {
    const t = c.firstText[j];
    if (!t) return keep.push(j);
    if (c.numericCount[j] === 0) return ignored.push(col);
    if (!firstBad || t.line < firstBad.line) firstBad = { slot: j, line: t.line, value: t.value };
    keep.push(j);
  });
  if (firstBad) {
    const fb = firstBad as { slot: number; line: number; value: string };
    throw bad(source, fb.line, `column "${names[fb.slot]}": ${quoteCell(fb.value)} is not a number`, { column: names[fb.slot], line: fb.line });
  }
  if (keep.length === 0) {
    throw bad(source, null, `no numeric column (columns: ${L.header.join(', ')}${dateName ? `; date column ${dateName}` : ''})`);
  }
  const keptNames = keep.map((j) => names[j]!);
  const slotToKept = new Int32Array(names.length).fill(-1);
  keep.forEach((j, k) => (slotToKept[j] = k));
  const lines = c.lines.a.subarray(0, n);
  const cols = keep.map((j) => c.values[j]!.a.subarray(0, n));

  // Missing cells of kept columns, file order.
  const missing: { column: string; line: number }[] = [];
  const missRows = new Uint8Array(n);
  {
    // Rows are in file order here, so a line maps to a row by binary search.
    const m = c.missing.a;
    for (let k = 0; k < c.missing.n; k += 2) {
      const slot = slotToKept[m[k]!]!;
      if (slot < 0) continue;
      const line = m[k + 1]!;
      missing.push({ column: keptNames[slot]!, line });
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (lines[mid]! < line) lo = mid + 1;
        else hi = mid;
      }
      missRows[lo] = 1;
    }
  }
  if (policy === 'error' && missing.length > 0) {
    const m0 = missing[0]!;
    throw bad(source, m0.line, `column "${m0.column}" has a missing cell (${missing.length} missing in all; choose missing: drop or ffill)`, {
      column: m0.column,
      line: m0.line,
    });
  }

  // Dates: parse, drop bad ones, decide order, sort oldest-first.
  const dateIssues: DateIssue[] = [];
  let order: Series['order'] = 'unknown';
  let perm: Int32Array | null = null; // row indices in final order
  let dates: string[] | null = null;
  const dropRow = new Uint8Array(n);
  let dropped = 0;
  if (rawDates) {
    // Combined time columns are ISO cells; a year alone (`2010`) needs the loose parse.
    const named = L.timeIndices !== null || isDateName(dateName!);
    const df = detectDayFirst(rawDates);
    if (typeof df === 'string') throw bad(source, null, `date column "${dateName}": ${df}`);
    const ts = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = parseDate(rawDates[i]!, { loose: named, dayFirst: df });
      ts[i] = t;
      if (Number.isNaN(t)) {
        dateIssues.push({ kind: 'bad-date', line: lines[i]!, value: rawDates[i]! });
        dropRow[i] = 1;
      }
    }
    if (dateIssues.length > 0 && policy === 'error') {
      const d0 = dateIssues[0]!;
      throw bad(
        source,
        d0.line,
        `date column "${dateName}": ${d0.value === '' ? 'empty date' : `${quoteCell(d0.value)} is not a date`} (${dateIssues.length} bad in all; ${badDateAdvice(dateIssues.length, n)})`,
        {
          column: dateName,
          line: d0.line,
        },
      );
    }
    let asc = true;
    let desc = true;
    let prev = NaN;
    for (let i = 0; i < n; i++) {
      const t = ts[i]!;
      if (Number.isNaN(t)) continue;
      if (!Number.isNaN(prev)) {
        if (t < prev) asc = false;
        if (t > prev) desc = false;
      }
      prev = t;
    }
    order = asc ? 'oldest-first' : desc ? 'newest-first' : 'unknown';
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    if (asc) perm = idx;
    else if (desc) perm = idx.reverse();
    else perm = idx.sort((a, b) => ts[a]! - ts[b]! || a - b);
    // Duplicates (kept, reported): equal neighbours after sorting.
    let last = -1;
    for (let k = 0; k < n; k++) {
      const i = perm[k]!;
      if (Number.isNaN(ts[i]!)) continue;
      if (last >= 0 && ts[i] === ts[last]) {
        const [a, b] = lines[i]! > lines[last]! ? [lines[i]!, lines[last]!] : [lines[last]!, lines[i]!];
        dateIssues.push({ kind: 'duplicate-date', line: a, value: rawDates[i]!, firstLine: b });
      }
      last = i;
    }
    // A reversed newest-first file lists duplicates newest-first; keep their file order within a date.
    dateIssues.sort((a, b) => a.line - b.line);
    dates = rawDates;
  } else if (options.newestFirst) {
    order = 'newest-first';
    perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = n - 1 - i;
  }

  // Missing policy on chronological order.
  if (policy === 'drop') {
    for (let i = 0; i < n; i++) if (missRows[i]) dropRow[i] = 1;
  }
  const order0 = perm ?? null;
  const at = (k: number): number => (order0 ? order0[k]! : k);
  if (policy === 'ffill') {
    // Walk oldest-first, carrying the last value; rows before a column's first value are dropped.
    for (let j = 0; j < cols.length; j++) {
      const col = cols[j]!;
      let lastV = NaN;
      for (let k = 0; k < n; k++) {
        const i = at(k);
        if (dropRow[i]) continue;
        const v = col[i]!;
        if (Number.isNaN(v)) {
          if (Number.isNaN(lastV)) dropRow[i] = 1;
          else col[i] = lastV;
        } else lastV = v;
      }
    }
  }
  for (let i = 0; i < n; i++) dropped += dropRow[i]!;

  // Materialise the final order (compact copies; the growable buffers are released).
  const outN = n - dropped;
  const outLines = new Int32Array(outN);
  const outCols = cols.map(() => new Float64Array(outN));
  const outDates: string[] | null = dates ? new Array<string>(outN) : null;
  const outKeys = c.keys.map(() => new Array<string>(outN));
  let w = 0;
  for (let k = 0; k < n; k++) {
    const i = at(k);
    if (dropRow[i]) continue;
    outLines[w] = lines[i]!;
    for (let j = 0; j < cols.length; j++) outCols[j]![w] = cols[j]![i]!;
    if (outDates) outDates[w] = dates![i]!;
    for (let k = 0; k < outKeys.length; k++) outKeys[k]![w] = c.keys[k]![i]!;
    w++;
  }
  if (outN === 0) throw bad(source, null, `no rows left after applying missing: ${policy} (${missing.length} missing cells, ${dateIssues.length} date issues)`);
  const values: Record<string, Float64Array> = {};
  keptNames.forEach((nm, j) => (values[nm] = outCols[j]!));
  return {
    columns: keptNames,
    values,
    dateColumn: dateName,
    dates: outDates,
    order,
    lines: outLines,
    missing,
    rows: outN,
    source,
    header: L.header,
    headerKind: L.headerKind,
    delimiter: L.delimiter,
    ignored,
    dateIssues,
    droppedRows: dropped,
    keys: Object.fromEntries(keyNames.map((k, j) => [k, outKeys[j]!])),
    timeColumns: L.timeIndices ? L.timeIndices.map((i) => L.header[i]!) : null,
    categorical: {},
  };
}
