// pnpm bench server --scenario mix [--duration S] [--connections N] [--csv long|wide|none] [--only KINDS] [--cli PATH] [--json]
//
// Issue 28's bar for a server under attack by anonymous clients, all on 127.0.0.1:
//   N (default 32) keep-alive clients loop, round robin by client, one of
//     next       a 1,200-character text on a 2x256 LSTM (just under maxRequestWork)
//     generate   a 600-character prefix, length 500, on the same model
//     forecast   one series, 200 steps (recursive past the horizon of 5)
//     panel      10,000 one-row series (a ~400 KB body)
//     csv        POST /v1/csv at the body limit: `long` a ~1 MB two-column CSV, `wide` one row
//                of 499,990 columns (the reproduction), `none` leaves csv clients out
//   while one more client times GET /health one request at a time, for --duration seconds
//   (default 30, at most 120); the server's resident memory is read every 100 ms from /proc.
// Goals: /health p99 <= 100 ms, server RSS peak < 1 GB, no 5xx but 503 with Retry-After.
// --cli runs another build's `seqcast` (e.g. a checkout of main's apps/cli/dist/main.js) for a
// before/after comparison on the same models. Prints a table, then one JSON line.
import * as http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { serveInChild } from './serve-child.mjs';

const VOCAB = 'abcdefghijklmnopqrstuvwxyz ';
const GOAL_HEALTH_P99_MS = 100;
const GOAL_RSS_MB = 1024;

/** Deterministic pseudo-random text over VOCAB. */
function text(length, seed) {
  let s = seed >>> 0 || 1;
  let out = '';
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out += VOCAB[(s >>> 16) % VOCAB.length];
  }
  return out;
}

async function trainModels(dir) {
  const { CharLM, Vocabulary, initBackend } = await import('@seqcast/core');
  const { SeriesForecaster, GlobalForecaster, syntheticPanel, syntheticStockSeries } = await import('@seqcast/forecast');
  await initBackend();
  // Untrained weights cost the same per character as trained ones; 2x256 with 27 characters
  // has ~822k parameters, so 1,200 characters are ~9.9e8 of maxRequestWork's 1e9.
  const vocab = Vocabulary.fromText(VOCAB);
  const lm = CharLM.fromConfig({ cell: 'lstm', layers: 2, hidden: 256, seqLength: 50, dense: true, vocabSize: vocab.size }, vocab, 1);
  await lm.save(path.join(dir, 'lm'));
  lm.dispose();
  const series = syntheticStockSeries(600, 42);
  const stock = await SeriesForecaster.fit(series, { target: 'Close', features: ['Close', 'Volume'], window: 20, horizon: 5, epochs: 3, seed: 1 });
  await stock.save(path.join(dir, 'stock'));
  const context = stock.info.context;
  stock.dispose();
  const panel = new GlobalForecaster({ horizon: 6, steps: 30, units: 32, seed: 1 });
  await panel.fit(syntheticPanel({ series: 20, length: 120, season: 12, seed: 9 }), { horizon: 6, season: 12 });
  await panel.save(path.join(dir, 'stores'));
  panel.dispose();
  return { series, context };
}

function startServer(cli, modelsDir) {
  return serveInChild({ cli, modelsDir });
}

function bodies(series, context, csv) {
  const post = (p, body) => ({ method: 'POST', path: p, body: JSON.stringify(body) });
  const make = {
    next: (i) => post('/v1/models/lm/next', { text: text(1200, i + 1), top: 5 }),
    generate: (i) => post('/v1/models/lm/generate', { prefix: text(600, i + 100), length: 500, seed: i }),
    forecast: (i) => {
      const end = 100 + i * 7;
      const rows = [];
      for (let t = end - context; t < end; t++) rows.push({ Close: series.values.Close[t], Volume: series.values.Volume[t] });
      return post('/v1/models/stock/forecast', { rows, steps: 200 });
    },
    panel: (i) =>
      post('/v1/models/stores/forecast', { series: Array.from({ length: 10_000 }, (_, k) => ({ id: `s${k}`, rows: [{ y: 50 + ((k * 7 + i) % 40) }] })) }),
  };
  const out = {};
  for (const [kind, f] of Object.entries(make)) out[kind] = Array.from({ length: kind === 'panel' ? 2 : 16 }, (_, i) => f(i));
  if (csv === 'long') {
    // Rows of "YYYY-MM-DD,value" up to just under the 1 MB body limit once JSON-encoded.
    const lines = ['date,value'];
    let bytes = 40;
    for (let d = 0; bytes < 990_000; d++) {
      const line = `${new Date(Date.UTC(1900, 0, 1 + d)).toISOString().slice(0, 10)},${(100 + Math.sin(d / 9) * 20).toFixed(3)}`;
      lines.push(line);
      bytes += line.length + 2; // "\n" is two bytes in JSON
    }
    out.csv = [post('/v1/csv', { csv: lines.join('\n') + '\n' })];
  } else if (csv === 'wide') {
    out.csv = [post('/v1/csv', { csv: Array(499_990).fill('1').join(',') + '\n' })];
  }
  return out;
}

