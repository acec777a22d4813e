// pnpm bench panel [--series 400] [--length 1000] [--horizon 48] [--season 24] [--json]
//   Speed: the global model on a synthetic panel of 400 series × 1,000 points, H = 48, m = 24
//   (`forecast train`'s defaults otherwise: GlobalEnsemble, 3 networks of different windows;
//   `--options '{"members":1}'` for one network): train + forecast wall time and the process's
//   peak RSS, goal ≤ 15 min and ≤ 2 GB; then its holdout accuracy next to the panel baselines.
// pnpm bench panel --quality [--panels a,b] [--options '{"steps":2000}'] [--windows K] [--vega DIR] [--gapminder CSV] [--json]
//   Accuracy: the holdout (last H of every series; --windows K: K backtest cutoffs, H apart, each
//   model refitted at each) on the development panels, the model (default
//   options apart from horizon/season unless --options) next to Naive2, sNaive, Naive, SES, Theta
//   and the pooled linear model: sMAPE, MASE, OWA, 80/95% coverage, MSIS, seconds.
//   Panels: synthetic collections modelled on real hourly (H 48, m 24, 700–960 points) and weekly
//   (H 13, m 1, 80–2,600 points: random walks, and structured ones with trend changes, level shifts
//   and yearly cycles; step-shaped prices), yearly (H 6, 13–40 points, trending), quarterly (H 8, m 4)
//   and monthly (H 18, m 12) seasonal, smooth trends (`smooth`, H 8) and random-walk stocks (`stocks-rw`, H 13) ones, and real panels from the `vega-datasets` npm package
//   (BSD-3-Clause; not a dependency, never copied into the repo): install it once outside the
//   repo with `npm i --prefix /tmp/seqcast-panel-data vega-datasets@3.2.1`, or pass --vega DIR;
//   and gapminder's yearly country indicators (`gapminder`, H 6; made once with R, see
//   docs/global-model.md#real-panels), read from /tmp/seqcast-panel-data/gapminder.csv or --gapminder.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { setKernelLogger } from '@seqcast/core';
import { backtest, GlobalEnsemble, groupsShipped, holdout, PANEL_BASELINES, syntheticCollection } from '@seqcast/forecast';

function panelOf(source, groups) {
  const series = Object.entries(groups).map(([id, values]) => ({ id, values: Float64Array.from(values), times: null, features: {}, lines: null }));
  return { target: 'value', idColumn: 'id', timeColumn: null, features: [], series, source };
}

