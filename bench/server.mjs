// pnpm bench server [--duration S] [--connections N] [--models DIR] [--json]
//
// Load test of the HTTP server with autocannon, all on 127.0.0.1:
//   1. trains (or reuses, with --models) three real models into a temp dir: the lecture's
//      `sentence` char model (2-layer LSTM, `seqcast demo --out`), `hihello`, and a `stock`
//      forecaster on a seeded synthetic series;
//   2. starts `seqcast serve` on them in its own process (so the load generator does not share
//      the server's event loop) with a token, so training jobs can be submitted;
//   3. measures, each for --duration seconds (default 10):
//        next@N, forecast@N         N (default 32) concurrent keep-alive clients
//        next@1, forecast@1         one client, one request at a time: single-request latency
//        next@N, forecast@N + train the same while a training job runs in the server
//        next@N batching on vs off  alternated with a second server started with --no-batching
//                                   (3 rounds, medians), for the speed-up ratio
//      Requests cycle through 64 different bodies (different texts / windows), so nothing is
//      answered from a repeat.
//        /health while generate@N   N clients loop `generate` (length 500) on `sentence` while one
//                                   client times /health, one request at a time (issue 12: the
//                                   event loop stays responsive; busy generations may get 503)
// Goals (issue 5): p99 <= 50 ms at N clients, <= 100 ms while training; /health p99 <= 100 ms
// under the generate load (issue 12). `--scenario health` runs only that one; `--scenario mix`
// runs issue 28's mix of every inference route and /v1/csv (bench/server-mix.mjs). Prints a
// table, then one JSON line.
import { spawnSync } from 'node:child_process';
import * as http from 'node:http';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serveInChild } from './serve-child.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const CLI = path.join(root, 'apps/cli/dist/main.js');
// autocannon is the server package's dev dependency; resolve it from there.
const requireFromServer = createRequire(path.join(root, 'apps/server/package.json'));
const autocannon = requireFromServer('autocannon');

const TOKEN = `bench-${process.pid}`;

async function trainModels(dir) {
  // The lecture models through the CLI (the same code path as `pnpm start`).
  const r = spawnSync(process.execPath, [CLI, 'demo', '--out', dir, '--json'], { encoding: 'utf8', env: { ...process.env, SEQCAST_QUIET: '1' } });
  if (r.status !== 0) throw new Error(`seqcast demo failed: ${r.stderr}`);
  const { initBackend } = await import('@seqcast/core');
  const { SeriesForecaster, syntheticStockSeries } = await import('@seqcast/forecast');
  await initBackend();
  const series = syntheticStockSeries(1000, 42);
  const model = await SeriesForecaster.fit(series, { target: 'Close', features: ['Close', 'Volume'], window: 20, horizon: 5, epochs: 30, seed: 1 });
  await model.save(path.join(dir, 'stock'));
  model.dispose();
  return series;
}

function startServer(modelsDir, extra = []) {
  return serveInChild({ cli: CLI, modelsDir, extra, env: { SEQCAST_TOKEN: TOKEN } });
}

async function json(url, init) {
  const res = await fetch(url, init);
  const body = await res.json();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** 64 request bodies per endpoint, all different. */
function bodies(sentence, series, context) {
  const next = [];
  for (let i = 0; i < 64; i++) {
    const start = (i * 7) % (sentence.length - 20);
    next.push({
      method: 'POST',
      path: '/v1/models/sentence/next',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: sentence.slice(start, start + 10 + (i % 10)), top: 3 }),
    });
  }
  const forecast = [];
  for (let i = 0; i < 64; i++) {
    const end = 100 + i * 13;
    const rows = [];
    for (let t = end - context; t < end; t++) rows.push({ Close: series.values.Close[t], Volume: series.values.Volume[t] });
    forecast.push({
      method: 'POST',
      path: '/v1/models/stock/forecast',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rows, steps: 5 }),
    });
  }
  return { next, forecast };
}

async function load(url, requests, connections, duration) {
  const r = await autocannon({ url, connections, duration, requests, pipelining: 1 });
  return {
    connections,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    requests: r.requests.total,
    errors: r.errors + r.timeouts + r.non2xx,
  };
}

/**
 * Single-request latency: one keep-alive client, one request at a time, timed with
 * performance.now() (autocannon's histogram has 1 ms resolution, too coarse here).
 */