function request(agent, u, r) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: r.method,
        path: r.path,
        agent,
        timeout: 120_000,
        headers: r.body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'] !== undefined }));
        res.on('error', () => resolve({ status: 'reset' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: e.message === 'timeout' ? 'timeout' : 'reset' }));
    req.end(r.body);
  });
}

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export async function runMix(flags, root) {
  const duration = Number(flags.duration ?? 30);
  const connections = Number(flags.connections ?? 32);
  const csv = flags.csv ?? 'long';
  if (!(duration > 0 && duration <= 120)) throw new Error('--duration must be in (0, 120] seconds');
  if (!(Number.isInteger(connections) && connections >= 1 && connections <= 256)) throw new Error('--connections must be an integer in 1..256');
  if (!['long', 'wide', 'none'].includes(csv)) throw new Error('--csv must be long, wide or none');
  const cli = path.resolve(flags.cli ?? path.join(root, 'apps/cli/dist/main.js'));
  const tmp = mkdtempSync(path.join(tmpdir(), 'seqcast-bench-mix-'));
  try {
    console.error('training the mix models (lm 2x256, stock, stores panel) ...');
    const { series, context } = await trainModels(tmp);
    const requests = bodies(series, context, csv);
    // --only next,panel: a subset of the mix (to see which route costs the event loop what).
    const kinds = Object.keys(requests).filter((k) => !flags.only || flags.only.split(',').includes(k));
    const { child, url } = await startServer(cli, tmp);
    const u = new URL(url);
    const counts = Object.fromEntries(kinds.map((k) => [k, {}]));
    let bad = 0; // 5xx other than 503 with Retry-After, resets, timeouts
    let rssPeak = rssMb(child.pid);
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(child.pid))), 100);
    const t0 = performance.now();
    const running = () => performance.now() - t0 < duration * 1000;
    try {
      console.error(`  ${connections} clients looping ${kinds.join(', ')} + /health timed, ${duration}s (${cli}) ...`);
      const client = async (c) => {
        const kind = kinds[c % kinds.length];
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        for (let i = c; running(); i++) {
          const pool = requests[kind];
          const r = await request(agent, u, pool[i % pool.length]);
          counts[kind][r.status] = (counts[kind][r.status] ?? 0) + 1;
          if (typeof r.status !== 'number' || (r.status >= 500 && !(r.status === 503 && r.retryAfter))) bad++;
          if (r.status === 503) await new Promise((res) => setTimeout(res, 50)); // a polite client backs off a little
        }
        agent.destroy();
      };
      const health = async () => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const times = [];
        let failed = 0;
        while (running()) {
          const t = performance.now();
          const r = await request(agent, u, { method: 'GET', path: '/health' });
          times.push(performance.now() - t);
          if (r.status !== 200) failed++;
          await new Promise((res) => setTimeout(res, 20));
        }
        agent.destroy();
        times.sort((a, b) => a - b);
        const q = (p) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))] * 10) / 10;
        return { requests: times.length, failed, p50: q(0.5), p99: q(0.99), max: q(1) };
      };
      const [h] = await Promise.all([health(), ...Array.from({ length: connections }, (_, c) => client(c))]);
      clearInterval(sampler);
      rssPeak = Math.max(rssPeak, rssMb(child.pid));
      const result = {
        suite: 'server',
        scenario: 'mix',
        cli,
        csv,
        connections,
        durationS: duration,
        health: h,
        rssPeakMb: Math.round(rssPeak),
        statuses: counts,
        bad,
        ok: h.p99 <= GOAL_HEALTH_P99_MS && rssPeak < GOAL_RSS_MB && bad === 0 && h.failed === 0,
      };
      if (!flags.json) {
        console.log(`seqcast server mix on ${url}, ${connections} clients, ${duration}s, csv ${csv}`);
        console.log(
          `  /health   p50 ${h.p50} ms  p99 ${h.p99} ms  max ${h.max} ms  (${h.requests} timed, ${h.failed} failed; goal p99 <= ${GOAL_HEALTH_P99_MS})`,
        );
        console.log(`  RSS peak  ${Math.round(rssPeak)} MB (goal < ${GOAL_RSS_MB})`);
        for (const k of kinds) console.log(`  ${k.padEnd(9)} ${JSON.stringify(counts[k])}`);
        console.log(`  bad       ${bad} (5xx other than 503 with Retry-After, resets, timeouts)   ok: ${result.ok ? 'yes' : 'NO'}`);
      }
      console.log(JSON.stringify(result));
    } finally {
      clearInterval(sampler);
      child.kill('SIGTERM');
      await new Promise((res) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(force);
          res();
        });
      });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
