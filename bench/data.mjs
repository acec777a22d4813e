// pnpm bench data [--rows N] [--runs N] [--window N] [--features A,B] [--heap MB] [--compare-danfo N]
//
// Generates a newest-first CSV of N rows (default 1,000,000) and 6 columns (Date + OHLC + Volume)
// in a temp dir, then — in a fresh child process per run, so peak memory is that of the pipeline
// alone — does what `seqcast forecast train --csv FILE --target Close` does before any fitting:
// reads it with @seqcast/data (readCsv: parse, detect the dates, sort oldest-first) and builds the
// SeriesForecaster's inputs with forecast's input stack (src/inputs/: column stats on the
// training rows, the lag regressors and recurrent windows of every training origin, the targets
// for each base), then cuts one GlobalForecaster training batch (256 normalised, patched windows)
// from the same column. Reports the median over runs of each phase's wall time and the child's
// peak RSS (process.resourceUsage().maxRSS).
// --compare-danfo N also times danfojs-node's own readCSV + sortValues on an N-row file for a
// side-by-side ratio (its DataFrame is what the package avoids on the large path).
// Prints a table, then one JSON line.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const self = fileURLToPath(import.meta.url);

/** Write `rows` rows, newest first, with a timestamp per minute and a random walk. */
async function generate(file, rows) {
  const out = createWriteStream(file);
  out.write('Date,Open,High,Low,Close,Volume\n');
  let seed = 42;
  const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  // Walk backwards from the newest row so the file is newest-first like broker downloads.
  const t0 = Date.UTC(2020, 0, 1);
  let price = 500;
  let buf = '';
  for (let i = rows - 1; i >= 0; i--) {
    price = Math.max(1, price * (1 + (rand() - 0.5) * 0.01));
    const o = price;
    const c = price * (1 + (rand() - 0.5) * 0.004);
    const h = Math.max(o, c) * (1 + rand() * 0.002);
    const l = Math.min(o, c) * (1 - rand() * 0.002);
    const d = new Date(t0 + i * 60_000).toISOString().slice(0, 19).replace('T', ' ');
    buf += `${d},${o.toFixed(4)},${h.toFixed(4)},${l.toFixed(4)},${c.toFixed(4)},${Math.floor(rand() * 1e6)}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

/** The SeriesForecaster's design at its defaults (split 0.8, horizon 1): what `forecast train` builds before fitting. */
function forecasterInputs(inputs, series, features, window, season) {
  const cols = features.map((f) => Float64Array.from(series.values[f]));
  const trainEnd = Math.floor(0.8 * series.rows);
  const stats = {};
  features.forEach((f, i) => (stats[f] = inputs.fitStats(cols[i], trainEnd)));
  const context = inputs.contextFor(window, season);
  const spec = { features, target: 'Close', window, horizon: 1, season, targetLags: inputs.targetLagsFor(window, season), context, stats };
  const origins = Int32Array.from({ length: trainEnd - 1 - (context - 1) }, (_, i) => context - 1 + i);
  const { skip, window: win } = inputs.buildInputs(spec, cols, origins);
  const bases = season > 1 ? ['naive', 'seasonal'] : ['naive'];
  const y = cols[features.indexOf('Close')];
  const targets = bases.map((b) => inputs.buildTargets(spec, y, origins, [b]));
  return { origins: origins.length, values: skip.length + win.length + targets.reduce((n, t) => n + t.length, 0), bytes: skip.byteLength + win.byteLength };
}

/** One GlobalForecaster training batch from the Close column: 256 windows of 48 values (4 patches of 12) at random cutoffs. */
function panelBatch(inputs, values) {
  const shape = { window: 48, patch: 12, horizon: 12, season: 12 };
  const B = 256;
  const x = new Float32Array(B * shape.window);
  const mask = new Float32Array(B * (shape.window / shape.patch));
  const y = new Float32Array(B * shape.horizon);
  let seed = 7;
  for (let b = 0; b < B; b++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    const end = shape.window + (seed % (values.length - shape.window - shape.horizon));
    const norm = inputs.writeWindow(values, end, shape, b, x, mask);
    inputs.writeTargets(values, end, norm, shape.horizon, b, y);
  }
  return x.length + y.length;
}

/** Child mode: one measured run of the seqcast pipeline (or of danfo) on `file`. */
async function child(file, window, features, mode) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let peakHeap = 0;
  const sample = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 20);
  const result = {};
  if (mode === 'danfo') {
    const { loadDanfo } = await import('@seqcast/data'); // the package's own danfojs-node
    const dfd = await loadDanfo();
    const tImport = performance.now();
    const df = await dfd.readCSV(file);
    const tRead = performance.now();
    const sorted = df.sortValues('Date');
    const tSort = performance.now();
    Object.assign(result, { rows: sorted.shape[0], importMs: tImport - t0, readMs: tRead - tImport, sortMs: tSort - tRead });
  } else {
    const { readCsv } = await import('@seqcast/data');
    const inputs = await import('@seqcast/forecast/internals');
    const tImport = performance.now();
    const series = await readCsv({ path: file });
    const tRead = performance.now();
    const design = forecasterInputs(inputs, series, features, window, 1);
    const tDesign = performance.now();
    const batchValues = panelBatch(inputs, series.values.Close);
    const tBatch = performance.now();
    Object.assign(result, {
      rows: series.rows,
      order: series.order,
      origins: design.origins,
      designMB: design.bytes / 2 ** 20,
      batchValues,
      importMs: tImport - t0,
      readMs: tRead - tImport,
      designMs: tDesign - tRead,
      batchMs: tBatch - tDesign,
    });
  }
  clearInterval(sample);
  result.totalMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  result.cpuMs = (cpu.user + cpu.system) / 1000; // less noisy than wall time on a shared machine
  result.maxRssMB = process.resourceUsage().maxRSS / 1024;
  result.peakHeapMB = peakHeap / 2 ** 20;
  process.stdout.write(JSON.stringify(result) + '\n');
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function measure(file, window, features, mode, runs, heapMB) {
  const results = [];
  const nodeFlags = heapMB ? [`--max-old-space-size=${heapMB}`] : [];
  for (let r = 0; r < runs; r++) {
    const c = spawnSync(process.execPath, [...nodeFlags, self, '--child', file, '--window', String(window), '--features', features.join(','), '--mode', mode], {
      encoding: 'utf8',
      cwd: path.dirname(self), // resolves @seqcast/data and @seqcast/forecast through the bench package
      maxBuffer: 1 << 20,
    });
    if (c.status !== 0) throw new Error(`bench child failed (${mode}): ${(c.stderr || c.stdout).trim().split('\n').pop()}`);
    results.push(JSON.parse(c.stdout.trim().split('\n').pop()));
  }
  const keys = Object.keys(results[0]).filter((k) => typeof results[0][k] === 'number');
  const med = { ...results[0] };
  for (const k of keys) med[k] = median(results.map((x) => x[k]));
  return med;
}

export async function run(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '3' },
      window: { type: 'string', default: '8' }, // the SeriesForecaster's default
      features: { type: 'string', default: 'Close' }, // the SeriesForecaster's default: the target alone
      'compare-danfo': { type: 'string' },
      heap: { type: 'string' }, // cap the child's V8 heap (MB) to prove the pipeline fits
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const rows = Number(values.rows);
  const runs = Number(values.runs);
  const window = Number(values.window);
  const features = values.features.split(',');
  if (!features.includes('Close')) features.push('Close'); // the target is always an input
  const unknown = features.filter((f) => !['Open', 'High', 'Low', 'Close', 'Volume'].includes(f));
  if (unknown.length) {
    console.error(`seqcast bench data: --features: unknown column ${unknown.join(', ')} (the generated file has Open, High, Low, Close, Volume)`);
    process.exit(2);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'seqcast-bench-data-'));
  try {
    const file = path.join(dir, 'series.csv');
    const tg = performance.now();
    await generate(file, rows);
    const genMs = performance.now() - tg;
    const sizeMB = statSync(file).size / 2 ** 20;
    const heapMB = values.heap ? Number(values.heap) : undefined;
    const seq = measure(file, window, features, 'seqcast', runs, heapMB);
    const out = {
      suite: 'data',
      rows,
      columns: 6,
      fileMB: +sizeMB.toFixed(1),
      window,
      features,
      runs,
      heapLimitMB: heapMB ?? null,
      node: process.version,
      generateMs: Math.round(genMs),
      seqcast: seq,
    };
    if (values['compare-danfo']) {
      const n = Number(values['compare-danfo']);
      const small = path.join(dir, 'small.csv');
      await generate(small, n);
      const seqSmall = measure(small, window, features, 'seqcast', runs);
      const danfo = measure(small, window, features, 'danfo', runs);
      out.compare = { rows: n, seqcast: seqSmall, danfo };
    }
    const f = (x) => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
    const line = (label, r) =>
      `${label.padEnd(28)} ${f(r.readMs).padStart(9)} ${f(r.designMs ?? r.sortMs).padStart(12)} ${f(r.totalMs).padStart(9)} ${f(r.cpuMs).padStart(9)} ${f(r.maxRssMB).padStart(10)} ${f(r.peakHeapMB).padStart(8)}`;
    if (!values.json) {
      console.log(
        `data bench: ${rows.toLocaleString('en')} rows x 6 columns (${sizeMB.toFixed(1)} MB, newest-first, dates), SeriesForecaster inputs of ${features.join(',')} (window ${window}), median of ${runs} fresh processes${heapMB ? `, V8 heap capped at ${heapMB} MB` : ''}`,
      );
      console.log(
        `${'pipeline'.padEnd(28)} ${'read ms'.padStart(9)} ${'inputs ms'.padStart(12)} ${'total ms'.padStart(9)} ${'cpu ms'.padStart(9)} ${'maxRSS MB'.padStart(10)} ${'heap MB'.padStart(8)}`,
      );
      console.log(line('seqcast readCsv+inputs', seq));
      console.log(
        `  -> ${seq.rows} rows (${seq.order}), ${seq.origins} training origins (${f(seq.designMB)} MB of inputs), panel batch ${f(seq.batchMs)} ms; total includes module import (${f(seq.importMs)} ms)`,
      );
      if (out.compare) {
        const c = out.compare;
        console.log(`side by side at ${c.rows.toLocaleString('en')} rows (danfo column: readCSV, then sortValues('Date') under inputs):`);
        console.log(line('seqcast readCsv+inputs', c.seqcast));
        console.log(line('danfojs-node readCSV+sort', c.danfo));
        const work = (r) => r.totalMs - r.importMs;
        console.log(
          `  danfo/seqcast: work time (excl. import) x${(work(c.danfo) / work(c.seqcast)).toFixed(1)}, maxRSS x${(c.danfo.maxRssMB / c.seqcast.maxRssMB).toFixed(1)}`,
        );
      }
    }
    console.log(JSON.stringify(out));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Child mode when executed directly by measure().
if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url && process.argv[2] === '--child') {
  const { values } = parseArgs({
    args: process.argv.slice(3),
    options: { window: { type: 'string' }, features: { type: 'string' }, mode: { type: 'string' } },
    allowPositionals: true,
    strict: false,
  });
  const file = process.argv[3];
  await child(file, Number(values.window), values.features.split(','), values.mode);
}
