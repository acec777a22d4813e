// `seqcast chars ...` end to end through the built CLI (child process), exactly as a user runs it:
// the hihello contract, every subcommand, and one-line errors with distinct exit codes.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeqcastError } from '@seqcast/core';
import { lastLine, runCli, type CliResult } from '../testing/run-cli.js';
import { chars } from './chars.js';

let tmp: string;
let model: string;
let trained: CliResult;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-chars-cli-'));
  model = path.join(tmp, 'hihello');
  trained = runCli(['chars', 'train', '--inline', 'hihello', '--seq', '6', '--layers', '1', '--epochs', '100', '--lr', '0.1', '--seed', '777', '--out', model]);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A user-facing failure: non-zero exit, exactly one line on stderr, no stack trace. */
function expectOneLineError(r: CliResult, code: number, message: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^seqcast: error: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('seqcast chars (hihello)', () => {
  it('train shows progress (plain lines off a TTY) and saves the model', async () => {
    expect(trained.code).toBe(0);
    expect(trained.stderr).toMatch(/train epoch 100\/100 loss \d+\.\d{4} ETA/);
    expect(trained.stdout).toMatch(/loss 0\.\d{4} {2}accuracy 1\.0000/);
    expect(lastLine(trained.stdout)).toBe(`saved ${model}`);
    const meta = JSON.parse(await fs.readFile(path.join(model, 'seqcast.json'), 'utf8'));
    expect(meta.kind).toBe('chars');
    expect(meta.config).toMatchObject({ cell: 'lstm', layers: 1, hidden: 5, seqLength: 6 });
  });

  it('predict prints ihello for hihell', () => {
    const r = runCli(['chars', 'predict', '--model', model, '--text', 'hihell']);
    expect(r.code).toBe(0);
    expect(lastLine(r.stdout)).toBe('ihello');
  });

  it('eval --json has accuracy and loss', () => {
    const r = runCli(['chars', 'eval', '--model', model, '--inline', 'hihello', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { accuracy: number; loss: number; windows: number };
    expect(j.accuracy).toBe(1);
    expect(j.loss).toBeGreaterThan(0);
    expect(j.loss).toBeLessThan(0.1);
    expect(j.windows).toBe(1);
  });

  it('eval reads --text FILE', async () => {
    const file = path.join(tmp, 'text.txt');
    await fs.writeFile(file, 'hihello');
    const r = runCli(['chars', 'eval', '--model', model, '--text', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^accuracy 1\.0000 \(6\/6\) {2}loss 0\.\d{4} {2}windows 1$/m);
  });

  it('next --json lists the top-k characters with probabilities', () => {
    const r = runCli(['chars', 'next', '--model', model, '--text', 'hihel', '--top', '2', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { next: { char: string; p: number }[] };
    expect(j.next).toHaveLength(2);
    expect(j.next[0]!.char).toBe('l');
    expect(j.next[0]!.p).toBeGreaterThan(j.next[1]!.p);
  });

  it('generate samples a continuation, reproducible with --seed', () => {
    const args = ['chars', 'generate', '--model', model, '--prefix', 'hi', '--length', '10', '--temperature', '0.8', '--top-k', '3', '--seed', '4'];
    const a = runCli(args);
    expect(a.code).toBe(0);
    expect(lastLine(a.stdout)).toMatch(/^[ehilo]{10}$/);
    const b = runCli(args);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });
});

describe('seqcast chars errors: one line, non-zero exit, no stack', () => {
  it('missing text file', () => {
    expectOneLineError(
      runCli(['chars', 'train', '--text', path.join(tmp, 'missing.txt'), '--seq', '3', '--out', path.join(tmp, 'x')]),
      4,
      /--text: file .*missing.txt does not exist/,
    );
  });
  it('bad flag values', () => {
    expectOneLineError(
      runCli(['chars', 'train', '--inline', 'hihello', '--seq', 'six', '--out', path.join(tmp, 'x')]),
      2,
      /--seq must be an integer \(received "six"\)/,
    );
  });
  it('text too short for --seq names the flag', () => {
    const r = runCli(['chars', 'train', '--inline', 'abc', '--seq', '5', '--out', path.join(tmp, 'x')], { SEQCAST_QUIET: '1' });
    expectOneLineError(r, 3, /training text has 3 characters; --seq 5 needs at least 6/);
  });
  it('unknown character', () => {
    expectOneLineError(
      runCli(['chars', 'predict', '--model', model, '--text', 'hex']),
      3,
      /character "x" \(U\+0078\) at position 2 of --text is not in the model's vocabulary/,
    );
  });
  it('a bad SEQCAST_KERNELS value', () => {
    expectOneLineError(
      runCli(['chars', 'predict', '--model', model, '--text', 'hi'], { SEQCAST_KERNELS: 'gpu' }),
      2,
      /SEQCAST_KERNELS must be one of fused, tfjs, auto \(received "gpu"\)/,
    );
  });
  it('missing or foreign model', async () => {
    expectOneLineError(runCli(['chars', 'eval', '--model', path.join(tmp, 'nope'), '--inline', 'hi']), 4, /model directory .*nope does not exist/);
    const foreign = path.join(tmp, 'foreign');
    await fs.mkdir(foreign);
    await fs.writeFile(path.join(foreign, 'model.json'), '{}');
    expectOneLineError(runCli(['chars', 'predict', '--model', foreign, '--text', 'hi']), 5, /is not a seqcast model directory \(missing seqcast.json\)/);
  });
});

// The same checks in-process (no child process per case): the error each flag mistake raises.
describe('seqcast chars flag checking (in-process)', () => {
  const io = { out: () => {}, err: () => {} };
  const run = async (sub: string, argv: string[]) => {
    const cmd = chars.commands.find((c) => c.name === sub)!;
    try {
      await cmd.run(argv, io);
    } catch (e) {
      return e instanceof SeqcastError ? `${e.code} ${e.message}` : `unexpected ${String(e)}`;
    }
    return 'no error';
  };
  it('names the flag and the value received', async () => {
    const out = path.join(tmp, 'x');
    expect(await run('train', ['--inline', 'hihello', '--seq', '3', '--cell', 'rnn', '--out', out])).toBe(
      'BAD_ARGUMENT --cell must be one of lstm, gru (received "rnn")',
    );
    expect(await run('train', ['--inline', 'hihello', '--seq', '3', '--lr', 'fast', '--out', out])).toBe(
      'BAD_ARGUMENT --lr must be a number (received "fast")',
    );
    expect(await run('train', ['--seq', '3', '--out', out])).toBe('BAD_ARGUMENT chars train: --text FILE or --inline STRING is required');
    expect(await run('train', ['--inline', 'hihello', '--text', 'f.txt', '--seq', '3', '--out', out])).toBe(
      'BAD_ARGUMENT chars train: give --text FILE or --inline STRING, not both',
    );
    expect(await run('train', ['--inline', 'hihello', '--seq', '3'])).toBe('BAD_ARGUMENT chars train: --out is required');
    expect(await run('train', ['--text', tmp, '--seq', '3', '--out', out])).toMatch(/^BAD_INPUT --text: .* is a directory, not a text file$/);
    expect(await run('next', ['--model', model, '--text', 'hi', '--top', '0'])).toBe('BAD_ARGUMENT --top must be >= 1 (received 0)');
    expect(await run('predict', ['--model', model, '--txt', 'hi'])).toMatch(/^BAD_ARGUMENT chars predict: Unknown option '--txt'/);
    expect(await run('generate', ['--model', model, '--prefix', 'hi'])).toBe('BAD_ARGUMENT chars generate: --length is required');
    expect(await run('generate', ['--model', model, '--prefix', 'hz', '--length', '3'])).toMatch(
      /^UNKNOWN_CHAR character "z" \(U\+007A\) at position 1 of --prefix/,
    );
    expect(await run('eval', ['--model', model, '--inline', 'hex'])).toMatch(/^UNKNOWN_CHAR character "x" .* at position 2 of --inline/);
  });
});
