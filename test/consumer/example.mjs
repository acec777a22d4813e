import { CharLM, initBackend, initKernels } from '@seqcast/core';
import { inspectCsv, readCsv } from '@seqcast/data';
import { evaluate, SeriesForecaster } from '@seqcast/forecast';

const backend = await initBackend();   // tfjs-node if installed, else wasm, else cpu
const kernels = await initKernels();   // fused native LSTM/GRU kernels when @seqcast/kernels built
console.log(`backend ${backend.name}, recurrent kernels ${kernels.path}`);

// The lecture's "hi hello": one LSTM layer learns to shift the text by one character.
const lm = await CharLM.train('hihello', { seqLength: 6, layers: 1, epochs: 100, learningRate: 0.1, seed: 777 });
console.log(lm.predictString('hihell'));
lm.dispose();

const csv = process.argv[2] ?? 'monthly-car-sales.csv';
const info = await inspectCsv({ path: csv });
console.log(`${info.rows} rows of ${info.columns.join(', ')}, ${info.firstDate} .. ${info.lastDate}`);
const series = await readCsv({ path: csv });
const model = await SeriesForecaster.fit(series, { target: 'Sales', season: 12, seed: 1 });
const report = evaluate(model, series);   // one step ahead over the last 20%, model vs baselines
console.log(`MASE model ${report.metrics.model.mase.toFixed(4)}, seasonal naive ${report.metrics.seasonalNaive?.mase.toFixed(4)}`);
console.log('next 3 months:', model.forecast(model.rowsOf(series), 3).map(Math.round).join(', '));
model.dispose();
