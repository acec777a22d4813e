// pnpm bench scale [--duration S] [--connections N] [--rounds R] [--jobs J] [--json]
//
// Queue mode (docs/scale.md) on this one machine, against a real redis-server started on a free
// port in a temp dir:
//   1. predictions/s with 1 vs 2 `seqcast serve --redis` replicas sharing one models directory:
//      N (default 32) keep-alive clients POST /v1/models/stock/forecast for --duration seconds
//      (default 5); with 2 replicas the clients are split evenly between them, as a round-robin
//      load balancer would. 1 and 2 replicas alternate for --rounds (default 3); medians.
//   2. job throughput with 1 vs 2 `seqcast worker` processes: J (default 6) small chars jobs are
//      submitted at once; time from the first submit to the last job finished; jobs/minute.
// The machine has 2 cores shared by the replicas, the workers, Redis and the load generator,
// so little gain is expected from a second replica or worker: the point of the bench is that
// the figures are measured the way a deployment is set up, not that they scale here.
// Prints a table, then one JSON line.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { tmpdir, cpus } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const CLI = path.join(root, 'apps/cli/dist/main.js');
const requireFromServer = createRequire(path.join(root, 'apps/server/package.json'));
const autocannon = requireFromServer('autocannon');
const TOKEN = `bench-${process.pid}`;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(dir) {
  const port = await freePort();
  const child = spawn(
    process.env.SEQCAST_REDIS_SERVER ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise((resolve, reject) => {
    let out = '';
    child.on('error', (e) => reject(new Error(`cannot start redis-server (${e.message}); apt-get install redis-server`)));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
  });
  return { child, url: `redis://127.0.0.1:${port}` };
}

/** Start a CLI process and resolve once its first stdout line matching `ready` appears. */
function startCli(args, ready) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, SEQCAST_TOKEN: TOKEN, SEQCAST_QUIET: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ child, match: m });
    });
    child.on('exit', (code) => reject(new Error(`seqcast ${args[0]} exited ${code}: ${err}`)));
  });
}

const startReplica = (redisUrl, modelsDir) =>
  startCli(['serve', '--redis', redisUrl, '--models', modelsDir, '--port', '0', '--quiet'], / at (http:\/\/\S+)/).then(({ child, match }) => ({
    child,
    url: match[1],
  }));

const startWorker = (redisUrl, modelsDir) =>
  startCli(['worker', '--redis', redisUrl, '--models', modelsDir, '--quiet'], /training jobs from the queue/).then(({ child }) => ({ child }));

function stop(proc) {
  return new Promise((resolve) => {
    if (proc.child.exitCode !== null) return resolve();
    proc.child.once('exit', () => resolve());
    proc.child.kill('SIGTERM');
  });
}

