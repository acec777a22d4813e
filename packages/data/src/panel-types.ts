/**
 * The panel shape: many series of one target, each oldest-first. It is what `readPanelCsv`
 * returns and what every panel forecaster in @seqcast/forecast reads. Plain typed arrays, no
 * DataFrame: a panel of 400 × 1,000 points is 400 small Float64Arrays.
 */

/** One series of a panel, oldest first. */
export interface PanelSeries {
  /** The id column's value (or the file name for a file with no id column). */
  readonly id: string;
  /** The target, oldest first, finite numbers only. */
  readonly values: Float64Array;
  /** The time column's cells as read (dates or integers), aligned with `values`; null without one. */
  readonly times: readonly string[] | null;
  /** Feature columns (same length as `values`), keyed by column name; empty without features. */
  readonly features: Readonly<Record<string, Float64Array>>;
  /** Categorical features as codes into the panel's `categoricalLevels` (same length as `values`); absent without them. */
  readonly categorical?: Readonly<Record<string, Int32Array>>;
  /** 1-based file line of each value (for error messages); null for in-memory panels. */
  readonly lines: Int32Array | null;
}

/** Many series of one target. A file with no id column is a panel of one series. */
export interface Panel {
  readonly target: string;
  readonly idColumn: string | null;
  readonly timeColumn: string | null;
  /** Feature column names, shared by every series. */
  readonly features: readonly string[];
  readonly series: readonly PanelSeries[];
  /** Levels of each categorical feature, shared by every series; absent without them. */
  readonly categoricalLevels?: Readonly<Record<string, readonly string[]>>;
  /** The path, or `<text>` / `<memory>`. */
  readonly source: string;
}
