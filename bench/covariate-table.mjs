// With vs without covariates, through the built CLI's `forecast backtest --json` (the same command
// twice, the second without the covariate flags), on two panels:
//   - store-promo (generated in code, known effects): daily sales driven by a planned promotion
//     (future-known), the store type (static), the weekday and a drifting level that the day's
//     visitors (past) follow; horizon 28;
//   - GOOG (public: ../shared/data/stock_daily.csv, the lecture's daily Open/High/Low/Volume/Close,
//     newest row first): Close from its past with Open, High, Low, Volume as past covariates;
//     horizon 5. Skipped, with a line saying so, when ../shared is absent.
// Prints a Markdown table (MASE and OWA; lower is better) and the commands it ran.
//   node bench/covariate-table.mjs [--stores 60] [--minutes 1.5] [--stock-windows 6] [--out DIR]
// CPU heavy (four trainings of --minutes each at most, the stock ones per window): modest sizes
// by default; --stores 150 --minutes 4 is the README's command.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sampleCsv } from '@seqcast/data';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'apps/cli/dist/main.js');
const { values: args } = parseArgs({
  options: {
    stores: { type: 'string', default: '60' },
    minutes: { type: 'string', default: '1.5' },
    'stock-windows': { type: 'string', default: '6' },
    out: { type: 'string' },
  },
});
const dir = args.out ?? mkdtempSync(path.join(tmpdir(), 'seqcast-covariates-'));
mkdirSync(dir, { recursive: true });

/** `forecast backtest … --json`: its metrics, and the command as a user types it. */
function backtest(flags) {
  const argv = ['forecast', 'backtest', ...flags, '--json'];
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, ...argv], { encoding: 'utf8', env: { ...process.env, SEQCAST_QUIET: '1' }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`seqcast ${argv.join(' ')} failed:\n${r.stderr}`);
  return { metrics: JSON.parse(r.stdout).metrics, seconds: (Date.now() - t0) / 1000, command: `seqcast ${argv.join(' ')}` };
}

const rows = [];
const commands = [];
const fmt = (v) => (v == null ? '—' : v.toFixed(3));

// 1. store-promo: 400 days per store.
const stores = Number(args.stores);
const promo = path.join(dir, 'store-promo.csv');
writeFileSync(promo, sampleCsv('store-promo', { rows: stores * 400 }));
const promoCommon = ['--csv', promo, '--id-column', 'store', '--time-column', 'date', '--target', 'sales', '--horizon', '28'];
const promoModel = ['--models', 'global,snaive', '--minutes', args.minutes, '--seed', '1'];
const promoWith = backtest([...promoCommon, '--features', 'visitors', '--future-features', 'promo', '--static-features', 'store_type', ...promoModel]);
const promoWithout = backtest([...promoCommon, ...promoModel]);
commands.push(promoWith.command, promoWithout.command);
rows.push({
  panel: `store-promo (generated: ${stores} stores × 400 days), H 28, 1 window`,
  covariates: 'past visitors, future promo, static store_type',
  with: promoWith.metrics.model,
  without: promoWithout.metrics.model,
  baseline: ['snaive', promoWith.metrics.snaive],
  naive2: promoWith.metrics.naive2,
});

// 2. GOOG daily: the lecture's file, oldest first with a ticker column (written to a temp file).
const STOCK = path.join(ROOT, '../shared/data/stock_daily.csv');
if (existsSync(STOCK)) {
  const data = readFileSync(STOCK, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() && !l.startsWith('#'))
    .reverse();
  const goog = path.join(dir, 'goog.csv');
  writeFileSync(goog, ['Ticker,t,Open,High,Low,Volume,Close', ...data.map((l, i) => `GOOG,${i + 1},${l}`)].join('\n') + '\n');
  const stockCommon = ['--csv', goog, '--id-column', 'Ticker', '--time-column', 't', '--target', 'Close', '--horizon', '5', '--season', '1'];
  const stockModel = ['--windows', args['stock-windows'], '--models', 'global,naive', '--minutes', String(Number(args.minutes) / 3), '--seed', '1'];
  const stockWith = backtest([...stockCommon, '--features', 'Open,High,Low,Volume', ...stockModel]);
  const stockWithout = backtest([...stockCommon, ...stockModel]);
  commands.push(stockWith.command, stockWithout.command);
  rows.push({
    panel: `GOOG daily (public, ../shared/data/stock_daily.csv, ${data.length} days), H 5, ${args['stock-windows']} windows`,
    covariates: 'past Open, High, Low, Volume',
    with: stockWith.metrics.model,
    without: stockWithout.metrics.model,
    baseline: ['naive', stockWith.metrics.naive],
    naive2: stockWith.metrics.naive2,
  });
} else {
  console.log(`(no ${STOCK}: the public panel is skipped)`);
}

console.log('| panel | covariates | MASE with | MASE without | with / without | OWA with | OWA without | baseline MASE |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.panel} | ${r.covariates} | ${fmt(r.with.mase)} | ${fmt(r.without.mase)} | ${fmt(r.with.mase / r.without.mase)} | ${fmt(r.with.owa)} | ${fmt(r.without.owa)} | ${r.baseline[0]} ${fmt(r.baseline[1].mase)} |`,
  );
}
console.log('\ncommands:');
for (const c of commands) console.log(`  ${c.replace(dir, 'DIR')}`);
