// Every instruction-set path this CPU can run (SEQCAST_KERNELS_ISA=avx512 / avx2 / sse, each built
// into its own build/isa-NAME directory) must compute what the reference does: an LSTM training
// step (outputs, final states and every gradient) within 1e-5 of the same step written in plain
// tfjs ops, with the same bits on every run and at 1 and 2 threads; and it runs the kernels'
// LSTM/GRU comparison suite (masks, ids, GRU, h0/c0) against tfjs-layers. The default (native)
// build is what the rest of the suite tests, so a path that equals it is not built twice.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kernelsInfo } from './index.js';

const info = kernelsInfo();
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(packageRoot, 'dist', 'index.js');
const repoRoot = path.resolve(packageRoot, '..', '..');

/** What the addon built for each override reports as its `isa`. */
const LABEL: Record<string, string> = { avx512: 'avx512', avx2: 'avx2-fma', sse: 'sse' };

function runnableIsas(): string[] {
  const code = `import(${JSON.stringify(path.join(packageRoot, 'scripts', 'isa.mjs'))}).then((m) => console.log(JSON.stringify(m.runnableIsas())))`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  return r.status === 0 ? (JSON.parse(r.stdout.trim()) as string[]) : [];
}

/**
 * A child process, without blocking this worker's event loop (a long spawnSync starves vitest's
 * own messages).
 */
function child(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { env: { ...process.env, ...env }, cwd });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Builds the `isa` path into build/isa-NAME (a no-op when its sources are unchanged); the addon's path. */
async function buildIsa(isa: string): Promise<string> {
  const out = path.join(packageRoot, 'build', `isa-${isa}`);
  const r = await child([path.join(packageRoot, 'scripts', 'build-native.mjs'), `--isa=${isa}`, `--out=${out}`], {}, packageRoot);
  expect(r.status, r.stderr).toBe(0);
  const addon = path.join(out, 'Release', 'seqcast_kernels.node');
  expect(existsSync(addon), r.stdout).toBe(true);
  return addon;
}

// One LSTM training step through the fused op and through plain tfjs ops (the reference), on a
// wide layer (float inputs, H a multiple of every path's panel width) and a narrow one (ids).
const SCRIPT = `
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
const k = await import(${JSON.stringify(dist)});
const r = (n, s, sc = 0.3) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; a[i] = (s / 4294967296 - 0.5) * 2 * sc; } return a; };
function reference(x, W, U, b, h0, c0) {
  const [B, T] = x.shape; const H = U.shape[0];
  let h = h0, c = c0; const outs = [];
  for (let t = 0; t < T; t++) {
    const z = tf.add(tf.add(tf.matMul(tf.squeeze(tf.slice(x, [0, t, 0], [B, 1, -1]), [1]), W), tf.matMul(h, U)), b);
    const [i, f, g, o] = tf.split(z, 4, 1);
    c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    outs.push(h);
  }
  return { outputs: tf.stack(outs, 1), h, c };
}
const report = { isa: k.kernelsInfo().isa, cases: [] };
const hash = createHash('sha256');
for (const [B, T, I, H, ids] of [[9, 6, 13, 64, false], [7, 5, 11, 20, true]]) {
  const x = ids ? tf.tensor2d(Int32Array.from(r(B * T, 1), (v) => Math.floor((v + 0.3) / 0.6 * I) % I), [B, T], 'int32') : tf.tensor3d(r(B * T * I, 1, 1), [B, T, I]);
  const xf = ids ? tf.oneHot(x, I).toFloat() : x;
  const vars = [tf.variable(tf.tensor2d(r(I * 4 * H, 2), [I, 4 * H])), tf.variable(tf.tensor2d(r(H * 4 * H, 3), [H, 4 * H])), tf.variable(tf.tensor1d(r(4 * H, 4))),
    tf.variable(tf.tensor2d(r(B * H, 5), [B, H])), tf.variable(tf.tensor2d(r(B * H, 6), [B, H]))];
  const wOut = tf.tensor3d(r(B * T * H, 7, 1), [B, T, H]), wH = tf.tensor2d(r(B * H, 8, 1), [B, H]), wC = tf.tensor2d(r(B * H, 9, 1), [B, H]);
  const loss = (o) => tf.addN([tf.sum(tf.mul(o.outputs, wOut)), tf.sum(tf.mul(o.h, wH)), tf.sum(tf.mul(o.c, wC))]);
  const [W, U, b, h0, c0] = vars;
  const run = (fused) => {
    const out = {};
    const { value, grads } = tf.variableGrads(() => {
      const o = fused ? k.lstmSequence(ids ? x : xf, W, U, b, { h0, c0 }) : reference(xf, W, U, b, h0, c0);
      out.outputs = Array.from(o.outputs.dataSync()); out.h = Array.from(o.h.dataSync()); out.c = Array.from(o.c.dataSync());
      return loss(o);
    }, vars);
    vars.forEach((v, i) => { out['d' + ['W', 'U', 'b', 'h0', 'c0'][i]] = Array.from(grads[v.name].dataSync()); });
    return out;
  };
  const fused = run(true), ref = run(false);
  let worst = 0, where = '';
  for (const key of Object.keys(ref)) {
    for (let i = 0; i < ref[key].length; i++) {
      const d = Math.abs(fused[key][i] - ref[key][i]) / Math.max(1, Math.abs(ref[key][i]));
      if (d > worst) { worst = d; where = key + '[' + i + ']'; }
    }
    hash.update(Buffer.from(Float32Array.from(fused[key]).buffer));
  }
  report.cases.push({ shape: [B, T, I, H], ids, worst, where });
}
report.hash = hash.digest('hex');
console.log(JSON.stringify(report));
`;

