#!/usr/bin/env node
/**
 * `pnpm test` needs one program npm cannot bring: the Chromium that the web page's browser tests
 * drive (Debian's package; playwright-core never downloads a browser here). On a machine without
 * it, install it with apt-get when we may (root), else stop with the one command to run.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CHROMIUM = process.env.SEQCAST_CHROMIUM ?? '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    console.error(`test: ${CHROMIUM} is missing; install Debian's chromium (sudo apt-get install -y chromium) or set SEQCAST_CHROMIUM`);
    process.exit(1);
  }
  console.error('test: installing Debian\'s chromium for the browser tests (apt-get)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (r.status !== 0) {
      console.error(`test: apt-get ${args.join(' ')} failed (exit ${r.status})`);
      process.exit(1);
    }
  }
}
