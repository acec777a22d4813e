/**
 * `seqcast serve`: serve the models of a directory over HTTP (see docs/server.md).
 *
 * stdout gets one line with the URL (scripts can read it); structured JSON request logs go to
 * stderr. SIGTERM / Ctrl-C shut down gracefully and exit 0.
 */
import { startServer, jsonLogger, type RunningServer } from '@seqcast/server';
import { optionalNumber, optionalString, parseFlags, requireString, type Flags } from '../args.js';
import type { Command, Io } from '../command.js';

export const SERVE_FLAGS = {
  models: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'body-limit': { type: 'string' },
  quiet: { type: 'boolean' },
  'no-batching': { type: 'boolean' },
} as const;

/** `npm start -- --port 8080` passes a literal `--` first; accept it. */
export function dropSeparator(argv: string[]): string[] {
  return argv[0] === '--' ? argv.slice(1) : argv;
}

/** Start the server from parsed flags and print its URL. */
export async function serveFromFlags(flags: Flags, modelsDir: string, io: Io): Promise<RunningServer> {
  const port = optionalNumber(flags, 'port', { integer: true, min: 0, max: 65535 });
  const host = optionalString(flags, 'host');
  const bodyLimit = optionalNumber(flags, 'body-limit', { integer: true, min: 1 });
  const server = await startServer({
    modelsDir,
    ...(port !== undefined ? { port } : {}),
    ...(host !== undefined ? { host } : {}),
    ...(bodyLimit !== undefined ? { bodyLimit } : {}),
    logger: flags.quiet ? false : jsonLogger(process.stderr),
    batchNext: !flags['no-batching'],
    handleSignals: true,
  });
  const n = server.registry.size;
  io.out(`seqcast: serving ${n} model${n === 1 ? '' : 's'} from ${server.options.modelsDir} at ${server.url}`);
  return server;
}

export const serve: Command = {
  name: 'serve',
  summary: 'serve a models directory over HTTP',
  usage: 'seqcast serve --models DIR [--port 3000] [--host 127.0.0.1] [--body-limit BYTES] [--quiet] [--no-batching]',
  async run(argv, io) {
    const flags = parseFlags(dropSeparator(argv), SERVE_FLAGS, 'serve');
    await serveFromFlags(flags, requireString(flags, 'models', 'serve'), io);
    // The listening server keeps the process alive until SIGTERM / SIGINT.
  },
};
