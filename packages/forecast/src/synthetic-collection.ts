/**
 * Seeded synthetic collections modelled on real hourly and weekly ones (for the global model's
 * tests and the panel bench): many series of different scales and lengths with daily and weekly seasonality (additive or multiplicative), trends, level
 * shifts, random-walk levels and intermittent demand — the mix real hourly and weekly
 * collections have, generated in code so no data file is needed.
 */
import { seededRandom } from '@seqcast/core';
import type { Panel, PanelSeries } from '@seqcast/data';
import { gaussian } from './synthetic.js';
import { seasonal, smoothTrend, stock, yearly } from './synthetic-shapes.js';

const DEFAULT_LENGTHS: Partial<Record<NonNullable<SyntheticCollectionOptions['kind']>, [number, number]>> = {
  hourly: [700, 960],
  yearly: [13, 40],
  quarterly: [24, 120],
  monthly: [48, 300],
  smooth: [16, 300],
};

/** Options of {@link syntheticCollection}. */
export interface SyntheticCollectionOptions {
  /** Number of series. Default 50. */
  series?: number;
  /**
   * 'hourly': daily (24) and weekly (168) cycles; 'weekly': yearly (≈52) cycle, random walks;
   * 'weekly-structured': weekly-like series with something to learn (piecewise trends, level
   * shifts, a yearly cycle in some, noise that varies by series); 'weekly-steps': step-shaped
   * weekly series far from zero (administered prices: long plateaus that repeat or move by
   * rounding jitter, then jumps of 8–40%; calm stretches ending in a structural break; values
   * held for two weeks before a steep rise), mostly trending, no season; 'yearly': short trending
   * series (growth or decline, sometimes damped, an occasional break); 'quarterly' / 'monthly':
   * seasonal (m 4 / 12) with trends; 'stocks': geometric random walks (nothing to learn); 'smooth':
   * smooth trends without a season (drifting growth, S-curves, a bent slope). Default 'hourly'.
   */
  kind?: 'hourly' | 'weekly' | 'weekly-structured' | 'weekly-steps' | 'yearly' | 'quarterly' | 'monthly' | 'stocks' | 'smooth';
  /**
   * Length of each series: a fixed number or [min, max]. Default [700, 960] hourly, [13, 40]
   * yearly, [24, 120] quarterly, [48, 300] monthly, [16, 300] smooth, [80, 1000] otherwise.
   */
  length?: number | [number, number];
  /** Share of intermittent (mostly zero) series. Default 0.05. */
  intermittent?: number;
}

function hourly(n: number, rand: () => number, g: () => number): Float64Array {
  const scale = Math.exp(2 + rand() * 8); // 7 .. 22,000
  const multiplicative = rand() < 0.6;
  const dailyAmp = 0.2 + rand() * 0.6;
  const weeklyAmp = rand() < 0.6 ? rand() * 0.3 : 0;
  const phase = Math.floor(rand() * 24);
  const peak = 0.3 + rand() * 0.4; // shape of the daily curve: a second harmonic
  const trend = ((rand() - 0.5) * 0.6) / n;
  const noise = 0.03 + rand() * 0.12;
  const shiftAt = rand() < 0.3 ? Math.floor(n * (0.3 + rand() * 0.6)) : -1;
  const shift = (rand() - 0.5) * 0.6;
  const y = new Float64Array(n);
  let ar = 0;
  for (let t = 0; t < n; t++) {
    const h = (t + phase) % 24;
    const d = Math.floor((t + phase) / 24) % 7;
    const daily = Math.sin((2 * Math.PI * h) / 24) + peak * Math.sin((4 * Math.PI * h) / 24 + 1);
    const weekly = d >= 5 ? -1 : 0.4;
    ar = 0.7 * ar + noise * g();
    let level = 1 + trend * t + (shiftAt >= 0 && t >= shiftAt ? shift : 0);
    level = Math.max(0.2, level);
    const season = dailyAmp * daily + weeklyAmp * weekly;
    y[t] = scale * (multiplicative ? level * (1 + 0.5 * season) * (1 + ar) : level + 0.5 * season + ar);
  }
  return y;
}

function weekly(n: number, rand: () => number, g: () => number): Float64Array {
  const scale = Math.exp(3 + rand() * 7);
  const amp = rand() < 0.5 ? rand() * 0.3 : 0;
  const drift = (rand() - 0.5) * 0.004;
  const vol = 0.01 + rand() * 0.05;
  const phase = rand() * 2 * Math.PI;
  const y = new Float64Array(n);
  let logLevel = 0;
  for (let t = 0; t < n; t++) {
    logLevel += drift + vol * g();
    y[t] = scale * Math.exp(logLevel) * (1 + amp * Math.sin((2 * Math.PI * t) / 52.18 + phase)) * (1 + 0.5 * vol * g());
  }
  return y;
}

