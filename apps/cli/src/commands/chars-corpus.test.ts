// `seqcast chars` on a corpus, end to end through the built CLI: streams training with a budget and
// validation, --json summary, resuming, Ctrl-C (checkpoint + exit 130), streaming eval naming
// unknown characters, and generate with top-p.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@seqcast/core';
import { CLI, lastLine, runCli } from '../testing/run-cli.js';

let tmp: string;
let corpus: string;
let model: string;

/** A seeded text of words (30,000 characters: long enough for the streams scheme by default). */
function wordsText(chars: number, seed = 1): string {
  const words = ['the ', 'cat ', 'sat ', 'on ', 'a ', 'mat. ', 'dogs ', 'run ', 'far, ', 'and ', 'birds ', 'sing. '];
  const rand = seededRandom(seed);
  let s = '';
  while (s.length < chars) s += words[Math.floor(rand() * words.length)]!;
  return s.slice(0, chars);
}

const SMALL = ['--seq', '16', '--batch', '8', '--hidden', '24', '--layers', '2', '--lr', '0.01'];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-corpus-cli-'));
  corpus = path.join(tmp, 'words.txt');
  await fs.writeFile(corpus, wordsText(30_000));
  model = path.join(tmp, 'words');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('seqcast chars on a corpus', () => {
  it('trains in streams with a step budget and validation, prints one JSON line, then resumes the same run', () => {
    const r = runCli(['chars', 'train', '--text', corpus, ...SMALL, '--val', '0.1', '--steps', '20', '--val-every', '10', '--out', model, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/train step 20 [\d,]+ chars\/s train \d+\.\d{4} val \d+\.\d{4} \(\d+\.\d{3} bits\/char\) ETA 0s/);
    const j = JSON.parse(r.stdout) as Record<string, number | string>;
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['steps', 'chars', 'charsPerSec', 'trainLoss', 'valLoss', 'valBitsPerChar', 'elapsedMs']));
    expect(j).toMatchObject({ steps: 20, chars: 20 * 8 * 16, stoppedBy: 'steps', streams: 8 });
    expect(j.valBitsPerChar as number).toBeCloseTo((j.valLoss as number) / Math.LN2, 10);

    const again = runCli(['chars', 'train', '--resume', model, '--text', corpus, '--steps', '30', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ steps: 30, chars: 30 * 8 * 16 });
    const spent = runCli(['chars', 'train', '--resume', model, '--text', corpus, '--steps', '25']);
    expect(spent.code).toBe(2);
    expect(spent.stderr.trim()).toBe(
      `seqcast: error: --steps budget used up: the run in ${model} has used 30 of 25 steps; budgets count the whole run, so give a larger one to continue it`,
    );
    const fixed = runCli(['chars', 'train', '--resume', model, '--text', corpus, '--hidden', '32']);
    expect(fixed.code).toBe(2);
    expect(fixed.stderr.trim()).toBe('seqcast: error: chars train: --hidden cannot change when resuming (--resume continues the saved run)');
  });

  it('eval scores the corpus in one stream and names characters outside the vocabulary', async () => {
    const held = path.join(tmp, 'held.txt');
    await fs.writeFile(held, wordsText(3000, 9));
    const r = runCli(['chars', 'eval', '--model', model, '--text', held, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { loss: number; bitsPerChar: number; accuracy: number; predictions: number; streams: number };
    expect(j).toMatchObject({ predictions: 2999, streams: 1 });
    expect(j.bitsPerChar).toBeCloseTo(j.loss / Math.LN2, 10);
    expect(j.accuracy).toBeGreaterThan(0.2);
    const bad = path.join(tmp, 'bad.txt');
    await fs.writeFile(bad, 'the cat sat on the Mat. Zebras!');
    const e = runCli(['chars', 'eval', '--model', model, '--text', bad]);
    expect(e.code).toBe(3);
    expect(e.stderr.trim()).toBe(
      'seqcast: error: 3 characters of --text are not in the model\'s vocabulary (19 characters): "M" (U+004D) at position 19, "Z" (U+005A) at position 24, "!" (U+0021) at position 30',
    );
  });

  it('generate samples with --top-p, repeatably for a seed', () => {
    const args = ['chars', 'generate', '--model', model, '--prefix', 'the cat ', '--length', '40', '--temperature', '0.8', '--top-p', '0.9', '--seed', '5'];
    const a = runCli(args);
    expect(a.code, a.stderr).toBe(0);
    expect(lastLine(a.stdout)).toHaveLength(40);
    expect(lastLine(runCli(args).stdout)).toBe(lastLine(a.stdout));
    const bad = runCli([...args.slice(0, -4), '--top-p', '1.5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('seqcast: error: --top-p must be <= 1 (received 1.5)');
  });

  it('Ctrl-C writes a checkpoint and exits 130 with one line saying how to continue', async () => {
    const out = path.join(tmp, 'interrupted');
    const child = spawn(
      process.execPath,
      [CLI, 'chars', 'train', '--text', corpus, ...SMALL, '--val', '0.1', '--steps', '100000', '--val-every', '5', '--out', out],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    const sent = new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/validation/.test(stderr) && !child.killed) {
          child.kill('SIGINT');
          resolve();
        }
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    await sent;
    expect(code).toBe(130);
    expect(lastLine(stderr)).toBe(`seqcast: error: interrupted; checkpoint saved in ${out} (continue with: seqcast chars train --resume ${out} --text FILE)`);
    const ck = JSON.parse(await fs.readFile(path.join(out, 'checkpoint.json'), 'utf8')) as { progress: { step: number } };
    expect(ck.progress.step).toBeGreaterThanOrEqual(5);
  });

  it('stream-only flags are refused with --scheme windows', () => {
    const r = runCli(['chars', 'train', '--text', corpus, '--seq', '8', '--scheme', 'windows', '--steps', '5', '--out', path.join(tmp, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('seqcast: error: chars train: --steps needs --scheme streams (corpus training)');
  });
});