interface Report {
  isa: string;
  hash: string;
  cases: { shape: number[]; ids: boolean; worst: number; where: string }[];
}

async function step(addon: string, threads: string): Promise<Report> {
  const r = await child(['--input-type=module', '-e', SCRIPT], { SEQCAST_KERNELS_ADDON: addon, SEQCAST_THREADS: threads }, path.dirname(dist));
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Report;
}

const isas = info.available ? runnableIsas().filter((isa) => LABEL[isa] !== info.isa) : [];

describe.skipIf(!info.available || isas.length === 0)('every instruction-set path this CPU runs', () => {
  for (const isa of isas) {
    it(`SEQCAST_KERNELS_ISA=${isa}: within 1e-5 of plain tfjs, the same bits on every run and thread count`, { timeout: 600_000 }, async () => {
      const addon = await buildIsa(isa);
      const one = await step(addon, '1');
      expect(one.isa).toBe(LABEL[isa]);
      for (const c of one.cases) expect(c.worst, `${isa} ${c.shape} ids=${c.ids}: worst at ${c.where}`).toBeLessThan(1e-5);
      expect((await step(addon, '1')).hash).toBe(one.hash);
      expect((await step(addon, '2')).hash).toBe(one.hash);
    });
    it(`SEQCAST_KERNELS_ISA=${isa}: the LSTM/GRU comparison suite passes`, { timeout: 600_000 }, async () => {
      const addon = await buildIsa(isa);
      const suite = ['packages/kernels/src/sequence.test.ts', 'packages/kernels/src/dense-sq-error.test.ts'];
      const r = await child(
        [path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'unit', ...suite],
        { SEQCAST_KERNELS_ADDON: addon },
        repoRoot,
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`.split('\n').slice(-30).join('\n')).toBe(0);
    });
  }
});

describe('SEQCAST_KERNELS_ISA', () => {
  it('an unknown path stops the build with one line naming the variable, and builds nothing', async () => {
    const out = path.join(packageRoot, 'build', 'isa-unknown-test');
    const r = await child([path.join(packageRoot, 'scripts', 'build-native.mjs'), `--out=${out}`], { SEQCAST_KERNELS_ISA: 'avx9' }, packageRoot);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('@seqcast/kernels: SEQCAST_KERNELS_ISA=avx9 is not one of native, avx512, avx2, sse');
    expect(existsSync(out)).toBe(false);
  });
});