async function sequential(url, requests, seconds) {
  const u = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const one = (r) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: u.hostname, port: u.port, method: r.method, path: r.path, agent, headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        },
      );
      req.on('error', reject);
      req.end(r.body);
    });
  const times = [];
  let errors = 0;
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < seconds * 1000; i++) {
    const t = performance.now();
    const status = await one(requests[i % requests.length]);
    times.push(performance.now() - t);
    if (status !== 200) errors++;
  }
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  times.sort((a, b) => a - b);
  const q = (p) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))] * 100) / 100;
  return { connections: 1, rps: Math.round(times.length / elapsed), p50: q(0.5), p99: q(0.99), max: q(1), requests: times.length, errors };
}

async function stopTraining(url, id) {
  await fetch(`${url}/v1/jobs/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
  for (const t0 = Date.now(); Date.now() - t0 < 10_000;) {
    if ((await json(`${url}/v1/jobs/${id}`)).state !== 'running') return;
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function startTraining(url, sentence) {
  // Heavy enough to outlast one scenario: 8x the sentence, 2 layers of 64 units, 1000 epochs.
  const body = {
    kind: 'chars',
    name: 'bench-train',
    text: sentence.repeat(8),
    options: { seqLength: 10, layers: 2, hidden: 64, epochs: 1000, learningRate: 0.01, seed: 1 },
  };
  const job = await json(`${url}/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  for (const t0 = Date.now(); ;) {
    const r = await json(`${url}/v1/jobs/${job.id}`);
    if (r.state === 'running' && r.step >= 1) return job.id;
    if (r.state !== 'queued' && r.state !== 'running') throw new Error(`training job ${r.state}: ${r.error?.message}`);
    if (Date.now() - t0 > 60_000) throw new Error('training job did not start');
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** N clients looping `generate` (length 500) while one client times /health. */
async function healthUnderGenerate(url, sentence, connections, duration) {
  const gen = Array.from({ length: 64 }, (_, i) => ({
    method: 'POST',
    path: '/v1/models/sentence/generate',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prefix: sentence.slice(i % 40, (i % 40) + 5), length: 500, seed: i }),
  }));
  const health = [{ method: 'GET', path: '/health', headers: {}, body: '' }];
  const [g, h] = await Promise.all([load(url, gen, connections, duration), sequential(url, health, duration)]);
  return { generate: g, health: h };
}

export async function run(argv) {
  const { values: flags } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      models: { type: 'string' },
      json: { type: 'boolean' },
      scenario: { type: 'string' },
      csv: { type: 'string' },
      cli: { type: 'string' },
      only: { type: 'string' },
    },
  });
  if (flags.scenario === 'mix') {
    // Issue 28's attack mix (bench/server-mix.mjs): its own models, server and goals.
    const { runMix } = await import('./server-mix.mjs');
    return runMix(flags, root);
  }
  const duration = Number(flags.duration ?? 10);
  const connections = Number(flags.connections ?? 32);
  if (!(duration > 0 && duration <= 120)) throw new Error('--duration must be in (0, 120] seconds');
  if (!existsSync(CLI)) throw new Error('build first: pnpm build');
  const { LECTURE_SENTENCE } = await import('@seqcast/core');
  const { syntheticStockSeries } = await import('@seqcast/forecast');

  let tmp;
  let modelsDir = flags.models;
  let series = syntheticStockSeries(1000, 42);
  if (!modelsDir) {
    tmp = mkdtempSync(path.join(tmpdir(), 'seqcast-bench-server-'));
    modelsDir = tmp;
    console.error('training the benchmark models (sentence, hihello, stock) ...');
    series = await trainModels(modelsDir);
  }
  const { child, url } = await startServer(modelsDir);
  const results = [];
  let training = null;
  try {
    const stock = await json(`${url}/v1/models/stock`);
    const info = await json(`${url}/health`);
    const { next, forecast } = bodies(LECTURE_SENTENCE, series, stock.input.context);
    {
      console.error(`  /health while generate @${connections} (length 500) for ${duration}s ...`);
      const { generate: g, health: h } = await healthUnderGenerate(url, LECTURE_SENTENCE, connections, duration);
      results.push({ endpoint: `generate (length 500)`, ...g, training: false, trainingState: null, goalP99: null, ok: null });
      results.push({
        endpoint: `/health while generate@${connections}`,
        ...h,
        training: false,
        trainingState: null,
        goalP99: 100,
        ok: h.p99 <= 100 && h.errors === 0,
      });
    }
    const scenarios =
      flags.scenario === 'health'
        ? []
        : [
            ['next', next, connections, false],
            ['forecast', forecast, connections, false],
            ['next', next, 1, false],
            ['forecast', forecast, 1, false],
            ['next', next, connections, true],
            ['forecast', forecast, connections, true],
          ];
    // Warm-up (JIT, sockets), not measured.
    await load(url, next, connections, 2);
    await load(url, forecast, connections, 2);
    for (const [endpoint, requests, conns, duringTraining] of scenarios) {
      // A fresh training job per scenario, running for the whole measurement.
      if (duringTraining) training = await startTraining(url, LECTURE_SENTENCE);
      console.error(`  ${endpoint} @${conns}${duringTraining ? ' during training' : ''} for ${duration}s ...`);
      const r = conns === 1 ? await sequential(url, requests, duration) : await load(url, requests, conns, duration);
      let trainingState = null;
      if (duringTraining) {
        const j = await json(`${url}/v1/jobs/${training}`);
        trainingState = j.state;
        r.trainingStep = j.step;
        await stopTraining(url, training);
      }
      const goal = conns === 1 ? null : duringTraining ? 100 : 50;
      // A training scenario only counts if the job ran through the whole measurement.
      const valid = !duringTraining || trainingState === 'running';
      results.push({
        endpoint,
        ...r,
        training: duringTraining,
        trainingState,
        goalP99: goal,
        ok: goal === null ? null : valid && r.p99 <= goal && r.errors === 0,
      });
    }
    // Batching on vs off, side by side: the same next load alternated between this server and
    // one started with --no-batching, 3 rounds, medians (machine noise hits both alike).
    const abRounds = [];
    if (flags.scenario !== 'health') {
      const plain = await startServer(modelsDir, ['--no-batching']);
      try {
        await load(plain.url, next, connections, 2);
        const slice = Math.max(1, Math.round(duration / 2));
        console.error(`  next @${connections}: batching on/off alternated, 3 x ${slice}s each ...`);
        for (let round = 0; round < 3; round++) {
          abRounds.push({ on: await load(url, next, connections, slice), off: await load(plain.url, next, connections, slice) });
        }
      } finally {
        plain.child.kill('SIGTERM');
        await new Promise((res) => plain.child.once('exit', res));
      }
    }
    const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    for (const side of abRounds.length ? ['on', 'off'] : []) {
      const rs = abRounds.map((r) => r[side]);
      const r = {
        connections,
        rps: med(rs.map((x) => x.rps)),
        p50: med(rs.map((x) => x.p50)),
        p99: med(rs.map((x) => x.p99)),
        max: Math.max(...rs.map((x) => x.max)),
        requests: rs.reduce((n, x) => n + x.requests, 0),
        errors: rs.reduce((n, x) => n + x.errors, 0),
      };
      results.push({ endpoint: `next (batching ${side}, A/B median)`, ...r, training: false, trainingState: null, goalP99: null, ok: null });
    }
    const header = ['scenario', 'clients', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'goal p99', 'ok'];
    const rows = results.map((r) => [
      `${r.endpoint}${r.training ? ' + training' : ''}`,
      String(r.connections),
      String(r.rps),
      String(r.p50),
      String(r.p99),
      String(r.max),
      String(r.errors),
      r.goalP99 === null ? '-' : `<= ${r.goalP99}`,
      r.ok === null ? '-' : r.ok ? 'yes' : 'NO',
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    if (!flags.json) {
      console.log(`seqcast server on ${url} (backend ${info.backend}), ${duration}s per scenario, autocannon`);
      console.log(line(header));
      for (const r of rows) console.log(line(r));
    }
    console.log(
      JSON.stringify({
        suite: 'server',
        backend: info.backend,
        durationS: duration,
        batchingSpeedup: abRounds.length ? Math.round((results.at(-2).rps / results.at(-1).rps) * 100) / 100 : null,
        abRounds,
        results,
      }),
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}
