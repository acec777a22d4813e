/**
 * Every CLI command, in help order. Each area owns one module under ./commands, imported only
 * when its command runs: `data inspect` and `--help` then never pay for loading TensorFlow.js.
 */
import type { Command, CommandGroup } from './command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command | CommandGroup>;
}

export const commands: CommandEntry[] = [
  { name: 'info', summary: 'versions and the active backend', load: async () => (await import('./commands/info.js')).info },
  { name: 'chars', summary: 'character language models: train, predict, eval, next, generate', load: async () => (await import('./commands/chars.js')).chars },
  { name: 'demo', summary: "the lecture's char-RNN labs end to end", load: async () => (await import('./commands/demo.js')).demo },
  { name: 'forecast', summary: 'time-series forecasting: train, eval, predict, backtest', load: async () => (await import('./commands/forecast.js')).forecast },
  { name: 'data', summary: 'CSV series: inspect', load: async () => (await import('./commands/data.js')).data },
  { name: 'serve', summary: 'serve a models directory over HTTP', load: async () => (await import('./commands/serve.js')).serve },
  { name: 'worker', summary: 'train jobs from a Redis queue (queue mode)', load: async () => (await import('./commands/worker.js')).worker },
  { name: 'start', summary: 'train the demo models on first run, then serve them', load: async () => (await import('./commands/start.js')).start },
];
