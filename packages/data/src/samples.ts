/**
 * Seeded sample CSVs in the layouts of the classic forecasting files: something to try the CLI,
 * the server and the page on without a download, and the data the tests and the docs run on (a
 * clone has nothing else). Each sample keeps its file's quirks (quoted headers, CRLF line ends, no
 * final newline; the lecture's stock file: two comment lines, newest row first), so reading it
 * exercises what reading the real file would.
 */
import { seededRandom } from '@seqcast/core';

/** The sample layouts `sampleCsv` writes. */
export const SAMPLE_KINDS = ['monthly-sales', 'stock-daily', 'daily-births'] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

export interface SampleOptions {
  /** Data rows. Defaults: monthly-sales 108 (1960-01 .. 1968-12), stock-daily 732, daily-births 365. */
  rows?: number;
  /** Seed of the generator; the same seed gives the same file. Default 1. */
  seed?: number;
}

const DEFAULT_ROWS: Record<SampleKind, number> = { 'monthly-sales': 108, 'stock-daily': 732, 'daily-births': 365 };

/** Standard normal draws (Box–Muller) from a seeded uniform stream. */
function normal(seed: number): () => number {
  const u = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

function monthlySales(rows: number, seed: number): string[] {
  const g = normal(seed);
  // Trend with a spring/summer peak that grows with the level (multiplicative season), like car sales.
  const season = [0.72, 0.8, 1.02, 1.12, 1.22, 1.1, 0.95, 0.85, 0.88, 1.0, 1.18, 1.16];
  const lines = ['"Month","Sales"'];
  for (let t = 0; t < rows; t++) {
    const year = 1960 + Math.floor(t / 12);
    const month = (t % 12) + 1;
    const sales = (9000 + 85 * t) * season[t % 12]! * (1 + 0.06 * g());
    lines.push(`"${year}-${String(month).padStart(2, '0')}",${Math.round(sales)}`);
  }
  return lines;
}

function stockDaily(rows: number, seed: number): string[] {
  const g = normal(seed);
  const rowsOldestFirst: string[] = [];
  let close = 560;
  for (let t = 0; t < rows; t++) {
    const open = close * Math.exp(0.004 * g());
    close = open * Math.exp(0.0006 + 0.012 * g());
    const high = Math.max(open, close) * (1 + Math.abs(0.005 * g()));
    const low = Math.min(open, close) * (1 - Math.abs(0.005 * g()));
    const volume = Math.round(1.5e6 * Math.exp(0.4 * g()));
    rowsOldestFirst.push([open, high, low].map((v) => v.toFixed(6)).join(',') + `,${volume},${close.toFixed(6)}`);
  }
  return ['# synthetic daily prices (seqcast data sample stock-daily), newest first', '# Open,High,Low,Volume,Close', ...rowsOldestFirst.reverse()];
}

function dailyBirths(rows: number, seed: number): string[] {
  const g = normal(seed);
  const lines = ['"Date","Births"'];
  const day = new Date(Date.UTC(1959, 0, 1));
  for (let t = 0; t < rows; t++) {
    const births = Math.max(0, Math.round(38 + (8 * t) / 365 + 6.5 * g()));
    lines.push(`"${day.toISOString().slice(0, 10)}",${births}`);
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return lines;
}

const WRITERS: Record<SampleKind, (rows: number, seed: number) => string[]> = {
  'monthly-sales': monthlySales,
  'stock-daily': stockDaily,
  'daily-births': dailyBirths,
};

/**
 * A sample CSV's text: `monthly-sales` (`"Month","Sales"`, seasonal with a trend),
 * `stock-daily` (the lecture's stock file layout: Open, High, Low, Volume, Close, newest row first
 * under two comment lines) or `daily-births` (`"Date","Births"`, ISO dates). CRLF line ends.
 * @example
 * writeFileSync('sales.csv', sampleCsv('monthly-sales'));
 * const s = await readCsv({ path: 'sales.csv' }); // 108 rows, dates 1960-01 .. 1968-12
 */
export function sampleCsv(kind: SampleKind, options: SampleOptions = {}): string {
  const { rows = DEFAULT_ROWS[kind], seed = 1 } = options;
  return WRITERS[kind](rows, seed).join('\r\n');
}
