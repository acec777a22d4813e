// pnpm bench corpus [--mb=100] [--steps=5] [--json]
//
// Memory of corpus training on a large text: builds a text of --mb megabytes from the shared
// corpus (../shared/data/republic_clean.txt, its paragraphs repeated in a seeded shuffled order,
// written to a temporary file, never into the repository), then runs the CLI as a user would —
// `chars train --text BIG --seq 100 --layers 2 --hidden 256 --batch 64 --steps N --val 0.001` —
// in a child process and reports its peak RSS (getrusage maxRSS, read at exit) beside the
// library's own estimate of the training buffers. The validation split is 0.1 % here only to keep
// the run short: validation streams in chunks like training, so its size does not move the peak.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { estimateCorpusTrainingBytes, seededRandom } from '@seqcast/core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const source = path.resolve(repo, '..', 'shared', 'data', 'republic_clean.txt');
const cli = path.join(repo, 'apps', 'cli', 'dist', 'main.js');

function arg(argv, name, fallback) {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
}

export async function run(argv) {
  const mb = arg(argv, 'mb', 100);
  const steps = arg(argv, 'steps', 5);
  if (!existsSync(source)) {
    console.error(`bench corpus: ${source} not found`);
    process.exit(2);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'seqcast-bench-corpus-'));
  try {
    const big = path.join(tmp, 'big.txt');
    const paragraphs = readFileSync(source, 'utf8').split(/\n\n+/);
    const rand = seededRandom(1);
    const fd = openSync(big, 'w');
    let bytes = 0;
    while (bytes < mb * 1e6) {
      const p = paragraphs[Math.floor(rand() * paragraphs.length)] + '\n\n';
      bytes += writeSync(fd, p);
    }
    closeSync(fd);
    const preload = path.join(tmp, 'maxrss.cjs');
    writeFileSync(preload, "process.on('exit', () => process.stderr.write(`maxrss-kb ${process.resourceUsage().maxRSS}\\n`));\n");
    const args = [
      '--require',
      preload,
      cli,
      'chars',
      'train',
      '--text',
      big,
      '--seq',
      '100',
      '--layers',
      '2',
      '--hidden',
      '256',
      '--batch',
      '64',
      '--steps',
      String(steps),
      '--val',
      '0.001',
      '--out',
      path.join(tmp, 'model'),
      '--json',
    ];
    process.stderr.write(`bench: ${(bytes / 1e6).toFixed(0)} MB text; node ${args.slice(2).join(' ')}\n`);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    const wallMs = Date.now() - t0;
    const rss = Number((r.stderr.match(/maxrss-kb (\d+)/) ?? [])[1]) * 1024;
    if (r.status !== 0) {
      console.error(`bench corpus: training failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}`);
      process.exit(1);
    }
    const summary = JSON.parse(r.stdout.trim().split('\n').pop());
    const estimate = estimateCorpusTrainingBytes({ batchSize: 64, seqLength: 100, hidden: 256, layers: 2, vocabSize: summary.vocabulary, textChars: bytes });
    const MB = (n) => `${(n / 2 ** 20).toFixed(0)} MB`;
    console.log(
      `\nseqcast corpus bench — ${(bytes / 1e6).toFixed(0)} MB text, 2xLSTM(256), 64 streams x 100, ${summary.steps} steps, ${summary.kernels} kernels\n`,
    );
    console.log('| text | peak RSS (whole process) | training buffers (estimate) | of which text ids | steps | chars/s | wall |');
    console.log('|---|---|---|---|---|---|---|');
    console.log(
      `| ${(bytes / 1e6).toFixed(0)} MB | **${MB(rss)}** | ${MB(estimate.total)} | ${MB(estimate.text)} | ${summary.steps} | ${summary.charsPerSec.toLocaleString('en-US')} | ${(wallMs / 1000).toFixed(0)} s |`,
    );
    if (argv.includes('--json'))
      console.log(
        JSON.stringify({ textBytes: bytes, peakRssBytes: rss, estimateBytes: estimate.total, steps: summary.steps, charsPerSec: summary.charsPerSec, wallMs }),
      );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
