// The worker threads split each large product into disjoint blocks, so results must be the same
// bits whatever SEQCAST_THREADS says: run one LSTM training step (forward + BPTT + dense head) at
// a charlm-like shape in child processes with 1 and 2 threads and compare every number.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kernelsInfo } from './index.js';

const info = kernelsInfo();
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js');

const SCRIPT = `
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
const k = await import(${JSON.stringify(dist)});
const B = 64, T = 20, V = 30, H = 96;
const r = (n, s) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; a[i] = (s / 4294967296 - 0.5) * 0.4; } return a; };
const ids = tf.tensor2d(Int32Array.from(r(B * T, 1), (v) => Math.floor((v + 0.2) * 2.5 * V) % V), [B, T], 'int32');
const y = tf.tensor2d(Int32Array.from(r(B * T, 2), (v) => Math.floor((v + 0.2) * 2.5 * V) % V), [B, T], 'int32');
const vars = [tf.variable(tf.tensor2d(r(V * 4 * H, 3), [V, 4 * H])), tf.variable(tf.tensor2d(r(H * 4 * H, 4), [H, 4 * H])), tf.variable(tf.tensor1d(r(4 * H, 5))),
  tf.variable(tf.tensor2d(r(H * V, 6), [H, V])), tf.variable(tf.tensor1d(r(V, 7)))];
const { value, grads } = tf.variableGrads(() => {
  const o = k.lstmSequence(ids, vars[0], vars[1], vars[2]).outputs;
  return k.denseSoftmaxCrossEntropy(o, vars[3], vars[4], y);
}, vars);
const h = createHash('sha256');
h.update(Buffer.from(value.dataSync().buffer));
for (const v of vars) h.update(Buffer.from(grads[v.name].dataSync().buffer));
console.log(JSON.stringify({ threads: k.kernelsInfo().threads, hash: h.digest('hex') }));
`;

function run(threads: string): { threads: number; hash: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    env: { ...process.env, SEQCAST_THREADS: threads },
    encoding: 'utf8',
    cwd: path.dirname(dist),
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { threads: number; hash: string };
}

describe.skipIf(!info.available)('SEQCAST_THREADS', () => {
  it('pins the thread count and leaves every result bit-identical', () => {
    const one = run('1');
    const two = run('2');
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.hash).toBe(one.hash);
  });
});
