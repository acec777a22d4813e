#!/usr/bin/env node
// pnpm bench [suite] [flags]: runs one benchmark suite (default: kernels, the training-speed
// workloads). Each suite is bench/<suite>.mjs exporting `run(argv)`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const suites = ['kernels', 'data', 'forecast', 'server', 'panel', 'corpus', 'scale'];
const argv = process.argv.slice(2);
const suite = argv[0] && !argv[0].startsWith('-') ? argv.shift() : 'kernels';
if (!suites.includes(suite) || !existsSync(path.join(here, `${suite}.mjs`))) {
  console.error(`seqcast bench: unknown suite "${suite}" (expected one of ${suites.join(', ')})`);
  process.exit(2);
}
const mod = await import(`./${suite}.mjs`);
await mod.run(argv);