function csvRows(file) {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

/** Real panels from vega-datasets; each entry is { name, horizon, season, load }. */
function vegaPanels(dir) {
  const data = path.join(dir, 'data');
  return [
    {
      // 3 hourly variables of a year, each cut into 10 stretches of 876 hours: 30 hourly series.
      name: 'seattle-hourly (30 × 876, real)',
      key: 'seattle',
      horizon: 48,
      season: 24,
      load: () => {
        const rows = csvRows(path.join(data, 'seattle-weather-hourly-normals.csv'));
        const groups = {};
        for (const v of ['pressure', 'temperature', 'wind']) {
          const all = rows.map((r) => Number(r[v]));
          for (let k = 0; k < 10; k++) groups[`${v}-${k}`] = all.slice(k * 876, (k + 1) * 876);
        }
        return panelOf('seattle-weather-hourly-normals.csv', groups);
      },
    },
    {
      name: 'us-employment (24 × 120 months, real)',
      key: 'employment',
      horizon: 12,
      season: 12,
      load: () => {
        const rows = csvRows(path.join(data, 'us-employment.csv'));
        const cols = Object.keys(rows[0]).filter((c) => c !== 'month');
        return panelOf('us-employment.csv', Object.fromEntries(cols.map((c) => [c, rows.map((r) => Number(r[c]))])));
      },
    },
    {
      name: 'unemployment by industry (14 × 122 months, real)',
      key: 'unemployment',
      horizon: 12,
      season: 12,
      load: () => {
        const rows = JSON.parse(readFileSync(path.join(data, 'unemployment-across-industries.json'), 'utf8'));
        const groups = {};
        for (const r of rows) (groups[r.series] ??= []).push(r.count);
        return panelOf('unemployment-across-industries.json', groups);
      },
    },
    {
      name: 'weather daily (2 cities × 3 variables × 1461 days, real, H 14 m 7)',
      key: 'weather',
      horizon: 14,
      season: 7,
      load: () => {
        const rows = csvRows(path.join(data, 'weather.csv'));
        const groups = {};
        for (const r of rows) for (const v of ['temp_max', 'temp_min', 'wind']) (groups[`${r.location}-${v}`] ??= []).push(Number(r[v]));
        return panelOf('weather.csv', groups);
      },
    },
    {
      name: 'stocks monthly (5 tickers, real, H 13 m 1)',
      key: 'stocks',
      horizon: 13,
      season: 1,
      load: () => {
        const rows = csvRows(path.join(data, 'stocks.csv'));
        const groups = {};
        for (const r of rows) (groups[r.symbol] ??= []).push(Number(r.price));
        return panelOf('stocks.csv', groups);
      },
    },
  ];
}

/**
 * Gapminder's yearly country indicators (dslabs, 1960–2016), one series per country and indicator:
 * the longest run of known values that ends at the last known year, at least 20 years, positive.
 * Real smooth trends (populations, life expectancy, fertility, GDP), like short yearly collections.
 * The CSV is made by R (docs/global-model.md says how); absent, the panel is skipped.
 */
function gapminderPanel(file) {
  return {
    name: 'gapminder yearly indicators (728 × 20–57 years, real, H 6)',
    key: 'gapminder',
    horizon: 6,
    season: 1,
    load: () => {
      const years = {};
      for (const r of csvRows(file)) {
        for (const v of ['life_expectancy', 'fertility', 'population', 'gdp'])
          (years[`${r.country}-${v}`] ??= []).push([Number(r.year), r[v] === '' ? NaN : Number(r[v])]);
      }
      const groups = {};
      for (const [id, points] of Object.entries(years)) {
        points.sort((a, b) => a[0] - b[0]);
        let end = points.length - 1;
        while (end >= 0 && Number.isNaN(points[end][1])) end--;
        let start = end;
        while (start > 0 && !Number.isNaN(points[start - 1][1])) start--;
        const values = points.slice(start, end + 1).map((p) => p[1]);
        if (values.length >= 20 && values.every((v) => v > 0)) groups[id] = values;
      }
      return panelOf(path.basename(file), groups);
    },
  };
}

function syntheticPanels() {
  return [
    {
      name: 'synthetic hourly (300 × 700–960)',
      key: 'hourly',
      horizon: 48,
      season: 24,
      load: () => syntheticCollection(11, { series: 300, kind: 'hourly' }),
    },
    {
      name: 'synthetic weekly (300 × 80–2600)',
      key: 'weekly',
      horizon: 13,
      season: 1,
      load: () => syntheticCollection(12, { series: 300, kind: 'weekly', length: [80, 2600] }),
    },
    {
      // The same panel without its intermittent series (mostly zeros): their sMAPE (200 at every
      // zero a forecast misses) is ten times that of the others and can decide the panel's OWA alone.
      name: 'synthetic weekly, no intermittent series',
      key: 'weekly-regular',
      horizon: 13,
      season: 1,
      load: () => {
        const panel = syntheticCollection(12, { series: 300, kind: 'weekly', length: [80, 2600] });
        const regular = panel.series.filter((s) => s.values.filter((v) => v === 0).length < 0.3 * s.values.length);
        return { ...panel, series: regular };
      },
    },
    {
      // Random walks have nothing to learn; this one has trend changes, level shifts and yearly cycles.
      name: 'synthetic weekly, structured (360 × 80–2600)',
      key: 'weekly2',
      horizon: 13,
      season: 1,
      load: () => syntheticCollection(13, { series: 360, kind: 'weekly-structured', length: [80, 2600] }),
    },
    {
      // Step-shaped series far from zero (administered prices with rounding jitter, breaks after
      // calm stretches, values held two weeks then a rise): windows whose one-step change collapses.
      name: 'synthetic weekly, step-shaped (300 × 80–2600)',
      key: 'steps',
      horizon: 13,
      season: 1,
      load: () => syntheticCollection(14, { series: 300, kind: 'weekly-steps', length: [80, 2600], intermittent: 0 }),
    },
    {
      // Short trending yearly series, most growing, some declining, some damped, a few with a break.
      name: 'synthetic yearly, short trending (400 × 13–40)',
      key: 'yearly',
      horizon: 6,
      season: 1,
      load: () => syntheticCollection(15, { series: 400, kind: 'yearly', intermittent: 0 }),
    },
    {
      name: 'synthetic quarterly, seasonal (400 × 24–120)',
      key: 'quarterly',
      horizon: 8,
      season: 4,
      load: () => syntheticCollection(16, { series: 400, kind: 'quarterly', intermittent: 0 }),
    },
    {
      name: 'synthetic monthly, seasonal (300 × 48–300)',
      key: 'monthly',
      horizon: 18,
      season: 12,
      load: () => syntheticCollection(17, { series: 300, kind: 'monthly', intermittent: 0 }),
    },
    {
      // Smooth trends without a season, where trend extrapolation (Theta) beats the naive forecast by far.
      name: 'synthetic smooth trends (174 × 16–300)',
      key: 'smooth',
      horizon: 8,
      season: 1,
      load: () => syntheticCollection(19, { series: 174, kind: 'smooth', intermittent: 0 }),
    },
    {
      // Nothing to learn: the model must not lose to the naive forecast (MASE ratio ≤ 1.02).
      name: 'synthetic stocks, random walks (60 × 500–1000)',
      key: 'stocks-rw',
      horizon: 13,
      season: 1,
      load: () => syntheticCollection(18, { series: 60, kind: 'stocks', length: [500, 1000], intermittent: 0 }),
    },
  ];
}

const f = (v, d = 3) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(d));
/** A fraction (coverage) as a percentage with one decimal. */
const pct = (v) => (v === null || v === undefined || Number.isNaN(v) ? '–' : (100 * v).toFixed(1));

