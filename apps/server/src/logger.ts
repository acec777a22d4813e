/**
 * Structured logs: one JSON object per line. Request logs carry the request id, method, route,
 * status and latency — never bodies, which may hold a user's data.
 */

export type LogLevel = 'info' | 'warn' | 'error';

/** A log sink. `fields` must be JSON-serialisable. */
export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

/** Drops everything (the default under a test runner). */
export const silentLogger: Logger = { log() {} };

/**
 * JSON lines on `stream` (default stdout).
 *
 * @example
 * const logger = jsonLogger();
 * logger.log('info', 'request', { method: 'GET', route: '/health', status: 200 });
 * // {"time":"2026-…","level":"info","msg":"request","method":"GET","route":"/health","status":200}
 */
export function jsonLogger(stream: NodeJS.WritableStream = process.stdout): Logger {
  return {
    log(level, msg, fields = {}) {
      stream.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n');
    },
  };
}

/**
 * Keeps entries in memory (tests assert on them).
 *
 * @example
 * const logger = memoryLogger();
 * await startServer({ logger, port: 0 });
 * logger.entries.filter((e) => e.msg === 'request');
 */
export function memoryLogger(): Logger & { entries: ({ level: LogLevel; msg: string } & Record<string, unknown>)[] } {
  const entries: ({ level: LogLevel; msg: string } & Record<string, unknown>)[] = [];
  return {
    entries,
    log(level, msg, fields = {}) {
      entries.push({ level, msg, ...fields });
    },
  };
}
