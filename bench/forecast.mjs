// pnpm bench forecast [--epochs N] [--seed N] [--data DIR] [--only a,b] [--cases FILE.json]
//   (--cases: score your own CSV files instead of the built-in set; FILE.json is an array of
//    {"path", "target", "season"?, "features"?, "window"?, "newestFirst"?, "name"?}, paths
//    relative to FILE.json)
// pnpm bench forecast --robust [--seeds N] [--first-seed N] [--epochs N] [--heldout]
//   (many synthetic series, see robust(); --heldout: four more families kept out of the design)
//
// Forecast quality under the evaluation protocol (chronological 80/20 split, one-step-ahead
// rolling origin over every test row, original units, MASE scaled by the training MAE of the
// seasonal naive): the model next to the naive, seasonal naive (m > 1) and linear AR baselines,
// MASE and RMSE, on the three shared CSV files, an AR(2) with unit noise (best possible RMSE 1.0)
// and a trending seasonal series; plus a nonlinear series (logistic map) where the recurrent
// path has something to learn. Every model uses the library defaults except target/features/
// season. Prints a table, then one JSON line.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend, setKernelLogger } from '@seqcast/core';
import { readCsv } from '@seqcast/data';
import { evaluate, SeriesForecaster, gaussian, makeSeries, syntheticAR2, syntheticLogisticMap, syntheticTrendSeasonal } from '@seqcast/forecast';

const here = path.dirname(fileURLToPath(import.meta.url));

function cases(dataDir) {
  const file = (f) => path.join(dataDir, f);
  return [
    {
      name: 'stock_daily (Close, 5 features)',
      key: 'stock',
      load: () => readCsv({ path: file('stock_daily.csv') }, { newestFirst: true }),
      options: { target: 'Close', features: ['Open', 'High', 'Low', 'Volume', 'Close'], newestFirst: true },
    },
    { name: 'monthly-car-sales (m=12)', key: 'cars', load: () => readCsv({ path: file('monthly-car-sales.csv') }), options: { target: 'Sales', season: 12 } },
    { name: 'daily-total-female-births', key: 'births', load: () => readCsv({ path: file('daily-total-female-births.csv') }), options: { target: 'Births' } },
    { name: 'AR(2), unit noise (2000 rows)', key: 'ar2', load: async () => syntheticAR2(2000, 1), options: { target: 'value' } },
    {
      name: 'trend + season (m=12, 240 rows)',
      key: 'trendSeasonal',
      load: async () => syntheticTrendSeasonal(240, 1),
      options: { target: 'value', season: 12 },
    },
    {
      name: 'logistic map (nonlinear, extra)',
      key: 'logisticMap',
      load: async () => syntheticLogisticMap(500, 5),
      options: { target: 'value', window: 4 },
      extra: true,
    },
  ];
}

