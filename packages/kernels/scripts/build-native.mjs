#!/usr/bin/env node
// Builds the native addon from source with node-gyp and this machine's compiler (-O3
// -march=native), using the Node headers already on disk: nothing is downloaded. It never fails
// the install: when the build cannot run or fails, it prints one line, records the reason in
// build/status.json (reported later by kernelsInfo()) and exits 0, and seqcast uses plain tfjs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = path.join(root, 'build');
const addon = path.join(buildDir, 'Release', 'seqcast_kernels.node');

function finish(ok, reason) {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(path.join(buildDir, 'status.json'), JSON.stringify({ ok, reason, built: new Date().toISOString() }) + '\n');
  if (!ok) console.log(`@seqcast/kernels: native kernels not built (${reason}); seqcast will use the plain tfjs path`);
  process.exit(0);
}

/** node-gyp: a local dev dependency if any, else the copy bundled with npm. */
function findNodeGyp() {
  try {
    return createRequire(path.join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    /* not installed locally */
  }
  const candidates = [
    path.resolve(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    path.resolve(path.dirname(process.execPath), 'node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  return candidates.find((p) => existsSync(p));
}

/** A directory holding include/node/node_api.h for this Node version, without downloading. */
function findNodeDir() {
  const candidates = [
    process.env.npm_config_nodedir,
    path.resolve(path.dirname(process.execPath), '..'),
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node),
    path.join(os.homedir(), '.node-gyp', process.versions.node),
  ].filter(Boolean);
  return candidates.find((d) => existsSync(path.join(d, 'include', 'node', 'node_api.h')));
}

if (process.env.SEQCAST_SKIP_NATIVE === '1') finish(false, 'SEQCAST_SKIP_NATIVE=1');
const gyp = findNodeGyp();
if (!gyp) finish(false, 'node-gyp not found');
const nodedir = findNodeDir();
if (!nodedir) finish(false, `no local Node ${process.versions.node} headers (include/node/node_api.h)`);

rmSync(addon, { force: true });
const res = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, npm_config_nodedir: nodedir },
  timeout: 300_000,
});
if (res.error || res.status !== 0 || !existsSync(addon)) {
  const out = `${res.stderr ?? ''}\n${res.stdout ?? ''}`;
  const line =
    out.split('\n').find((l) => /error/i.test(l) && !/^gyp (info|ERR! (stack|System|command|cwd|node|not ok))/.test(l)) ??
    res.error?.message ??
    `node-gyp exited with ${res.status}`;
  finish(false, `compile failed: ${line.trim().slice(0, 200)}`);
}
finish(true, 'built');