function table(name, report) {
  console.log(`\n${name}: ${report.series} series, ${report.windows === 1 ? 'holdout' : `${report.windows} backtest windows`}`);
  console.log('model         sMAPE    MASE     OWA  cov80%  cov95%    MSIS      s');
  for (const [m, r] of Object.entries(report.metrics)) {
    console.log(
      `${m.padEnd(12)} ${f(r.smape, 2).padStart(6)} ${f(r.mase).padStart(7)} ${f(r.owa).padStart(7)} ${pct(r.coverage80).padStart(7)} ${pct(r.coverage95).padStart(7)} ${f(r.msis, 2).padStart(7)} ${(report.ms[m] / 1000).toFixed(1).padStart(6)}`,
    );
  }
}

async function quality(values) {
  const vegaDir = values.vega ?? '/tmp/seqcast-panel-data/node_modules/vega-datasets';
  let panels = syntheticPanels();
  if (existsSync(vegaDir)) panels = panels.concat(vegaPanels(vegaDir));
  else console.error(`(real panels skipped: ${vegaDir} not found; npm i --prefix /tmp/seqcast-panel-data vega-datasets@3.2.1)`);
  const gapminder = values.gapminder ?? '/tmp/seqcast-panel-data/gapminder.csv';
  if (existsSync(gapminder)) panels.push(gapminderPanel(gapminder));
  else console.error(`(gapminder panel skipped: ${gapminder} not found; docs/global-model.md#real-panels says how to make it)`);
  if (values.panels) {
    const keep = values.panels.split(',');
    panels = panels.filter((p) => keep.includes(p.key));
  }
  const extra = values.options ? JSON.parse(values.options) : {};
  const out = {};
  for (const p of panels) {
    const panel = p.load();
    const spec = { horizon: p.horizon, season: p.season };
    // What the model chose on its held-out stretch (the combination, the interval factors), read
    // when it forecasts (the last window's model): the backtest disposes of it afterwards.
    let info;
    const globalModel = () => {
      const model = new GlobalEnsemble({ ...spec, ...extra });
      const forecast = model.forecast.bind(model);
      model.forecast = async (...args) => {
        info = model.info();
        return forecast(...args);
      };
      return model;
    };
    const report = await backtest(panel, [globalModel, ...Object.values(PANEL_BASELINES)], { ...spec, windows: Number(values.windows ?? 1) });
    table(p.name, report);
    // Phase one's early stopping: the step kept of the steps run, and the stretch's OWA at each checkpoint.
    const kept = (m) => (m.validation?.checkpoints ?? []).map((c) => ` kept ${c.kept}/${c.steps} (${c.scores.map((s) => f(s.owa)).join(' ')})`).join('');
    if (info.ensemble.members.length > 1) {
      const one = (m) =>
        `window ${m.window} ${m.steps} steps (${m.stopped})${kept(m)} network ${f(m.validation?.modelOwa)} shipped ${f(m.validation?.owa)} (${m.combination.partner} ${m.combination.weight})`;
      console.log(`members: ${info.ensemble.members.map(one).join('; ')}`);
    }
    if (info.ensemble.pruned)
      console.log(`pruned: ${info.ensemble.pruned.map((m) => `window ${m.window} (validation OWA ${f(m.owa)} vs the best ${f(m.best)})`).join('; ')}`);
    const { combination, widths, steps, stopped, validation } = info;
    console.log(
      `model: ${info.ensemble.members.length > 1 ? `median of ${info.ensemble.members.length} networks (shipped ${info.ensemble.shipped}), ` : ''}${steps} steps (${stopped})${info.ensemble.members.length > 1 ? '' : kept(info)}; validation OWA ${f(validation?.owa)}, network alone ${f(validation?.modelOwa)}, drift ${f(validation?.drift)}; combination ${combination.partner} at network weight ${combination.weight}; interval factors 80 ${f(widths['80'], 2)}, 95 ${f(widths['95'], 2)}`,
    );
    out[p.key] = {
      series: report.series,
      windows: report.windows,
      metrics: report.metrics,
      ms: report.ms,
      model: { steps, stopped, combination, widths, validationOwa: validation?.owa, networkOwa: validation?.modelOwa, drift: validation?.drift },
    };
    // The length groups that chose their own combination with Naive2/Theta (docs/global-model.md).
    for (const m of info.ensemble.members) {
      if (groupsShipped(m.combination)) console.log(`by length (network of window ${m.window}): ${groupsShipped(m.combination)}`);
    }
  }
  if (values.json) console.log(JSON.stringify({ suite: 'panel-quality', options: extra, panels: out }));
}

