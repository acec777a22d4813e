// End to end through @seqcast/core: the kernel choice (SEQCAST_KERNELS) is made once per process,
// so each path runs in its own child process. Checks that the hihello CharLM trained on the fused
// kernels predicts what the plain-tfjs path predicts, and that a missing addon falls back to tfjs
// with one log line.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kernelsInfo } from './index.js';

const pkgRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const info = kernelsInfo();

/** Runs an ES module snippet in a fresh node process (cwd: this package) and parses its last stdout line. */
function child(code: string, env: Record<string, string>): { out: Record<string, unknown>; stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: pkgRoot,
    encoding: 'utf8',
    env: { ...process.env, SEQCAST_QUIET: '', ...env },
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return { out: JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>, stderr: r.stderr };
}

const HIHELLO = `
import { initBackend, CharLM, kernelStatus, denseSoftmaxCrossEntropy, adamOptimizer } from '@seqcast/core';
import { tf } from '@seqcast/core/internals';
await initBackend({ log: false });
const lm = await CharLM.train('hihello', { seqLength: 6, epochs: 100, learningRate: 0.1, seed: 777 });
const next = lm.next('hihel', 5);
// core's head and optimizer hooks follow the same path: one Adam step on a masked dense-softmax CE.
const h = tf.variable(tf.randomUniform([3, 4, 5], -1, 1, 'float32', 1));
const k = tf.variable(tf.randomUniform([5, 6], -1, 1, 'float32', 2));
const b = tf.variable(tf.randomUniform([6], -1, 1, 'float32', 3));
const y = tf.tensor2d([[0, 1, 2, 3], [4, 5, 0, 1], [2, 3, 4, 5]], [3, 4], 'int32');
const mask = tf.tensor2d([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], [3, 4]);
const opt = adamOptimizer(0.05);
const loss = opt.minimize(() => denseSoftmaxCrossEntropy(h, k, b, y, { mask }), true, [h, k, b]).dataSync()[0];
const head = { loss, k: Array.from(k.dataSync()), b: Array.from(b.dataSync()) };
const out = { path: kernelStatus().path, predicted: lm.predictString('hihell'), next, generated: lm.generate('h', 12, { temperature: 0 }), head };
lm.dispose();
console.log(JSON.stringify(out));
`;

describe.skipIf(!info.available)(`hihello through @seqcast/core${info.available ? '' : ` — SKIPPED: ${info.reason}`}`, () => {
  it('trained with fused kernels, gives the same predictions as with plain tfjs', () => {
    const fused = child(HIHELLO, { SEQCAST_KERNELS: 'fused' }).out;
    const plain = child(HIHELLO, { SEQCAST_KERNELS: 'tfjs' }).out;
    expect(fused.path).toBe('fused');
    expect(plain.path).toBe('tfjs');
    expect(fused.predicted).toBe('ihello');
    expect(plain.predicted).toBe(fused.predicted);
    expect(plain.generated).toBe(fused.generated);
    const f = fused.next as { char: string; p: number }[];
    const p = plain.next as { char: string; p: number }[];
    expect(f.map((x) => x.char)).toEqual(p.map((x) => x.char));
    f.forEach((x, i) => expect(Math.abs(x.p - p[i]!.p)).toBeLessThan(1e-3));
    // core's denseSoftmaxCrossEntropy + adamOptimizer: same loss and same updated weights.
    const fh = fused.head as { loss: number; k: number[]; b: number[] };
    const ph = plain.head as { loss: number; k: number[]; b: number[] };
    expect(Math.abs(fh.loss - ph.loss)).toBeLessThan(1e-5);
    [...fh.k, ...fh.b].forEach((v, i) => expect(Math.abs(v - [...ph.k, ...ph.b][i]!)).toBeLessThan(1e-5));
  });
});

describe('fallback when the native addon is unavailable', () => {
  it('kernelsInfo says why, the ops refuse with a one-line error, core uses tfjs and says so once', () => {
    const { out, stderr } = child(
      `
      import { kernelsInfo, lstmSequence } from '@seqcast/kernels';
      import { initBackend, initKernels, CharLM } from '@seqcast/core';
      import { tf } from '@seqcast/core/internals';
      await initBackend({ log: false });
      let refused = '';
      try { lstmSequence(tf.zeros([1, 2, 3]), tf.zeros([3, 8]), tf.zeros([2, 8]), tf.zeros([8])); } catch (e) { refused = e.message; }
      const status = await initKernels();
      const lm = await CharLM.train('hihello', { seqLength: 6, epochs: 100, learningRate: 0.1, seed: 777 });
      console.log(JSON.stringify({ info: kernelsInfo(), refused, status, predicted: lm.predictString('hihell') }));
      `,
      { SEQCAST_KERNELS_ADDON: path.join(pkgRoot, 'build', 'missing', 'seqcast_kernels.node'), SEQCAST_KERNELS: 'auto' },
    );
    const i = out.info as { available: boolean; reason: string };
    expect(i.available).toBe(false);
    expect(i.reason).toMatch(/addon not found at .*missing/);
    expect(out.refused).toMatch(/^lstmSequence: the fused kernels are unavailable here/);
    expect((out.status as { path: string }).path).toBe('tfjs');
    expect(out.predicted).toBe('ihello');
    const said = stderr.split('\n').filter((l) => l.includes('recurrent kernels'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/recurrent kernels tfjs \(.*addon not found/);
  });
});
