// Help that a new user can act on: `forecast backtest --help` describes every flag with its
// default, and the top-level help lists every forecast subcommand.
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

describe('seqcast help', () => {
  it('forecast backtest --help describes every flag of its usage line, with the defaults', () => {
    const r = runCli(['forecast', 'backtest', '--help']);
    expect(r.code).toBe(0);
    const [usage, ...rest] = r.stdout.trim().split('\n');
    const flagsInUsage = [...usage!.matchAll(/--[a-z-]+/g)].map((m) => m[0]);
    const described = rest.filter((l) => /^ {2}--/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
    expect(described).toEqual(flagsInUsage);
    for (const l of rest.filter((x) => /^ {2}--/.test(x))) expect(l.trim().split(/\s{2,}/)[1]?.length ?? 0).toBeGreaterThan(10);
    expect(r.stdout).toMatch(/--windows K\s+.*default 1\b/);
    expect(r.stdout).toMatch(/--minutes M\s+.*default 8\b/);
    expect(r.stdout).toMatch(/--season M\s+.*default: inferred from the dates .*, else 1\b/);
  });

  it('the top-level help lists forecast as train, eval, predict, backtest', () => {
    const r = runCli(['--help']);
    expect(r.stdout).toMatch(/^ {2}forecast +time-series forecasting: train, eval, predict, backtest$/m);
  });
});