async function speed(values) {
  const series = Number(values.series ?? 400);
  const length = Number(values.length ?? 1000);
  const H = Number(values.horizon ?? 48);
  const m = Number(values.season ?? 24);
  const extra = values.options ? JSON.parse(values.options) : {};
  const panel = syntheticCollection(21, { series, kind: 'hourly', length });
  const cut = { ...panel, series: panel.series.map((s) => ({ ...s, values: s.values.subarray(0, s.values.length - H) })) };
  const t0 = Date.now();
  const model = new GlobalEnsemble({ horizon: H, season: m, ...extra });
  let last = 0;
  await model.fit(
    cut,
    { horizon: H, season: m },
    {
      onProgress: (p) => {
        if (Date.now() - last > 30_000) {
          last = Date.now();
          console.error(`  step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} ${(p.elapsedMs / 1000).toFixed(0)} s, eta ${(p.etaMs / 1000).toFixed(0)} s`);
        }
      },
    },
  );
  const fitMs = Date.now() - t0;
  const forecasts = await model.forecast(cut, H);
  const totalMs = Date.now() - t0;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  const info = model.info();
  model.dispose();
  const nets = info.ensemble;
  console.log(
    `panel ${series} series × ${length} points, H ${H}, m ${m}: ${nets.members.length} of ${nets.planned} networks (windows ${nets.windows.join(', ')}), ${info.steps} steps (${info.stopped}), kernels ${info.kernels}`,
  );
  console.log(
    `train ${(fitMs / 1000).toFixed(1)} s, forecast ${((totalMs - fitMs) / 1000).toFixed(1)} s, total ${(totalMs / 60000).toFixed(2)} min (goal ≤ 15), peak RSS ${rssMb.toFixed(0)} MB (goal ≤ 2048)`,
  );
  console.log(
    `validation (last H of the training series): OWA ${f(info.validation?.owa)} vs Naive2, coverage 80/95 ${f(info.validation?.coverage80, 3)}/${f(info.validation?.coverage95, 3)}`,
  );
  // Score the forecasts on the held-out last H next to the baselines (the model is not refitted).
  const report = await holdout(
    panel,
    [() => ({ name: 'model', fit: async () => {}, forecast: async () => forecasts, dispose() {} }), ...Object.values(PANEL_BASELINES)],
    {
      horizon: H,
      season: m,
    },
  );
  table(`holdout of the bench panel`, report);
  if (values.json) {
    console.log(
      JSON.stringify({
        suite: 'panel',
        series,
        length,
        horizon: H,
        season: m,
        steps: info.steps,
        networks: info.ensemble.members.length,
        windows: info.ensemble.windows,
        trainMs: fitMs,
        totalMs,
        peakRssMb: Math.round(rssMb),
        owa: report.metrics.model.owa,
      }),
    );
  }
}

export async function run(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quality: { type: 'boolean' },
      json: { type: 'boolean' },
      panels: { type: 'string' },
      options: { type: 'string' },
      windows: { type: 'string' },
      vega: { type: 'string' },
      gapminder: { type: 'string' },
      series: { type: 'string' },
      length: { type: 'string' },
      horizon: { type: 'string' },
      season: { type: 'string' },
    },
  });
  setKernelLogger(null);
  process.env.SEQCAST_QUIET = '1';
  if (values.quality) await quality(values);
  else await speed(values);
}