function weeklyStructured(n: number, rand: () => number, g: () => number): Float64Array {
  const scale = Math.exp(3 + rand() * 7);
  // A yearly cycle (52.18 weeks) in about half the series, additive or multiplicative.
  const amp = rand() < 0.5 ? 0.05 + rand() * 0.3 : 0;
  const multiplicative = rand() < 0.5;
  const phase = rand() * 2 * Math.PI;
  // Trend that changes slope every 50–400 weeks; level shifts now and then.
  let slope = (rand() - 0.5) * 0.01;
  let nextChange = 50 + Math.floor(rand() * 350);
  const shiftRate = rand() < 0.4 ? 0.002 + rand() * 0.006 : 0;
  const noise = 0.01 + rand() * 0.08;
  const persistence = rand() * 0.8;
  const walk = rand() < 0.5 ? rand() * 0.02 : 0;
  const y = new Float64Array(n);
  let level = 1;
  let ar = 0;
  for (let t = 0; t < n; t++) {
    if (t === nextChange) {
      slope = 0.5 * slope + (rand() - 0.5) * 0.01;
      nextChange += 50 + Math.floor(rand() * 350);
    }
    if (rand() < shiftRate) level *= 1 + (rand() - 0.5) * 0.6;
    level = Math.max(0.1, level * (1 + slope + walk * g()));
    ar = persistence * ar + noise * g();
    const season = amp * Math.sin((2 * Math.PI * t) / 52.18 + phase) + 0.3 * amp * Math.sin((4 * Math.PI * t) / 52.18 + 2 * phase);
    y[t] = scale * Math.max(0, multiplicative ? level * (1 + season) * (1 + ar) : level + season + ar);
  }
  return y;
}

/**
 * Step-shaped weekly series, the kind whose windows have almost no one-step change (a plateau
 * with jitter ~1e-5 of the level, over half the changes exactly zero) and then a jump.
 */
function weeklySteps(n: number, rand: () => number, g: () => number): Float64Array {
  const level0 = Math.exp(4 + rand() * 7); // 55 .. 60,000: far from zero
  const y = new Float64Array(n);
  const kind = rand();
  if (kind < 0.5) {
    // Administered price: a plateau for 10–120 weeks, then a jump of 8–40% (up three times in four).
    let level = level0;
    let next = 10 + Math.floor(rand() * 110);
    for (let t = 0; t < n; t++) {
      if (t === next) {
        level *= 1 + (rand() < 0.75 ? 1 : -0.6) * (0.08 + rand() * 0.32);
        next += 10 + Math.floor(rand() * 110);
      }
      // Rounding jitter on a third of the weeks; the rest repeat the plateau's value exactly.
      y[t] = level * (rand() < 0.35 ? 1 + 1e-5 * (rand() < 0.5 ? -1 : 1) : 1);
    }
  } else if (kind < 0.8) {
    // A calm stretch (tiny noise, slow trend), then a break: a level shift and a new, steeper trend.
    const breakAt = Math.floor(n * (0.3 + rand() * 0.6));
    const calmNoise = 1e-4 + rand() * 1e-3;
    const slope0 = (rand() - 0.3) * 0.001;
    const shift = (rand() < 0.7 ? 1 : -1) * (0.1 + rand() * 0.3);
    const slope1 = (rand() - 0.25) * 0.01;
    let level = level0;
    for (let t = 0; t < n; t++) {
      if (t === breakAt) level *= 1 + shift;
      level *= 1 + (t < breakAt ? slope0 : slope1);
      y[t] = level * (1 + (t < breakAt ? calmNoise : 5 * calmNoise) * g());
    }
  } else {
    // Held for two weeks, then a steep rise, over and over: a staircase with a trend.
    const rise = 0.005 + rand() * 0.03;
    const noise = rand() * 0.002;
    let level = level0;
    for (let t = 0; t < n; t++) {
      if (t % 3 === 2) level *= 1 + rise * (0.5 + rand());
      y[t] = Math.round(level * (1 + noise * g()) * 100) / 100;
    }
  }
  return y;
}

function intermittent(n: number, rand: () => number): Float64Array {
  const p = 0.1 + rand() * 0.4;
  const size = 1 + rand() * 20;
  const y = new Float64Array(n);
  for (let t = 0; t < n; t++) y[t] = rand() < p ? Math.round(size * (0.5 + rand())) : 0;
  return y;
}

/**
 * A panel of seeded synthetic series (ids `s1`, `s2`, …, target "value").
 *
 * @example
 * const panel = syntheticCollection(7, { series: 100, kind: 'hourly' });
 * panel.series[0].values.length;   // between 700 and 960
 */
export function syntheticCollection(seed: number, options: SyntheticCollectionOptions = {}): Panel {
  const kind = options.kind ?? 'hourly';
  const count = options.series ?? 50;
  const len = options.length ?? DEFAULT_LENGTHS[kind] ?? [80, 1000];
  const share = options.intermittent ?? 0.05;
  const rand = seededRandom(seed);
  const g = gaussian(seed + 1);
  const series: PanelSeries[] = [];
  for (let i = 0; i < count; i++) {
    const n = typeof len === 'number' ? len : len[0] + Math.floor(rand() * (len[1] - len[0] + 1));
    const values =
      rand() < share
        ? intermittent(n, rand)
        : kind === 'hourly'
          ? hourly(n, rand, g)
          : kind === 'weekly'
            ? weekly(n, rand, g)
            : kind === 'weekly-steps'
              ? weeklySteps(n, rand, g)
              : kind === 'yearly'
                ? yearly(n, rand, g)
                : kind === 'quarterly'
                  ? seasonal(n, 4, rand, g)
                  : kind === 'monthly'
                    ? seasonal(n, 12, rand, g)
                    : kind === 'stocks'
                      ? stock(n, rand, g)
                      : kind === 'smooth'
                        ? smoothTrend(n, rand, g)
                        : weeklyStructured(n, rand, g);
    series.push({ id: `s${i + 1}`, values, times: null, features: {}, lines: null });
  }
  return { target: 'value', idColumn: 'id', timeColumn: null, features: [], series, source: '<memory>' };
}
