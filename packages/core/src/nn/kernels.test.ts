// Kernel selection: the active recurrent path is reported, SEQCAST_KERNELS is validated, and
// whichever path is active computes what a plain-JS float64 cell loop (written here, independent
// of both paths) computes, with gradients checked by finite differences of that loop.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { denseSquaredError, gruSequence, initKernels, kernelStatus, lstmSequence, parseKernelRequest } from './kernels.js';

function rand(shape: number[], seed: number): tf.Tensor {
  const r = seededRandom(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() - 0.5),
    shape,
  );
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * The cells in plain float64 JS (tfjs-layers' gate order: LSTM i f c o; GRU z r h with the reset
 * applied before the recurrent product); masked steps keep the state and output zeros.
 */
function oracle(cell: 'lstm' | 'gru', x: number[][][], k: number[][], rk: number[][], b: number[], mask: number[][]) {
  const H = rk.length,
    G = cell === 'lstm' ? 4 : 3;
  const outputs: number[][][] = [];
  const hs: number[][] = [];
  for (let n = 0; n < x.length; n++) {
    let h = new Array<number>(H).fill(0),
      c = new Array<number>(H).fill(0);
    const outs: number[][] = [];
    for (let t = 0; t < x[n]!.length; t++) {
      const xp = Array.from({ length: G * H }, (_, j) => b[j]! + x[n]![t]!.reduce((s, v, i) => s + v * k[i]![j]!, 0));
      const hp = (hv: number[], j: number) => hv.reduce((s, v, i) => s + v * rk[i]![j]!, 0);
      let hNext: number[],
        cNext = c;
      if (cell === 'lstm') {
        const z = xp.map((v, j) => v + hp(h, j));
        cNext = c.map((cv, u) => sigmoid(z[H + u]!) * cv + sigmoid(z[u]!) * Math.tanh(z[2 * H + u]!));
        hNext = cNext.map((cv, u) => sigmoid(z[3 * H + u]!) * Math.tanh(cv));
      } else {
        const zg = h.map((_, u) => sigmoid(xp[u]! + hp(h, u)));
        const rg = h.map((_, u) => sigmoid(xp[H + u]! + hp(h, H + u)));
        const rh = h.map((hv, u) => rg[u]! * hv);
        hNext = h.map((hv, u) => zg[u]! * hv + (1 - zg[u]!) * Math.tanh(xp[2 * H + u]! + hp(rh, 2 * H + u)));
      }
      const on = mask[n]![t] === 1;
      outs.push(on ? hNext : hNext.map(() => 0));
      if (on) [h, c] = [hNext, cNext];
    }
    outputs.push(outs);
    hs.push(h);
  }
  return { outputs, h: hs };
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

describe('recurrent kernel selection', () => {
  it('validates SEQCAST_KERNELS', () => {
    expect(parseKernelRequest(undefined)).toBe('auto');
    expect(parseKernelRequest(' Fused ')).toBe('fused');
    expect(() => parseKernelRequest('gpu')).toThrow('SEQCAST_KERNELS must be one of fused, tfjs, auto (received "gpu")');
  });

  it('reports the active path once initialised, honouring SEQCAST_KERNELS', async () => {
    const s = await initKernels();
    expect(s.initialised).toBe(true);
    expect(kernelStatus()).toBe(s);
    // The path follows from the request and from what the native module itself reports.
    const want = parseKernelRequest(process.env.SEQCAST_KERNELS);
    const native = await import('@seqcast/kernels' as string).then(
      (m: { kernelsInfo: () => { available: boolean } }) => m.kernelsInfo().available,
      () => false,
    );
    expect(s.requested).toBe(want);
    expect(s.path).toBe(want !== 'tfjs' && native ? 'fused' : 'tfjs');
    expect(s.reason.length).toBeGreaterThan(0);
  });

  it.each(['lstm', 'gru'] as const)('the active %s path matches an independent float64 cell loop (masked, ids and floats)', async (cell) => {
    await initKernels();
    const g = cell === 'lstm' ? 4 : 3;
    const H = 5,
      V = 7,
      B = 3,
      T = 6;
    const idRows = [
      [1, 2, 3, 4, 5, 6],
      [0, 0, 1, 1, 2, 2],
      [6, 5, 4, 3, 2, 1],
    ];
    const maskRows = [
      [1, 1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0, 0],
      [1, 1, 1, 1, 1, 0],
    ];
    tf.tidy(() => {
      const k = rand([V, g * H], 1) as tf.Tensor2D;
      const rk = rand([H, g * H], 2) as tf.Tensor2D;
      const b = rand([g * H], 3) as tf.Tensor1D;
      const [kA, rkA, bA] = [k.arraySync() as number[][], rk.arraySync() as number[][], b.arraySync() as number[]];
      const ids = tf.tensor2d(idRows, [B, T], 'int32');
      const mask = tf.tensor2d(maskRows, [B, T]);
      const active = cell === 'lstm' ? lstmSequence : gruSequence;
      for (const x of [ids, tf.oneHot(ids, V).toFloat()]) {
        const oneHot = idRows.map((row) => row.map((id) => Array.from({ length: V }, (_, v) => (v === id ? 1 : 0))));
        const want = oracle(cell, oneHot, kA, rkA, bA, maskRows);
        const a = active(x, k, rk, b, { mask });
        expect(maxDiff((a.outputs.arraySync() as number[][][]).flat(2), want.outputs.flat(2))).toBeLessThan(1e-5);
        expect(maxDiff((a.h.arraySync() as number[][]).flat(), want.h.flat())).toBeLessThan(1e-5);
        // d/dk of sum(outputs²) against central differences of the float64 loop, at a few entries.
        const grad = tf
          .grad((kk: tf.Tensor) => tf.sum(tf.square(active(x, kk as tf.Tensor2D, rk, b, { mask }).outputs)))(k)
          .arraySync() as number[][];
        const loss = (kk: number[][]) =>
          oracle(cell, oneHot, kk, rkA, bA, maskRows)
            .outputs.flat(2)
            .reduce((s, v) => s + v * v, 0);
        for (const [i, j] of [
          [1, 0],
          [2, H + 1],
          [6, g * H - 1],
          [0, 2],
        ] as const) {
          const eps = 1e-5;
          const up = kA.map((r) => [...r]),
            down = kA.map((r) => [...r]);
          up[i]![j]! += eps;
          down[i]![j]! -= eps;
          expect(grad[i]![j]!).toBeCloseTo((loss(up) - loss(down)) / (2 * eps), 3);
        }
      }
    });
  });
});

describe('dense squared-error head on the active path', () => {
  it('equals the float64 loss and its analytic gradients, with an offset, mean and sum', async () => {
    await initKernels();
    const [N, H, O] = [9, 6, 3];
    const h = rand([N, H], 31) as tf.Tensor2D;
    const k = tf.variable(rand([H, O], 32));
    const b = tf.variable(rand([O], 33));
    const y = rand([N, O], 34) as tf.Tensor2D;
    const off = tf.variable(rand([N, O], 35));
    const [hv, kv, bv, yv, ov] = [h, k, b, y, off].map((t) => Array.from(t.dataSync())) as [number[], number[], number[], number[], number[]];
    // residuals r = h·k + b + off - y in float64
    const r = Array.from({ length: N * O }, (_, i) => {
      const [n, j] = [Math.floor(i / O), i % O];
      let p = bv[j]! + ov[i]! - yv[i]!;
      for (let u = 0; u < H; u++) p += hv[n * H + u]! * kv[u * O + j]!;
      return p;
    });
    for (const reduction of ['mean', 'sum'] as const) {
      const scale = reduction === 'mean' ? 1 / (N * O) : 1;
      const { value, grads } = tf.variableGrads(
        () => denseSquaredError(h, k as tf.Variable<tf.Rank.R2>, b as tf.Variable<tf.Rank.R1>, y, { reduction, offset: off }),
        [k, b, off],
      );
      expect(value.dataSync()[0]!).toBeCloseTo(r.reduce((s, v) => s + v * v, 0) * scale, 5);
      const dk = Array.from({ length: H * O }, (_, i) => {
        const [u, j] = [Math.floor(i / O), i % O];
        let g = 0;
        for (let n = 0; n < N; n++) g += hv[n * H + u]! * 2 * r[n * O + j]! * scale;
        return g;
      });
      const db = Array.from({ length: O }, (_, j) => Array.from({ length: N }, (_, n) => 2 * r[n * O + j]! * scale).reduce((a, c) => a + c, 0));
      expect(maxDiff(Array.from(grads[k.name]!.dataSync()), dk)).toBeLessThan(1e-5);
      expect(maxDiff(Array.from(grads[b.name]!.dataSync()), db)).toBeLessThan(1e-5);
      expect(
        maxDiff(
          Array.from(grads[off.name]!.dataSync()),
          r.map((v) => 2 * v * scale),
        ),
      ).toBeLessThan(1e-5);
      tf.dispose([value, ...Object.values(grads)]);
    }
    tf.dispose([h, k, b, y, off]);
  });
});
