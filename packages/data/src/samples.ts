/**
 * Seeded sample CSVs in the layouts of the classic forecasting files: something to try the CLI,
 * the server and the page on without a download, and the data the tests and the docs run on (a
 * clone has nothing else). Each sample keeps its file's quirks (quoted headers, CRLF line ends, no
 * final newline; the lecture's stock file: two comment lines, newest row first), so reading it
 * exercises what reading the real file would.
 */
import { seededRandom } from '@seqcast/core';
import { storePromo } from './sample-store-promo.js';

/** The sample layouts `sampleCsv` writes. */
export const SAMPLE_KINDS = ['monthly-sales', 'stock-daily', 'daily-births', 'hourly-weather', 'store-promo', 'store-promo-future'] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

export interface SampleOptions {
  /**
   * Data rows. Defaults: monthly-sales 108 (1960-01 .. 1968-12), stock-daily 732, daily-births 365, hourly-weather 17,520 (two years),
   * store-promo 60,000 (150 stores × 400 days; 400 days per store, at most 150 stores); store-promo-future: the rows of the
   * store-promo file it follows (it lists the next 28 days of those stores).
   */
  rows?: number;
  /** Seed of the generator; the same seed gives the same file. Default 1. */
  seed?: number;
}

const DEFAULT_ROWS: Record<SampleKind, number> = {
  'monthly-sales': 108,
  'stock-daily': 732,
  'daily-births': 365,
  'hourly-weather': 17_520,
  'store-promo': 60_000,
  'store-promo-future': 60_000,
};

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

const WIND = ['NE', 'NW', 'SE', 'cv'] as const;
/** How each wind direction moves the (log) pollution level: north-west air is clean, south-east and calm air hold it. */
const WIND_EFFECT = { NE: -0.06, NW: -0.16, SE: 0.06, cv: 0.04 };

/**
 * The hourly air-quality-with-weather layout (`No,year,month,day,hour,pm2.5,DEWP,TEMP,PRES,cbwd,
 * Iws,Is,Ir`): the timestamp split across four columns, a text wind direction, "NA" for missing
 * cells (the first day and ~3% of the pollution readings). The pollution level follows its own
 * past and the previous hour's weather (wind direction, cumulated wind speed, humidity, rain).
 */
function hourlyWeather(rows: number, seed: number): string[] {
  const g = normal(seed);
  const u = seededRandom(seed + 1);
  const lines = ['No,year,month,day,hour,pm2.5,DEWP,TEMP,PRES,cbwd,Iws,Is,Ir'];
  const time = new Date(Date.UTC(2010, 0, 1));
  let logPm = Math.log(80);
  let wind: (typeof WIND)[number] = 'cv';
  let iws = 1.79;
  let tempNoise = 0;
  let presNoise = 0;
  let rainHours = 0;
  let snowHours = 0;
  let prev: { wind: (typeof WIND)[number]; iws: number; dewGap: number; rain: number } = { wind, iws, dewGap: 10, rain: 0 };
  for (let t = 0; t < rows; t++) {
    const yearPhase = (2 * Math.PI * (t / 24 - 15)) / 365.25;
    const dayPhase = (2 * Math.PI * ((t % 24) - 9)) / 24;
    tempNoise = 0.95 * tempNoise + 0.8 * g();
    presNoise = 0.97 * presNoise + 0.5 * g();
    const temp = 12 - 15 * Math.cos(yearPhase) + 4 * Math.sin(dayPhase) + tempNoise;
    const dewGap = Math.max(0, 12 + 4 * Math.sin(dayPhase) + 3 * g());
    const dewp = temp - dewGap;
    const pres = 1016 + 10 * Math.cos(yearPhase) - 0.3 * tempNoise + presNoise;
    // Wind keeps its direction for a while; the cumulated speed grows until it turns.
    if (u() < 0.08) {
      const next = WIND[Math.floor(u() * WIND.length)]!;
      iws = next === wind ? iws : 0;
      wind = next;
    }
    iws = Math.min(500, iws + (wind === 'cv' ? 0.89 : 1.79 + 2 * u()));
    const raining = temp > 2 && u() < 0.04;
    rainHours = raining ? rainHours + 1 : 0;
    snowHours = !raining && temp <= 0 && u() < 0.02 ? snowHours + 1 : 0;
    // Pollution: its own past plus the last hour's weather.
    const drive = WIND_EFFECT[prev.wind] - 0.0008 * Math.min(prev.iws, 200) - 0.006 * (prev.dewGap - 10) - 0.08 * prev.rain;
    logPm = Math.log(80) + 0.93 * (logPm - Math.log(80)) + drive + 0.12 * g();
    prev = { wind, iws, dewGap, rain: raining ? 1 : 0 };
    const pm = t < 24 || u() < 0.03 ? 'NA' : String(Math.max(1, Math.round(Math.exp(logPm))));
    const cells = [t + 1, time.getUTCFullYear(), time.getUTCMonth() + 1, time.getUTCDate(), time.getUTCHours(), pm];
    cells.push(Math.round(dewp), Math.round(temp), Math.round(pres), wind, iws.toFixed(2), snowHours, rainHours);
    lines.push(cells.join(','));
    time.setUTCHours(time.getUTCHours() + 1);
  }
  return lines;
}

const WRITERS: Record<SampleKind, (rows: number, seed: number) => string[]> = {
  'monthly-sales': monthlySales,
  'stock-daily': stockDaily,
  'daily-births': dailyBirths,
  'hourly-weather': hourlyWeather,
  'store-promo': (rows, seed) => storePromo(rows, seed, false),
  'store-promo-future': (rows, seed) => storePromo(rows, seed, true),
};

/**
 * A sample CSV's text: `monthly-sales` (`"Month","Sales"`, seasonal with a trend),
 * `stock-daily` (the lecture's stock file layout: Open, High, Low, Volume, Close, newest row first
 * under two comment lines), `daily-births` (`"Date","Births"`, ISO dates) or `hourly-weather`
 * (`No,year,month,day,hour,pm2.5,…,cbwd,…`: time split across columns, a text wind direction,
 * "NA" cells), `store-promo` (a daily panel `store,date,store_type,promo,visitors,sales` whose sales follow a
 * planned promotion, the weekday and the store type) or `store-promo-future` (the next 28 days of
 * those stores: `store,date,promo`). CRLF line ends.
 * @example
 * writeFileSync('sales.csv', sampleCsv('monthly-sales'));
 * const s = await readCsv({ path: 'sales.csv' }); // 108 rows, dates 1960-01 .. 1968-12
 */
export function sampleCsv(kind: SampleKind, options: SampleOptions = {}): string {
  const { rows = DEFAULT_ROWS[kind], seed = 1 } = options;
  return WRITERS[kind](rows, seed).join('\r\n');
}
