/**
 * A real redis-server for the queue-mode tests: started on a free loopback port in its own temp
 * directory (append-only file on by default, so a restart keeps the queue as a production Redis
 * would; `persistence: false` loses everything on a restart), stopped and restarted on demand. Debian's `redis-server` (scripts/test-tools.mjs installs it);
 * SEQCAST_REDIS_SERVER overrides the binary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { tmpDir } from './fixtures.js';

export interface TestRedis {
  url: string;
  port: number;
  /** Stop the server (SIGTERM; it writes its append-only file first). */
  stop(): Promise<void>;
  /** Start it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stop it and remove its directory. */
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * @example
 * const redis = await startRedis();
 * await startServer({ modelsDir, redisUrl: redis.url, port: 0 });
 * await redis.dispose();
 */
export interface TestRedisOptions {
  /** Keep the data across a restart (append-only file). Default true. */
  persistence?: boolean;
  /** Require this password (`requirepass`); the URL carries it. */
  password?: string;
}

export async function startRedis(o: TestRedisOptions = {}): Promise<TestRedis> {
  const bin = process.env.SEQCAST_REDIS_SERVER ?? 'redis-server';
  const dir = tmpDir('seqcast-redis-');
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir.dir, '--save', '', '--appendonly', o.persistence === false ? 'no' : 'yes'];
      args.push('--protected-mode', 'no', ...(o.password !== undefined ? ['--requirepass', o.password] : []));
      const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      let out = '';
      c.on('error', (e) => reject(new Error(`cannot start ${bin} (${e.message}); install Debian's redis-server (pnpm test does when it may)`)));
      c.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      c.on('exit', (code) => reject(new Error(`${bin} exited ${code}: ${out.slice(-500)}`)));
    });
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    url: o.password !== undefined ? `redis://:${encodeURIComponent(o.password)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    dispose: async () => {
      await stop();
      dir.cleanup();
    },
  };
}
