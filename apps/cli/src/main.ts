#!/usr/bin/env node
/**
 * seqcast CLI entry: dispatches to commands and turns every failure into one line on stderr
 * with an exit code from the error's code (a stack only with --debug).
 */
import { isSeqcastError, SeqcastError } from '@seqcast/core/errors';
import type { Command, CommandGroup, Io } from './command.js';

/** Thrown by resolve() when the user asked a group for help: printed, exit 0. */
class HelpRequest {
  constructor(readonly text: string) {}
}
import { commands } from './registry.js';
import { dropStatusLines, holdStatusLines, releaseStatusLines } from './status.js';

// A reader that stops early (`seqcast data sample … | head`) closes the pipe: that is the end of
// the output, not an error (node would print a stack trace for the unhandled EPIPE).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const io: Io = {
  out: (line) => {
    releaseStatusLines();
    process.stdout.write(line + '\n');
  },
  err: (line) => {
    releaseStatusLines();
    process.stderr.write(line + '\n');
  },
};

function help(): string {
  const lines = ['usage: seqcast <command> [flags]   (seqcast <command> --help for its flags)', '', 'commands:'];
  for (const c of commands) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  return lines.join('\n');
}

async function resolve(argv: string[]): Promise<{ cmd: Command; rest: string[] }> {
  const [first, second, ...rest] = argv;
  const found = commands.find((c) => c.name === first);
  if (!found) throw new SeqcastError('BAD_ARGUMENT', `unknown command "${first}" (try: seqcast --help)`);
  const entry = await found.load();
  if (!('commands' in entry)) return { cmd: entry, rest: argv.slice(1) };
  const group = entry as CommandGroup;
  if (second === undefined || second === '--help' || second === '-h') {
    const lines = group.commands.map((c) => `  ${c.usage}\n      ${c.summary}`);
    throw new HelpRequest([`${group.name}: ${group.summary}`, ...lines].join('\n'));
  }
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
    const { cmd, rest } = await resolve(argv);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`usage: ${cmd.usage}`);
      if (cmd.flags?.length) {
        const width = Math.max(...cmd.flags.map(([f]) => f.length));
        io.out('');
        io.out('flags:');
        for (const [f, d] of cmd.flags) io.out(`  ${f.padEnd(width)}  ${d}`);
      }
      return 0;
    }
    await holdStatusLines();
    await cmd.run(rest, io);
    releaseStatusLines();
    return 0;
  } catch (e) {
    if (e instanceof HelpRequest) {
      io.out(e.text);
      return 0;
    }
    if (debug) releaseStatusLines();
    else dropStatusLines();
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
