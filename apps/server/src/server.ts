/**
 * Listening server with graceful shutdown.
 *
 * Shutdown (close() or SIGTERM/SIGINT when `handleSignals` is on): stop accepting connections,
 * let in-flight requests finish (cut after `shutdownTimeoutMs`), mark running jobs interrupted,
 * end event streams, dispose models — then the process may exit 0.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SeqcastError } from '@seqcast/core';
import { createApp, type AppInternals, type SeqcastApp } from './app.js';
import type { ServerOptions } from './options.js';

export interface StartOptions extends ServerOptions {
  /**
   * Install SIGTERM/SIGINT handlers that shut down gracefully and exit 0. Default false (a
   * library should not own the process); the CLI turns it on.
   */
  handleSignals?: boolean;
}

export interface RunningServer extends SeqcastApp {
  server: http.Server;
  /** `http://host:port` actually bound (the real port when 0 was asked for). */
  url: string;
  port: number;
  /** Graceful stop (idempotent). */
  close(): Promise<void>;
}

/**
 * Create the app and listen on `host:port`.
 *
 * @example
 * const s = await startServer({ modelsDir: 'models', port: 0 });
 * console.log(s.url);        // http://127.0.0.1:41873
 * await s.close();
 */
export async function startServer(options: StartOptions = {}, internals: AppInternals = {}): Promise<RunningServer> {
  const sapp = await createApp(options, internals);
  const { host, port, shutdownTimeoutMs, logger } = sapp.options;
  const { headersTimeoutMs, requestTimeoutMs } = sapp.options;
  // Slow-loris guard (long event streams are exempt: the limits are on receiving the request).
  // Node enforces them only when it checks its connections, every 30 s by default, which let a
  // header trickle live ~40 s against a 15 s limit: check often enough to cut within ~10% of it.
  const server = http.createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(headersTimeoutMs / 10))),
    },
    sapp.app,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await sapp.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new SeqcastError('CONFLICT', `port ${port} on ${host} is already in use`, { where: 'port' });
    if (code === 'EACCES') throw new SeqcastError('BAD_ARGUMENT', `no permission to listen on ${host}:${port}`, { where: 'port' });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new SeqcastError('BAD_ARGUMENT', `cannot listen on host ${host} (not an address of this machine)`, { where: 'host' });
    }
    throw e;
  }
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${shownHost}:${addr.port}`;
  logger.log('info', 'listening', { url, modelsDir: sapp.options.modelsDir, models: sapp.registry.size });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.log('info', 'shutting down', {});
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets would hold close() open; busy ones finish their request first.
      server.closeIdleConnections();
      // Jobs stop now (marked interrupted) and event streams end, so only real requests remain.
      await sapp.jobs.close();
      for (const s of sapp.streams) s.end();
      const timer = setTimeout(() => server.closeAllConnections(), shutdownTimeoutMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
      // Models are disposed only once no request can still be using them.
      await sapp.close();
      logger.log('info', 'stopped', {});
    })();
    return closing;
  };

  if (options.handleSignals) {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.log('info', 'signal', { signal });
      void close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    // `on`, not `once`: Ctrl-C reaches both a wrapper such as pnpm and this process, and the wrapper
    // may forward its own copy; a second signal must join the shutdown (close() is idempotent),
    // not kill the process mid-drain with 130/143. shutdownTimeoutMs bounds the drain.
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }

  return { ...sapp, server, url, port: addr.port, close };
}
