#!/usr/bin/env node
/**
 * `pnpm test` needs two programs npm cannot bring, both Debian packages: the Chromium that the
 * web page's browser tests drive (playwright-core never downloads a browser here), and the
 * redis-server the queue-mode tests start on a free port. On a machine without one, install it
 * with apt-get when we may (root), else stop with the one command to run.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CHROMIUM = process.env.SEQCAST_CHROMIUM ?? '/usr/bin/chromium';
const REDIS = process.env.SEQCAST_REDIS_SERVER ?? 'redis-server';

/** True when `cmd` runs (found on PATH, or an absolute path that exists). */
function runs(cmd) {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

const missing = [];
if (!existsSync(CHROMIUM)) missing.push({ pkg: 'chromium', what: `${CHROMIUM} (browser tests)`, env: 'SEQCAST_CHROMIUM' });
if (!runs(REDIS)) missing.push({ pkg: 'redis-server', what: `${REDIS} (queue-mode tests)`, env: 'SEQCAST_REDIS_SERVER' });

if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  const pkgs = missing.map((m) => m.pkg);
  if (!isRoot || !hasApt) {
    for (const m of missing) console.error(`test: ${m.what} is missing; install Debian's ${m.pkg} or set ${m.env}`);
    console.error(`test: sudo apt-get install -y ${pkgs.join(' ')}`);
    process.exit(1);
  }
  console.error(`test: installing Debian's ${pkgs.join(' and ')} for the tests (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...pkgs]]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (r.status !== 0) {
      console.error(`test: apt-get ${args.join(' ')} failed (exit ${r.status})`);
      process.exit(1);
    }
  }
}
