// `--out` never destroys a user's files: every refusal happens before training, names the path,
// is one line, and leaves whatever was at the target exactly as it was.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleCsv } from '@seqcast/data';
import { CLI } from '../testing/run-cli.js';
import { parseLimits } from './serve.js';

let tmp: string;
let STOCK: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-out-safety-'));
  STOCK = path.join(tmp, 'stock.csv');
  await fs.writeFile(STOCK, sampleCsv('stock-daily'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function run(args: string[], cwd = tmp) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, SEQCAST_QUIET: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A directory with a user's files in it (and a sub-directory). */
async function userDir(name: string): Promise<string> {
  const d = path.join(tmp, name);
  await fs.mkdir(path.join(d, 'sub'), { recursive: true });
  await fs.writeFile(path.join(d, 'thesis.txt'), 'five years of work');
  await fs.writeFile(path.join(d, 'sub', 'data.csv'), 'a,b\n1,2\n');
  return d;
}

async function expectIntact(d: string): Promise<void> {
  expect(await fs.readFile(path.join(d, 'thesis.txt'), 'utf8')).toBe('five years of work');
  expect(await fs.readFile(path.join(d, 'sub', 'data.csv'), 'utf8')).toBe('a,b\n1,2\n');
  expect((await fs.readdir(d)).sort()).toEqual(['sub', 'thesis.txt']);
}

/** Refused before training: one stderr line naming --out, no progress, no "saved". */
function expectRefused(r: { code: number; stdout: string; stderr: string }, code: number, message: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^seqcast: error: --out /);
  expect(lines[0]).toMatch(message);
  expect(r.stdout).not.toMatch(/saved/);
  expect(r.stderr).not.toMatch(/epoch/);
}

const TRAIN = ['chars', 'train', '--inline', 'hihello', '--seq', '3', '--epochs', '2'];

describe('chars train --out', () => {
  it("refuses a directory holding a user's files, before training; the files stay", async () => {
    const d = await userDir('mine');
    expectRefused(run([...TRAIN, '--out', d]), 8, /is not empty and is not a seqcast model directory; nothing was saved or removed/);
    expectRefused(run([...TRAIN, '--out', d, '--force']), 8, /is not a seqcast model directory/);
    await expectIntact(d);
  });

  it('refuses --out . (the current directory) and keeps every file in it', async () => {
    const d = await userDir('cwd');
    expectRefused(run([...TRAIN, '--out', '.'], d), 8, /^seqcast: error: --out \. is not empty/);
    await expectIntact(d);
  });

  it('refuses an existing file and leaves it as it was', async () => {
    const f = path.join(tmp, 'notes.txt');
    await fs.writeFile(f, 'keep me');
    expectRefused(run([...TRAIN, '--out', f]), 8, /exists and is not a directory/);
    expect(await fs.readFile(f, 'utf8')).toBe('keep me');
  });

  it('refuses a symlink (even to a model) and never follows it', async () => {
    const d = await userDir('linked-target');
    const link = path.join(tmp, 'link');
    await fs.symlink(d, link);
    expectRefused(run([...TRAIN, '--out', link, '--force']), 8, /is a symbolic link/);
    await expectIntact(d);
  });

  it('replaces an existing model only with --force, and never one holding other files', async () => {
    const m = path.join(tmp, 'model');
    expect(run([...TRAIN, '--out', m]).code).toBe(0);
    const first = JSON.parse(await fs.readFile(path.join(m, 'seqcast.json'), 'utf8')).created as string;
    expectRefused(run([...TRAIN, '--out', m]), 8, /already holds a seqcast model \(pass --force to replace it\)/);
    const again = run([...TRAIN, '--out', m, '--force']);
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(await fs.readFile(path.join(m, 'seqcast.json'), 'utf8')).created as string;
    expect(second > first).toBe(true);
    expect((await fs.readdir(m)).sort()).toEqual(['model.json', 'seqcast.json', 'weights.bin']);
    expect((await fs.readdir(tmp)).filter((f) => f.includes('.tmp-'))).toEqual([]); // nothing left aside

    await fs.writeFile(path.join(m, 'README.md'), 'my notes');
    expectRefused(run([...TRAIN, '--out', m, '--force']), 8, /holds a seqcast model and other files \(README\.md\); it is never replaced/);
    expect(await fs.readFile(path.join(m, 'README.md'), 'utf8')).toBe('my notes');
  });

  it('an empty directory is used; an unwritable place is refused before training (exit 2)', async () => {
    const e = path.join(tmp, 'empty');
    await fs.mkdir(e);
    expect(run([...TRAIN, '--out', e]).code).toBe(0);
    expect((await fs.readdir(e)).sort()).toEqual(['model.json', 'seqcast.json', 'weights.bin']);
    expectRefused(run([...TRAIN, '--out', '/proc/seqcast-x']), 2, /cannot save a model at \/proc\/seqcast-x \(\/proc is not writable/);
    const file = path.join(tmp, 'plain-file');
    await fs.writeFile(file, 'x');
    expectRefused(run([...TRAIN, '--out', path.join(file, 'm')]), 2, /is not a directory\)/);
  });
});

describe('forecast train --out', () => {
  it("refuses a user's directory and a file before reading the CSV or training", async () => {
    const d = await userDir('mine-forecast');
    const args = ['forecast', 'train', '--csv', STOCK, '--target', 'Close', '--epochs', '1'];
    expectRefused(run([...args, '--out', d]), 8, /is not empty and is not a seqcast model directory/);
    expectRefused(run([...args, '--out', '.'], d), 8, /^seqcast: error: --out \. is not empty/);
    await expectIntact(d);
    const f = path.join(tmp, 'forecast-notes.txt');
    await fs.writeFile(f, 'keep');
    expectRefused(run([...args, '--out', f]), 8, /exists and is not a directory/);
    expect(await fs.readFile(f, 'utf8')).toBe('keep');
  });
});

describe('training memory from the CLI', () => {
  it('a --batch over the memory budget is refused before training (exit 3, names --batch)', () => {
    const r = run([
      'chars',
      'train',
      '--inline',
      'hihello world '.repeat(50),
      '--seq',
      '50',
      '--hidden',
      '256',
      '--layers',
      '2',
      '--batch',
      '600',
      '--out',
      path.join(tmp, 'mem'),
    ]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^seqcast: error: --batch 600 needs about \d+ MiB per training step, over the 512 MiB training memory budget; at most \d+ windows per batch fit/,
    );
  });
});

describe('serve --limit', () => {
  it('sets server limits by name; an unknown name or a non-number is one clear error', () => {
    expect(parseLimits(['maxJobSeconds=600', 'trainMemoryMb=256'])).toEqual({ maxJobSeconds: 600, trainMemoryMb: 256 });
    expect(() => parseLimits(['maxJobs=3'])).toThrow(/^--limit must be NAME=NUMBER with NAME one of maxLength, .*maxJobSeconds.* \(received "maxJobs=3"\)$/);
    expect(() => parseLimits(['maxJobSeconds=soon'])).toThrow('--limit maxJobSeconds must be a number (received "soon")');
  });
});

describe('negative numbers', () => {
  it('--epochs -1 is a range error naming the flag, not "ambiguous"', () => {
    const r = run(['chars', 'train', '--inline', 'hihello', '--seq', '3', '--epochs', '-1', '--out', path.join(tmp, 'neg')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('seqcast: error: --epochs must be >= 1 (received -1)');
  });
});