/** Cases from a JSON file (see the header); every problem is one line naming the entry and field. */
function casesFromFile(file) {
  let list;
  try {
    list = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${e.code === 'ENOENT' ? 'no such file' : `not valid JSON (${e.message})`}`, { cause: e });
  }
  if (!Array.isArray(list)) throw new Error(`${file}: expected a JSON array of cases`);
  return list.map((c, i) => {
    const where = `${file}[${i}]`;
    if (typeof c?.path !== 'string') throw new Error(`${where}.path must be a string`);
    if (typeof c.target !== 'string') throw new Error(`${where}.target must be a string`);
    for (const k of ['season', 'window']) {
      if (c[k] !== undefined && !(Number.isInteger(c[k]) && c[k] >= 1)) throw new Error(`${where}.${k} must be a positive integer`);
    }
    if (c.features !== undefined && !(Array.isArray(c.features) && c.features.every((f) => typeof f === 'string'))) {
      throw new Error(`${where}.features must be an array of column names`);
    }
    const csv = path.resolve(path.dirname(file), c.path);
    const newestFirst = c.newestFirst === true;
    const options = {
      target: c.target,
      season: c.season ?? 1,
      ...(c.window ? { window: c.window } : {}),
      ...(c.features ? { features: c.features } : {}),
      newestFirst,
    };
    return {
      name: c.name ?? `${path.basename(csv)} (${c.target}${c.season > 1 ? `, m=${c.season}` : ''})`,
      key: `case${i}`,
      load: () => readCsv({ path: csv }, { newestFirst }),
      options,
    };
  });
}

/** What the fitted one-step model is: a baseline, a ridge path, plus the recurrent path or not. */
function describe(r) {
  const lin = r.linearPath.paths[0];
  return r.rnnUsed ? `${lin} + LSTM residual` : lin;
}

const f4 = (v) => (v === undefined ? '-' : v.toFixed(4));
const fr = (v) => (v === undefined ? '-' : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3));

/** Synthetic families for the robustness run: (rows, normal draws) -> values. */
const FAMILIES = {
  randomWalk: (n, g) => {
    let v = 50;
    return Array.from({ length: n }, () => (v += g()));
  },
  randomWalkDrift: (n, g) => {
    let v = 50;
    return Array.from({ length: n }, () => (v += 0.3 + g()));
  },
  ar1: (n, g) => {
    let v = 0;
    return Array.from({ length: n }, () => (v = 0.8 * v + g()) + 20);
  },
  ar1Negative: (n, g) => {
    let v = 0;
    return Array.from({ length: n }, () => (v = -0.5 * v + g()) + 20);
  },
  whiteNoise: (n, g) => Array.from({ length: n }, () => 5 + g()),
  ar2: (n, g) => Array.from(syntheticAR2(n, Math.floor((g() + 10) * 1e5)).values.value),
  trendSeasonal: (n, g) => Array.from(syntheticTrendSeasonal(n, Math.floor((g() + 10) * 1e5)).values.value),
  seasonalRandomWalk: (n, g) => {
    let l = 100;
    return Array.from({ length: n }, (_, t) => (l += g()) + 8 * Math.sin((2 * Math.PI * t) / 12) + 0.5 * g());
  },
  multiplicativeSeason: (n, g) => {
    let l = 100;
    return Array.from({ length: n }, (_, t) => (l *= 1.01) * (1 + 0.2 * Math.sin((2 * Math.PI * t) / 12)) * (1 + 0.02 * g()));
  },
  arma11: (n, g) => {
    let v = 0,
      e = 0;
    return Array.from({ length: n }, () => {
      const ne = g();
      v = 0.7 * v + ne + 0.5 * e;
      e = ne;
      return v + 10;
    });
  },
  setar: (n, g) => {
    let v = 0;
    return Array.from({ length: n }, () => (v = (v > 0 ? 0.9 * v - 0.6 : 0.5 * v + 0.8) + 0.5 * g()));
  },
};
/**
 * Families added after the selection rule was designed and never used to choose it (--heldout):
 * near-unit-root AR(1), MA(1), a random walk whose steps are AR(1), and an AR(1) around a season.
 */
const HELDOUT = {
  ar1Slow: (n, g) => {
    let v = 0;
    return Array.from({ length: n }, () => (v = 0.95 * v + g()) + 30);
  },
  ma1: (n, g) => {
    let e = 0;
    return Array.from({ length: n }, () => {
      const ne = g();
      const v = ne + 0.6 * e;
      e = ne;
      return v + 3;
    });
  },
  rwAr1Diff: (n, g) => {
    let v = 50,
      d = 0;
    return Array.from({ length: n }, () => {
      d = 0.4 * d + g();
      return (v += d);
    });
  },
  seasonalAr: (n, g) => {
    let v = 0;
    return Array.from({ length: n }, (_, t) => (v = 0.6 * v + g()) + 6 * Math.cos((2 * Math.PI * t) / 12) + 40);
  },
};
const SEASONAL = new Set(['trendSeasonal', 'seasonalRandomWalk', 'multiplicativeSeason', 'seasonalAr']);

/**
 * Robustness: every family x lengths 90/150/400/1000 x seeds; for each series the ratio of the
 * model's MASE to the best baseline's (<= 1 passes the bar). Series the model never saw in design.
 */
async function robust(seeds, epochs, firstSeed, heldout) {
  const lengths = [90, 150, 400, 1000];
  const rows = [];
  let pass = 0;
  let total = 0;
  const ratios = [];
  for (const [name, gen] of Object.entries(heldout ? HELDOUT : FAMILIES)) {
    const cells = [];
    for (const n of lengths) {
      for (let s = firstSeed; s < firstSeed + seeds; s++) {
        const series = makeSeries({ value: gen(n, gaussian(1000 * s + n + name.length * 7)) });
        const m = await SeriesForecaster.fit(series, { target: 'value', season: SEASONAL.has(name) ? 12 : 1, epochs, seed: s });
        const r = evaluate(m, series);
        const best = Math.min(...['naive', 'seasonalNaive', 'linear'].filter((k) => r.metrics[k]).map((k) => r.metrics[k].mase));
        const ratio = r.metrics.model.mase / best;
        ratios.push(ratio);
        total++;
        if (r.beatenBy.length === 0) pass++;
        cells.push({ rows: n, seed: s, ratio, rnn: m.info.rnn.used });
        m.dispose();
      }
    }
    rows.push({ family: name, cells });
    console.log(`${name.padEnd(22)} ${cells.map((c) => c.ratio.toFixed(3) + (c.rnn ? '*' : ' ')).join(' ')}`);
  }
  ratios.sort((a, b) => a - b);
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  console.log(
    `(columns: rows ${lengths.join('/')} x seeds ${firstSeed}..${firstSeed + seeds - 1}; value = model MASE / best baseline MASE; * = recurrent path kept)`,
  );
  console.log(
    `model MASE <= best baseline on ${pass}/${total} series (${((100 * pass) / total).toFixed(1)}%); mean ratio ${mean.toFixed(4)}; median ${ratios[Math.floor(ratios.length / 2)].toFixed(4)}; worst ${ratios[ratios.length - 1].toFixed(3)}`,
  );
  console.log(
    JSON.stringify({
      suite: 'forecast',
      mode: 'robust',
      heldout,
      seeds,
      firstSeed,
      epochs,
      pass,
      total,
      meanRatio: mean,
      worstRatio: ratios[ratios.length - 1],
      rows,
    }),
  );
}

export async function run(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: 'string' },
      seed: { type: 'string' },
      data: { type: 'string' },
      only: { type: 'string' },
      robust: { type: 'boolean' },
      seeds: { type: 'string' },
      'first-seed': { type: 'string' },
      heldout: { type: 'boolean' },
      cases: { type: 'string' },
    },
    strict: true,
  });
  if (values.robust) {
    setKernelLogger(null);
    await initBackend();
    return robust(
      Number(values.seeds ?? 4),
      values.epochs === undefined ? 30 : Number(values.epochs),
      Number(values['first-seed'] ?? 0),
      values.heldout === true,
    );
  }
  const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  const dataDir = path.resolve(values.data ?? path.join(here, '../../shared/data'));
  const only = values.only ? new Set(values.only.split(',')) : null;
  setKernelLogger(null);
  const backend = await initBackend();

  const results = [];
  let list;
  try {
    list = values.cases ? casesFromFile(path.resolve(values.cases)) : cases(dataDir);
  } catch (e) {
    console.error(`seqcast bench forecast: ${e.message}`);
    process.exitCode = 2;
    return;
  }
  for (const c of list) {
    if (only && !only.has(c.key)) continue;
    let series;
    try {
      series = await c.load();
    } catch (e) {
      console.error(`seqcast bench forecast: ${e.message}`);
      process.exitCode = 2;
      return;
    }
    const t0 = Date.now();
    const model = await SeriesForecaster.fit(series, { ...c.options, seed, ...(epochs !== undefined ? { epochs } : {}) });
    const fitMs = Date.now() - t0;
    const r = evaluate(model, series);
    const m = r.metrics;
    const baselines = ['naive', 'seasonalNaive', 'linear'].filter((k) => m[k]);
    const best = baselines.reduce((a, b) => (m[b].mase < m[a].mase ? b : a));
    results.push({
      series: c.key,
      name: c.name,
      extra: c.extra === true,
      rows: r.rows,
      window: model.info.window,
      season: model.info.season,
      rnnUsed: model.info.rnn.used,
      linearPath: model.info.linear,
      fitMs,
      mase: Object.fromEntries(['model', ...baselines].map((k) => [k, m[k].mase])),
      rmse: Object.fromEntries(['model', ...baselines].map((k) => [k, m[k].rmse])),
      bestBaseline: best,
      modelAtMostBest: r.beatenBy.length === 0,
    });
    model.dispose();
  }

  const cols = ['model', 'naive', 'seasonalNaive', 'linear'];
  const nameWidth = Math.max(34, ...results.map((r) => r.name.length + 2));
  console.log(`forecast quality (backend ${backend.name}; seed ${seed}; one-step-ahead over the last 20% of rows)`);
  console.log(
    [
      'series'.padEnd(nameWidth),
      'rows'.padStart(5),
      ...cols.map((c) => `MASE ${c}`.padStart(19)),
      ...cols.map((c) => `RMSE ${c}`.padStart(19)),
      '  ok',
      '  model is',
    ].join(''),
  );
  for (const r of results) {
    console.log(
      [
        r.name.padEnd(nameWidth),
        String(r.rows).padStart(5),
        ...cols.map((c) => f4(r.mase[c]).padStart(19)),
        ...cols.map((c) => fr(r.rmse[c]).padStart(19)),
        (r.modelAtMostBest ? 'yes' : 'NO').padStart(4),
        '  ' + describe(r),
      ].join(''),
    );
  }
  const ar2 = results.find((r) => r.series === 'ar2');
  if (ar2) console.log(`AR(2): model RMSE ${ar2.rmse.model.toFixed(4)} vs noise level 1.0 (${((ar2.rmse.model - 1) * 100).toFixed(1)}%)`);
  const bar = results.filter((r) => !r.extra);
  console.log(`model MASE <= best baseline on ${bar.filter((r) => r.modelAtMostBest).length}/${bar.length} ${values.cases ? 'series' : 'bar series'}`);
  console.log(JSON.stringify({ suite: 'forecast', backend: backend.name, seed, results }));
}
