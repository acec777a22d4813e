#!/usr/bin/env node
/**
 * seqcast CLI entry: dispatches to commands and turns every failure into one line on stderr
 * with an exit code from the error's code (a stack only with --debug).
 */
import { isSeqcastError, SeqcastError } from '@seqcast/core';
import type { Command, CommandGroup, Io } from './command.js';
import { commands } from './registry.js';

const io: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

function help(): string {
  const lines = ['usage: seqcast <command> [flags]', '', 'commands:'];
  for (const c of commands) {
    if ('commands' in c) for (const s of c.commands) lines.push(`  ${c.name} ${s.name.padEnd(10)} ${s.summary}`);
    else lines.push(`  ${c.name.padEnd(16)} ${c.summary}`);
  }
  return lines.join('\n');
}

function resolve(argv: string[]): { cmd: Command; rest: string[] } {
  const [first, second, ...rest] = argv;
  const entry = commands.find((c) => c.name === first);
  if (!entry) throw new SeqcastError('BAD_ARGUMENT', `unknown command "${first}" (try: seqcast --help)`);
  if (!('commands' in entry)) return { cmd: entry, rest: argv.slice(1) };
  const group = entry as CommandGroup;
  const sub = group.commands.find((c) => c.name === second);
  if (!sub) {
    const names = group.commands.map((c) => c.name).join(', ');
    throw new SeqcastError('BAD_ARGUMENT', `${group.name}: unknown subcommand "${second ?? ''}" (expected one of ${names})`);
  }
  return { cmd: sub, rest };
}

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(help());
    return 0;
  }
  try {
    const { cmd, rest } = resolve(argv);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`usage: ${cmd.usage}`);
      return 0;
    }
    await cmd.run(rest, io);
    return 0;
  } catch (e) {
    if (isSeqcastError(e)) {
      io.err(`seqcast: error: ${e.message}`);
      if (debug) io.err(String(e.stack));
      return e.exitCode;
    }
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    io.err(`seqcast: unexpected error: ${msg}${debug ? '' : ' (run with --debug for details)'}`);
    if (debug && e instanceof Error) io.err(String(e.stack));
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
