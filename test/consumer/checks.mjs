// Run by consumer.test.ts inside the temporary npm project: what a consumer would try beyond the
// README example. Prints one JSON line of findings; the test asserts on it.
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CharLM, initBackend, initKernels, kernelStatus } from '@seqcast/core';
import { describeSeries, readCsv, toDataFrame } from '@seqcast/data';
import { evaluationSvg, evaluate, SeriesForecaster } from '@seqcast/forecast';
import { startServer } from '@seqcast/server';

const [csv] = process.argv.slice(2);
const out = {};
await initBackend({ log: false });
await initKernels();
out.kernels = kernelStatus().path;

// CommonJS consumers: require() of every package (no top-level await reachable from an entry).
const require = createRequire(path.join(process.cwd(), 'index.cjs'));
out.require = {};
for (const name of ['@seqcast/core', '@seqcast/kernels', '@seqcast/data', '@seqcast/forecast', '@seqcast/server']) {
  try {
    out.require[name] = Object.keys(require(name)).length > 0 ? 'ok' : 'empty';
  } catch (e) {
    out.require[name] = `${e.code ?? ''} ${String(e.message).split('\n')[0]}`;
  }
}

// Without danfojs-node: statistics still work (typed pass); DataFrame interop names what to install.
const series = await readCsv({ path: csv });
out.describe = (await describeSeries(series)).Sales;
try {
  await toDataFrame(series);
  out.toDataFrame = 'worked';
} catch (e) {
  out.toDataFrame = `${e.code}: ${e.message}`;
}

// A chart (vega/vega-lite load on first use).
const model = await SeriesForecaster.fit(series, { target: 'Sales', season: 12, seed: 1 });
out.svg = (await evaluationSvg(evaluate(model, series), { target: 'Sales' })).startsWith('<svg');

// Save the models, serve them, ask each, stop.
const dir = mkdtempSync(path.join(os.tmpdir(), 'seqcast-consumer-'));
await model.save(path.join(dir, 'cars'));
const rows = model.rowsOf(series).slice(-model.info.context);
model.dispose();
const lm = await CharLM.train('hihello', { seqLength: 6, layers: 1, epochs: 100, learningRate: 0.1, seed: 777 });
await lm.save(path.join(dir, 'hihello'));
lm.dispose();
const server = await startServer({ modelsDir: dir, port: 0, logger: false });
const post = (p, body) =>
  fetch(server.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
out.health = await fetch(server.url + '/health').then((r) => r.json());
out.next = (await post('/v1/models/hihello/next', { text: 'hihel', top: 1 })).next?.[0]?.char;
out.forecast = (await post('/v1/models/cars/forecast', { rows, steps: 3 })).forecast?.map(Math.round);
await server.close();
out.closed = !server.server.listening;
console.log(JSON.stringify(out));
