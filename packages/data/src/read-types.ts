/** The shapes of readCsv (read.ts): where a CSV comes from, the reading options and the Series it gives. */
import { type Delimiter } from './csv.js';
import { type CategoricalColumn } from './categorical.js';

/** Where the CSV comes from. `{text}` is CONTENT: never opened as a path, never fetched as a URL. */
/** Where a CSV comes from; a text source's `name` (default `<text>`) names it in messages. */
export type CsvSource = { path: string } | { text: string; name?: string } | { stream: NodeJS.ReadableStream };

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
