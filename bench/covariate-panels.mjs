// Seeded panels for measuring the global model's covariates (issue 25), written as long CSVs:
//   node bench/covariate-panels.mjs DIR
// DIR/stock-panel.csv   40 tickers × 600 business days: Ticker,Date,Open,High,Low,Close,Volume
//                       (random walks: nothing beats naive by much; the features must not hurt)
// DIR/hourly-plain.csv  60 series × 1,200 hours, a 24-step cycle with a random phase per series
//                       (so the hour of day means nothing across series: no calendar effect)
// DIR/daily-plain.csv   80 series × 500 days, a 7-step cycle with a random phase per series,
//                       trend and AR(1) noise (no calendar effect)
// DIR/store-promo.csv   the `seqcast data sample store-promo` panel (150 stores × 400 days),
//                       and DIR/store-promo-future.csv its next 28 days
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from '@seqcast/core';
import { sampleCsv } from '@seqcast/data';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node bench/covariate-panels.mjs DIR');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const u = seededRandom(25);
const g = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
const iso = (ms, hours = false) => (hours ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : new Date(ms).toISOString().slice(0, 10));
const DAY = 86_400_000;

function stockPanel() {
  const lines = ['Ticker,Date,Open,High,Low,Close,Volume'];
  for (let k = 0; k < 40; k++) {
    let close = 20 + 400 * u();
    const vol = 0.008 + 0.02 * u();
    let t = Date.UTC(2021, 0, 4);
    for (let i = 0; i < 600; i++) {
      while ([0, 6].includes(new Date(t).getUTCDay())) t += DAY;
      const open = close * Math.exp(0.3 * vol * g());
      close = open * Math.exp(0.0003 + vol * g());
      const high = Math.max(open, close) * (1 + Math.abs(0.4 * vol * g()));
      const low = Math.min(open, close) * (1 - Math.abs(0.4 * vol * g()));
      const volume = Math.round(1e6 * (0.5 + 3 * u()) * Math.exp(0.4 * g()));
      lines.push(`T${String(k).padStart(2, '0')},${iso(t)},${open.toFixed(4)},${high.toFixed(4)},${low.toFixed(4)},${close.toFixed(4)},${volume}`);
      t += DAY;
    }
  }
  return lines.join('\n') + '\n';
}

function cyclePanel(series, length, period, stepMs, hours) {
  const lines = ['id,time,y'];
  for (let k = 0; k < series; k++) {
    const level = 50 + 500 * u();
    const amp = 0.1 + 0.4 * u();
    const phase = 2 * Math.PI * u();
    const trend = 0.0005 * g();
    const start = Date.UTC(2022, 0, 1) + Math.floor(u() * 100) * stepMs;
    let ar = 0;
    for (let i = 0; i < length; i++) {
      ar = 0.6 * ar + 0.05 * g();
      const y = level * (1 + trend * i) * (1 + amp * Math.sin((2 * Math.PI * i) / period + phase) + ar);
      lines.push(`s${k},${iso(start + i * stepMs, hours)},${y.toFixed(2)}`);
    }
  }
  return lines.join('\n') + '\n';
}

writeFileSync(path.join(dir, 'stock-panel.csv'), stockPanel());
writeFileSync(path.join(dir, 'hourly-plain.csv'), cyclePanel(60, 1200, 24, 3_600_000, true));
writeFileSync(path.join(dir, 'daily-plain.csv'), cyclePanel(80, 500, 7, DAY, false));
writeFileSync(path.join(dir, 'store-promo.csv'), sampleCsv('store-promo'));
writeFileSync(path.join(dir, 'store-promo-future.csv'), sampleCsv('store-promo-future'));
console.log(`wrote ${dir}/{stock-panel,hourly-plain,daily-plain,store-promo,store-promo-future}.csv`);
