// node bench/panel-protocol.mjs [--series 60] [--length 400] [--horizon 24] [--season 24]
//   [--windows 1] [--minutes 1] [--seed 1] [--plot FILE.svg] [--json]
// The README's panel workflow as a script (its output is what the README shows): a panel
// generated in code, the global model and every panel baseline on the same backtest cutoffs
// (library calls: backtest, PANEL_BASELINES, GlobalForecaster), and a chart of one series'
// forecast with its 80%/95% intervals. The accuracy bench (`pnpm bench panel`) uses the same calls.
import { parseArgs } from 'node:util';
import { backtest, cutPanel, GlobalForecaster, PANEL_BASELINES, syntheticPanel, writeForecastSvg } from '@seqcast/forecast';

const { values: a } = parseArgs({
  options: {
    series: { type: 'string', default: '60' },
    length: { type: 'string', default: '400' },
    horizon: { type: 'string', default: '24' },
    season: { type: 'string', default: '24' },
    windows: { type: 'string', default: '1' },
    minutes: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    plot: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const horizon = Number(a.horizon);
const season = Number(a.season);
const panel = syntheticPanel({ series: Number(a.series), length: Number(a.length), season, seed: Number(a.seed) });
const model = () => new GlobalForecaster({ horizon, season, minutes: Number(a.minutes), seed: Number(a.seed) });
const t0 = Date.now();
const report = await backtest(panel, [model, ...Object.values(PANEL_BASELINES)], { horizon, season, windows: Number(a.windows) });
if (a.json) {
  console.log(JSON.stringify({ ...report, wallMs: Date.now() - t0 }));
} else {
  console.log(`${report.series} series, ${report.windows} window(s), H ${horizon}, m ${season}`);
  console.log('| method | sMAPE | MASE | OWA | cover 80 | cover 95 | MSIS | s |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const f = (v, d = 3) => (v === null ? '—' : v.toFixed(d));
  for (const [name, m] of Object.entries(report.metrics)) {
    console.log(
      `| ${name} | ${f(m.smape, 2)} | ${f(m.mase)} | ${f(m.owa)} | ${f(m.coverage80, 2)} | ${f(m.coverage95, 2)} | ${f(m.msis, 2)} | ${(report.ms[name] / 1000).toFixed(1)} |`,
    );
  }
  if (report.worseThanNaive2.length) console.log(`worse than Naive2: ${report.worseThanNaive2.join(', ')}`);
}
if (a.plot) {
  // Refit on the holdout cut and chart the first series against what actually followed.
  const cut = cutPanel(panel, horizon, horizon);
  const m = model();
  await m.fit(cut.train, { horizon, season });
  const [f0] = await m.forecast({ ...cut.train, series: cut.train.series.slice(0, 1) }, horizon);
  m.dispose();
  await writeForecastSvg(a.plot, cut.train.series[0].values, f0, { actual: cut.actual[0], target: 'y' });
  console.error(`chart written to ${a.plot}`);
}
