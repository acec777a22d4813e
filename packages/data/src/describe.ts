/**
 * Column statistics (`data inspect`) and DataFrame interop on danfojs-node.
 *
 * danfo is loaded lazily (it pulls in tfjs and takes ~1 s to import), so readCsv/readPanelCsv never
 * pay for it. Statistics use a danfo DataFrame up to {@link DANFO_MAX_ROWS} rows; above that a
 * typed-array pass gives the same numbers, because building the DataFrame alone costs ~2 s and
 * ~600 MB at 1,000,000 × 6 (measured; see docs/data.md).
 *
 * danfojs-node is an optional peer dependency: its own install needs more than the npm registry
 * (xlsx from a URL, @tensorflow/tfjs-node@3 downloading libtensorflow), so it must never be a
 * consumer's install problem. Without it the statistics take the typed-array pass (same numbers)
 * and only toDataFrame / `engine: 'danfo'` fail, with a one-line error naming what to install.
 */
import type { DataFrame } from 'danfojs-node';
import { SeqcastError } from '@seqcast/core/errors';
import type { Series } from './read.js';

/** Per-column statistics over the non-missing cells. */
export interface ColumnStats {
  min: number;
  max: number;
  mean: number;
  /** Non-missing cells. */
  count: number;
}

/** Rows above which statistics skip danfo and use the typed-array pass. */
export const DANFO_MAX_ROWS = 200_000;

/** Options for {@link describeSeries}. */
export interface DescribeOptions {
  /** 'auto' (default): danfo up to DANFO_MAX_ROWS rows when it is installed, typed arrays otherwise. */
  engine?: 'auto' | 'danfo' | 'typed';
}

type Danfo = typeof import('danfojs-node');
let danfo: Promise<Danfo> | null = null;
/**
 * The danfojs-node module, imported once on first use. Throws BACKEND_UNAVAILABLE naming the
 * package to install when it is missing or does not load.
 *
 * @example
 * const dfd = await loadDanfo();
 * new dfd.DataFrame({ a: [1, 2] }).print();
 */
export function loadDanfo(): Promise<Danfo> {
  danfo ??= import('danfojs-node').catch((e: unknown) => {
    const err = e as NodeJS.ErrnoException;
    const missing = err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes("'danfojs-node'");
    const why = missing ? 'is not installed' : `failed to load (${String(err?.message ?? e).split('\n')[0]})`;
    throw new SeqcastError(
      'BACKEND_UNAVAILABLE',
      `danfojs-node ${why}: toDataFrame and describeSeries({ engine: 'danfo' }) need it (npm i danfojs-node; see @seqcast/data's README)`,
      { where: 'danfojs-node' },
    );
  });
  return danfo;
}

/** danfo when it loads, else null (auto mode falls back to the typed-array pass). */
async function danfoIfInstalled(): Promise<Danfo | null> {
  try {
    return await loadDanfo();
  } catch {
    return null;
  }
}

function typedStats(col: Float64Array): ColumnStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!;
    if (v !== v) continue;
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return count ? { min, max, mean: sum / count, count } : { min: NaN, max: NaN, mean: NaN, count: 0 };
}

/**
 * A danfo DataFrame of the series' numeric columns (index: the date strings when there is a date
 * column, else the row number), for column work beyond what seqcast needs.
 *
 * @example
 * const df = await toDataFrame(series);
 * df.describe().print();
 */
export async function toDataFrame(series: Pick<Series, 'columns' | 'values' | 'dates'>): Promise<DataFrame> {
  const dfd = await loadDanfo();
  const data: Record<string, number[]> = {};
  for (const c of series.columns) data[c] = Array.from(series.values[c]!);
  return new dfd.DataFrame(data, series.dates ? { index: series.dates } : {});
}

/**
 * min/max/mean/count of each numeric column, NaN (missing) cells skipped.
 *
 * @example
 * const stats = await describeSeries(series);
 * stats.Close.mean;
 */
export async function describeSeries(
  series: Pick<Series, 'columns' | 'values' | 'dates' | 'rows'>,
  options: DescribeOptions = {},
): Promise<Record<string, ColumnStats>> {
  const engine = options.engine ?? 'auto';
  const out: Record<string, ColumnStats> = {};
  if (engine === 'typed' || (engine === 'auto' && (series.rows > DANFO_MAX_ROWS || !(await danfoIfInstalled())))) {
    for (const c of series.columns) out[c] = typedStats(series.values[c]!);
    return out;
  }
  const df = await toDataFrame({ ...series, dates: null });
  // axis 0 = per column; danfo skips NaN in these reductions.
  const min = df.min({ axis: 0 }).values as number[];
  const max = df.max({ axis: 0 }).values as number[];
  const mean = df.mean({ axis: 0 }).values as number[];
  const count = df.count({ axis: 0 }).values as number[];
  series.columns.forEach((c, j) => {
    const n = count[j] ?? 0;
    out[c] = n ? { min: min[j]!, max: max[j]!, mean: mean[j]!, count: n } : { min: NaN, max: NaN, mean: NaN, count: 0 };
  });
  return out;
}
