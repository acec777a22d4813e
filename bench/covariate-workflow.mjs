// The README's covariate workflow as a script (its output is what the README shows): the
// store-promo sample generated in code, `forecast train` with past, future-known and static
// covariates, `forecast predict --future FILE --json`, and the chart of one series
// (`--plot`), all through the built CLI.
//   node bench/covariate-workflow.mjs [--rows 60000] [--minutes M] [--plot FILE.svg] [--out DIR]
// --rows 60000 (150 stores × 400 days) is the README's file; fewer rows, fewer stores (400 days
// each). --minutes caps the training (default: the model's own).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'apps/cli/dist/main.js');
const { values: a } = parseArgs({
  options: { rows: { type: 'string', default: '60000' }, minutes: { type: 'string' }, plot: { type: 'string' }, out: { type: 'string' } },
});
const dir = a.out ?? mkdtempSync(path.join(tmpdir(), 'seqcast-covariate-workflow-'));
mkdirSync(dir, { recursive: true });

/** Run `seqcast …` in DIR; print the command and what it printed (stdout, and stderr's own lines). */
function seqcast(args, { quiet = false, only = () => true } = {}) {
  console.log(`$ seqcast ${args.join(' ').replace(ROOT + path.sep, '')}`);
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, SEQCAST_QUIET: '1' }, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`seqcast ${args.join(' ')} failed:\n${r.stderr}`);
  if (!quiet) for (const l of r.stdout.trim().split('\n').filter(only)) console.log(`  ${l}`);
  return r.stdout;
}

writeFileSync(path.join(dir, 'stores.csv'), seqcast(['data', 'sample', 'store-promo', '--rows', a.rows], { quiet: true }));
writeFileSync(path.join(dir, 'future.csv'), seqcast(['data', 'sample', 'store-promo-future', '--rows', a.rows], { quiet: true }));
const read = ['--csv', 'stores.csv', '--id-column', 'store', '--time-column', 'date', '--target', 'sales'];
seqcast([
  'forecast',
  'train',
  ...read,
  '--features',
  'visitors',
  '--future-features',
  'promo',
  '--static-features',
  'store_type',
  '--horizon',
  '28',
  ...(a.minutes ? ['--minutes', a.minutes] : []),
  '--out',
  'models/store-promo',
  '--force',
]);
const predicted = JSON.parse(
  seqcast(['forecast', 'predict', '--model', 'models/store-promo', '--csv', 'stores.csv', '--future', 'future.csv', '--steps', '28', '--json'], {
    quiet: true,
  }),
);
const first = predicted.forecasts[0];
console.log(
  `  {"target":"${predicted.target}","steps":${predicted.steps},"forecasts":[{"id":"${first.id}","dates":["${first.dates[0]}",…],"values":[${first.values
    .slice(0, 3)
    .map((v) => v.toFixed(1))
    .join(',')},…]…},… ${predicted.forecasts.length} series]}`,
);
const plot = a.plot ? path.resolve(a.plot) : 'store_001.svg';
seqcast(
  [
    'forecast',
    'predict',
    '--model',
    'models/store-promo',
    '--csv',
    'stores.csv',
    '--future',
    'future.csv',
    '--steps',
    '28',
    '--plot',
    plot,
    '--series',
    'store_001',
  ],
  {
    only: (l) => l.startsWith('chart'),
  },
);
