/**
 * `seqcast serve`: serve the models of a directory over HTTP (see docs/server.md).
 *
 * stdout gets one line with the URL (scripts can read it); structured JSON request logs go to
 * stderr. SIGTERM / Ctrl-C shut down gracefully and exit 0.
 */
import { SeqcastError } from '@seqcast/core';
import { DEFAULT_LIMITS, startServer, jsonLogger, type RunningServer, type ServerLimits } from '@seqcast/server';
import { optionalNumber, optionalString, parseFlags, requireString, type Flags } from '../args.js';
import type { Command, Io } from '../command.js';

export const SERVE_FLAGS = {
  models: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'body-limit': { type: 'string' },
  quiet: { type: 'boolean' },
  'no-batching': { type: 'boolean' },
  limit: { type: 'string', multiple: true },
  redis: { type: 'string' },
} as const;

/** `--limit NAME=N` (repeatable) -> server limits; names and values are checked by the server. */
export function parseLimits(values: unknown): ServerLimits {
  const out: Record<string, number> = {};
  for (const item of Array.isArray(values) ? (values as string[]) : []) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(item);
    if (!m || !(m[1]! in DEFAULT_LIMITS)) {
      throw new SeqcastError('BAD_ARGUMENT', `--limit must be NAME=NUMBER with NAME one of ${Object.keys(DEFAULT_LIMITS).join(', ')} (received "${item}")`, {
        where: '--limit',
      });
    }
    const n = Number(m[2]);
    if (!Number.isFinite(n)) throw new SeqcastError('BAD_ARGUMENT', `--limit ${m[1]} must be a number (received "${m[2]}")`, { where: '--limit' });
    out[m[1]!] = n;
  }
  return out;
}

/** `npm start -- --port 8080` passes a literal `--` first; accept it. */
export function dropSeparator(argv: string[]): string[] {
  return argv[0] === '--' ? argv.slice(1) : argv;
}

/** Start the server from parsed flags and print its URL. */
export async function serveFromFlags(flags: Flags, modelsDir: string, io: Io): Promise<RunningServer> {
  const port = optionalNumber(flags, 'port', { integer: true, min: 0, max: 65535 });
  const host = optionalString(flags, 'host');
  const bodyLimit = optionalNumber(flags, 'body-limit', { integer: true, min: 1 });
  const redisUrl = optionalString(flags, 'redis');
  const server = await startServer({
    modelsDir,
    ...(port !== undefined ? { port } : {}),
    ...(host !== undefined ? { host } : {}),
    ...(bodyLimit !== undefined ? { bodyLimit } : {}),
    ...(redisUrl !== undefined ? { redisUrl } : {}),
    limits: parseLimits(flags.limit),
    logger: flags.quiet ? false : jsonLogger(process.stderr),
    batchNext: !flags['no-batching'],
    handleSignals: true,
  });
  const n = server.registry.size;
  const mode = server.jobs.mode === 'queue' ? ' (jobs: Redis queue)' : '';
  io.out(`seqcast: serving ${n} model${n === 1 ? '' : 's'} from ${server.options.modelsDir} at ${server.url}${mode}`);
  return server;
}

export const serve: Command = {
  name: 'serve',
  summary: 'serve a models directory over HTTP',
  usage:
    'seqcast serve --models DIR [--port 3000] [--host 127.0.0.1] [--body-limit BYTES] [--limit NAME=N]... [--redis URL] [--quiet] [--no-batching]   (--redis defaults to $SEQCAST_REDIS_URL)',
  async run(argv, io) {
    const flags = parseFlags(dropSeparator(argv), SERVE_FLAGS, 'serve');
    await serveFromFlags(flags, requireString(flags, 'models', 'serve'), io);
    // The listening server keeps the process alive until SIGTERM / SIGINT.
  },
};