async function json(url, init) {
  const res = await fetch(url, init);
  const body = await res.json();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** `connections` clients split evenly over `urls` for `duration` s; total requests/s. */
async function load(urls, requests, connections, duration) {
  const per = Math.max(1, Math.floor(connections / urls.length));
  const rs = await Promise.all(urls.map((url) => autocannon({ url, connections: per, duration, requests, pipelining: 1 })));
  return {
    rps: rs.reduce((s, r) => s + r.requests.total, 0) / duration,
    p99: Math.max(...rs.map((r) => r.latency.p99)),
    errors: rs.reduce((s, r) => s + r.errors + r.timeouts + r.non2xx, 0),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function jobRound(url, jobs, tag) {
  const t0 = performance.now();
  const ids = [];
  for (let i = 0; i < jobs; i++) {
    const body = {
      kind: 'chars',
      name: `scale-${tag}-${i}`,
      text: 'the quick brown fox jumps over the lazy dog. '.repeat(10),
      options: { seqLength: 8, hidden: 32, epochs: 15, seed: i },
    };
    ids.push(
      (
        await json(`${url}/v1/jobs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).id,
    );
  }
  const pending = new Set(ids);
  while (pending.size > 0) {
    for (const id of [...pending]) {
      const r = await json(`${url}/v1/jobs/${id}`);
      if (r.state === 'succeeded') pending.delete(id);
      else if (r.state !== 'queued' && r.state !== 'running') throw new Error(`job ${id} ${r.state}: ${r.error?.message}`);
    }
    if (performance.now() - t0 > 600_000) throw new Error('jobs did not finish in 10 minutes');
    await new Promise((res) => setTimeout(res, 100));
  }
  const seconds = (performance.now() - t0) / 1000;
  return { seconds: Math.round(seconds * 10) / 10, jobsPerMinute: Math.round((jobs / seconds) * 60 * 10) / 10 };
}

export async function run(argv) {
  const { values: flags } = parseArgs({
    args: argv,
    options: { duration: { type: 'string' }, connections: { type: 'string' }, rounds: { type: 'string' }, jobs: { type: 'string' }, json: { type: 'boolean' } },
  });
  const duration = Number(flags.duration ?? 5);
  const connections = Number(flags.connections ?? 32);
  const rounds = Number(flags.rounds ?? 3);
  const jobs = Number(flags.jobs ?? 6);
  if (!existsSync(CLI)) throw new Error('build first: pnpm build');
  const tmp = mkdtempSync(path.join(tmpdir(), 'seqcast-bench-scale-'));
  const modelsDir = path.join(tmp, 'models');
  const procs = [];
  try {
    const { initBackend } = await import('@seqcast/core');
    const { SeriesForecaster, syntheticStockSeries } = await import('@seqcast/forecast');
    await initBackend();
    console.error('training the stock forecaster ...');
    const series = syntheticStockSeries(1000, 42);
    const model = await SeriesForecaster.fit(series, { target: 'Close', features: ['Close', 'Volume'], window: 20, horizon: 5, epochs: 10, seed: 1 });
    await model.save(path.join(modelsDir, 'stock'));
    model.dispose();
    const requests = Array.from({ length: 64 }, (_, i) => {
      const end = 100 + i * 13;
      const rows = [];
      for (let t = end - 20; t < end; t++) rows.push({ Close: series.values.Close[t], Volume: series.values.Volume[t] });
      return { method: 'POST', path: '/v1/models/stock/forecast', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows, steps: 5 }) };
    });

    const redis = await startRedis(tmp);
    procs.push(redis);
    const r1 = await startReplica(redis.url, modelsDir);
    const r2 = await startReplica(redis.url, modelsDir);
    procs.push(r1, r2);
    await load([r1.url, r2.url], requests, connections, 2); // warm-up, not measured
    const one = [];
    const two = [];
    console.error(`predictions: ${rounds} rounds x (1 replica, 2 replicas) x ${duration}s @${connections} clients ...`);
    for (let i = 0; i < rounds; i++) {
      one.push(await load([r1.url], requests, connections, duration));
      two.push(await load([r1.url, r2.url], requests, connections, duration));
    }

    console.error(`jobs: ${jobs} chars jobs with 1 worker, then 2 workers ...`);
    const w1 = await startWorker(redis.url, modelsDir);
    procs.push(w1);
    const oneWorker = await jobRound(r1.url, jobs, 'a');
    const w2 = await startWorker(redis.url, modelsDir);
    procs.push(w2);
    const twoWorkers = await jobRound(r1.url, jobs, 'b');

    const rows = [
      {
        scenario: `forecast @${connections}, 1 replica`,
        value: Math.round(median(one.map((r) => r.rps))),
        unit: 'req/s',
        p99: median(one.map((r) => r.p99)),
        errors: one.reduce((s, r) => s + r.errors, 0),
      },
      {
        scenario: `forecast @${connections}, 2 replicas`,
        value: Math.round(median(two.map((r) => r.rps))),
        unit: 'req/s',
        p99: median(two.map((r) => r.p99)),
        errors: two.reduce((s, r) => s + r.errors, 0),
      },
      { scenario: `${jobs} jobs, 1 worker`, value: oneWorker.jobsPerMinute, unit: 'jobs/min', seconds: oneWorker.seconds },
      { scenario: `${jobs} jobs, 2 workers`, value: twoWorkers.jobsPerMinute, unit: 'jobs/min', seconds: twoWorkers.seconds },
    ];
    const result = {
      suite: 'scale',
      cores: cpus().length,
      duration,
      connections,
      rounds,
      rows,
      replicaRatio: Math.round((rows[1].value / rows[0].value) * 100) / 100,
      workerRatio: Math.round((rows[3].value / rows[2].value) * 100) / 100,
    };
    if (!flags.json) {
      console.log(`\nqueue mode on ${result.cores} cores (replicas, workers, Redis and the load generator share them)\n`);
      console.log('scenario                          value        p99 ms  errors  time s');
      for (const r of rows) {
        console.log(
          `${r.scenario.padEnd(32)} ${String(r.value).padStart(7)} ${r.unit.padEnd(8)} ${String(r.p99 ?? '').padStart(6)}  ${String(r.errors ?? '').padStart(6)}  ${String(r.seconds ?? '').padStart(6)}`,
        );
      }
      console.log(`\n2 replicas / 1: x${result.replicaRatio}   2 workers / 1: x${result.workerRatio}\n`);
    }
    console.log(JSON.stringify(result));
  } finally {
    for (const p of procs.reverse()) await stop(p);
    rmSync(tmp, { recursive: true, force: true });
  }
}
