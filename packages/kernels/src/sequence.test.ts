// Fused LSTM/GRU vs tfjs-layers' own LSTM/GRU: forward outputs, final states and gradients
// (x, kernel, recurrentKernel, bias, h0, c0) on random shapes, with and without masks, ids input.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { readF32 } from './data.js';
import { denseSoftmaxCrossEntropy, FusedAdamOptimizer, gruSequence, kernelsInfo, lstmSequence } from './index.js';
import type { SequenceResult } from './index.js';

const info = kernelsInfo();
const TOL = 1e-4;

/** Deterministic pseudo-random numbers in [-scale, scale). */
function rand(n: number, seed: number, scale = 0.5): Float32Array {
  let s = (Math.imul(seed + 1, 2654435761) ^ 0x5bd1e995) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * scale;
  }
  return out;
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

/** A recurrent layer's weights as variables: kernel [I, g·H], recurrent kernel [H, g·H], bias [g·H] (g gates). */
function layerVariables(I: number, H: number, g: number, seed: number, scale = 0.5) {
  return [
    tf.variable(tf.tensor2d(rand(I * g * H, seed, scale), [I, g * H])),
    tf.variable(tf.tensor2d(rand(H * g * H, seed + 1, scale), [H, g * H])),
    tf.variable(tf.tensor1d(rand(g * H, seed + 2))),
  ] as const;
}

interface Case {
  kind: 'lstm' | 'gru';
  B: number;
  T: number;
  I: number;
  H: number;
  ids: boolean;
  mask: boolean;
  h0: boolean;
  seed: number;
}

/** Runs one case both ways; returns named max-abs differences. */
function compare(c: Case): Record<string, number> {
  const { kind, B, T, I, H, seed } = c;
  const g = kind === 'lstm' ? 4 : 3;
  return tf.tidy(() => {
    const idsArr = Int32Array.from(rand(B * T, seed + 1), (v) => Math.min(I - 1, Math.floor((v + 0.5) * I)));
    const ids = tf.tensor2d(idsArr, [B, T], 'int32');
    const xFloat = c.ids ? tf.oneHot(ids, I).toFloat() : tf.tensor3d(rand(B * T * I, seed + 2, 1), [B, T, I]);
    const kernel = tf.tensor2d(rand(I * g * H, seed + 3), [I, g * H]);
    const rk = tf.tensor2d(rand(H * g * H, seed + 4), [H, g * H]);
    const bias = tf.tensor1d(rand(g * H, seed + 5));
    const h0 = tf.tensor2d(rand(B * H, seed + 6), [B, H]);
    const c0 = tf.tensor2d(rand(B * H, seed + 7), [B, H]);
    // Random lengths 0..T per row, post-padded (a zero-length row keeps its initial state).
    const lens = Array.from(rand(B, seed + 8), (v) => Math.floor((v + 0.5) * (T + 1)));
    const maskArr = new Float32Array(B * T);
    lens.forEach((l, b) => maskArr.fill(1, b * T, b * T + l));
    const mask = tf.tensor2d(maskArr, [B, T]);
    const rOut = tf.tensor3d(rand(B * T * H, seed + 9, 1), [B, T, H]);
    const rH = tf.tensor2d(rand(B * H, seed + 10, 1), [B, H]);
    const rC = tf.tensor2d(rand(B * H, seed + 11, 1), [B, H]);
    const m3 = mask.expandDims(2);

    const loss = (outputs: tf.Tensor, h: tf.Tensor, cc: tf.Tensor | undefined): tf.Scalar =>
      tf.addN([tf.sum(tf.mul(outputs, rOut)), tf.sum(tf.mul(h, rH)), ...(cc ? [tf.sum(tf.mul(cc, rC))] : [])]) as tf.Scalar;

    // Reference: tfjs-layers with the same weights (outputs at masked steps zeroed, per the seam).
    const layerArgs = { units: H, returnSequences: true, returnState: true, recurrentActivation: 'sigmoid' } as const;
    const layer = kind === 'lstm' ? tf.layers.lstm(layerArgs) : tf.layers.gru(layerArgs);
    const xV = tf.variable(xFloat);
    const h0V = tf.variable(h0);
    const c0V = tf.variable(c0);
    const states = kind === 'lstm' ? [h0V, c0V] : [h0V];
    // tfjs's own gradient of a 1-step sequence fails (Unpack of one slice), so for T = 1 the
    // reference runs 2 steps with a masked (state-preserving) dummy step in front.
    const pad = T === 1;
    const refRun = (): { out: tf.Tensor; h: tf.Tensor; cc?: tf.Tensor } => {
      const kwargs: Record<string, unknown> = {};
      if (c.h0) kwargs.initialState = states;
      const xin = pad ? tf.concat([tf.zerosLike(xV), xV], 1) : xV;
      if (pad) kwargs.mask = tf.concat([tf.zeros([B, 1]), c.mask ? mask : tf.ones([B, 1])], 1);
      else if (c.mask) kwargs.mask = mask;
      const res = layer.apply(xin, kwargs) as tf.Tensor[];
      const seq = pad ? tf.slice(res[0]!, [0, 1, 0], [B, 1, H]) : res[0]!;
      const out = c.mask ? tf.mul(seq, m3) : seq;
      return { out, h: res[1]!, cc: kind === 'lstm' ? res[2] : undefined };
    };
    refRun(); // builds the layer (with its initial-state inputs) before the weights are set
    layer.setWeights([kernel, rk, bias]);
    const lw = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const ref = refRun();
    const refVars = [xV, ...lw, ...(c.h0 ? states : [])];
    const refGrads = tf.variableGrads(() => {
      const r = refRun();
      return loss(r.out, r.h, r.cc);
    }, refVars).grads;

    // Fused.
    const kV = tf.variable(kernel);
    const rkV = tf.variable(rk);
    const bV = tf.variable(bias);
    const fx = c.ids ? ids : xV;
    const opts = {
      ...(c.mask ? { mask } : {}),
      ...(c.h0 ? { h0: h0V, ...(kind === 'lstm' ? { c0: c0V } : {}) } : {}),
    };
    const fn = kind === 'lstm' ? lstmSequence : gruSequence;
    const fused = fn(fx, kV, rkV, bV, opts);
    const fusedVars = [...(c.ids ? [] : [xV]), kV, rkV, bV, ...(c.h0 ? states : [])];
    const fusedGrads = tf.variableGrads(() => loss(...(Object.values(fn(fx, kV, rkV, bV, opts)) as [tf.Tensor, tf.Tensor, tf.Tensor?])), fusedVars).grads;

    const d: Record<string, number> = {
      outputs: maxDiff(fused.outputs, ref.out),
      h: maxDiff(fused.h, ref.h),
    };
    if (kind === 'lstm') d.c = maxDiff(fused.c!, ref.cc!);
    const names = ['kernel', 'recurrentKernel', 'bias'];
    lw.forEach((v, i) => (d[`d${names[i]}`] = maxDiff(fusedGrads[[kV, rkV, bV][i]!.name]!, refGrads[v.name]!)));
    if (!c.ids) d.dx = maxDiff(fusedGrads[xV.name]!, refGrads[xV.name]!);
    if (c.h0) {
      d.dh0 = maxDiff(fusedGrads[h0V.name]!, refGrads[h0V.name]!);
      if (kind === 'lstm') d.dc0 = maxDiff(fusedGrads[c0V.name]!, refGrads[c0V.name]!);
    }
    for (const v of [xV, h0V, c0V, kV, rkV, bV]) v.dispose();
    layer.dispose();
    return d;
  });
}

const cases: Case[] = [];
for (const kind of ['lstm', 'gru'] as const) {
  for (let k = 0; k < 6; k++) {
    const r = rand(4, 100 + k * 7 + (kind === 'gru' ? 50 : 0));
    const pick = (v: number, lo: number, hi: number): number => lo + Math.floor((v + 0.5) * (hi - lo + 1));
    cases.push({
      kind,
      B: pick(r[0]!, 1, 11),
      T: k === 2 ? 1 : pick(r[1]!, 2, 8),
      I: pick(r[2]!, 2, 9),
      H: pick(r[3]!, 1, 13),
      ids: k % 3 === 1,
      mask: k % 2 === 1,
      h0: k % 3 !== 0,
      seed: 1000 + k * 31,
    });
  }
  // A larger one: several column panels and row blocks, masks and ids together.
  cases.push({ kind, B: 19, T: 6, I: 21, H: 37, ids: true, mask: true, h0: true, seed: 77 });
  cases.push({ kind, B: 9, T: 5, I: 7, H: 40, ids: false, mask: true, h0: true, seed: 78 });
  // H a multiple of the panel width: the one-product-per-gate path (narrower layers use one product for all gates).
  cases.push({ kind, B: 10, T: 4, I: 33, H: 32, ids: false, mask: true, h0: true, seed: 79 });
  cases.push({ kind, B: 3, T: 3, I: 12, H: 64, ids: true, mask: false, h0: false, seed: 80 });
  // Products big enough to be split over the worker threads (by column panels and by row blocks).
  cases.push({ kind, B: 64, T: 3, I: 20, H: 64, ids: true, mask: true, h0: true, seed: 82 });
  cases.push({ kind, B: 64, T: 3, I: 24, H: 40, ids: false, mask: false, h0: true, seed: 83 });
  // A few rows (the generation path: weights used unpacked), float input.
  cases.push({ kind, B: 2, T: 5, I: 6, H: 9, ids: false, mask: true, h0: true, seed: 81 });
}

describe.skipIf(!info.available)(`fused kernels vs tfjs-layers${info.available ? ` (${info.isa})` : ` — SKIPPED: ${info.reason}`}`, () => {
  it.each(cases.map((c) => [`${c.kind} B${c.B} T${c.T} I${c.I} H${c.H}${c.ids ? ' ids' : ''}${c.mask ? ' mask' : ''}${c.h0 ? ' h0' : ''}`, c] as const))(
    '%s: outputs, states and gradients within 1e-4',
    (_name, c) => {
      const d = compare(c);
      for (const [k, v] of Object.entries(d)) expect(v, k).toBeLessThan(TOL);
    },
  );

  it.each([
    [5, 4, 9, 11],
    [7, 3, 20, 37],
  ])('dense+softmax+cross-entropy matches tfjs ops (loss and gradients, with a mask): B%i T%i H%i V%i', (B, T, H, V) => {
    tf.tidy(() => {
      const h = tf.variable(tf.tensor3d(rand(B * T * H, 3, 1), [B, T, H]));
      const k = tf.variable(tf.tensor2d(rand(H * V, 4), [H, V]));
      const b = tf.variable(tf.tensor1d(rand(V, 5)));
      const labels = tf.tensor2d(
        Int32Array.from(rand(B * T, 6), (v) => Math.floor((v + 0.5) * V)),
        [B, T],
        'int32',
      );
      const mask = tf.tensor2d(
        Float32Array.from(rand(B * T, 7), (v) => (v > -0.2 ? 1 : 0)),
        [B, T],
      );
      const ref = (): tf.Scalar => {
        const logits = tf.add(tf.matMul(h.reshape([B * T, H]), k), b);
        const ce = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(labels.reshape([-1]), V)), 1));
        const w = mask.reshape([-1]);
        return tf.div(tf.sum(tf.mul(ce, w)), tf.maximum(tf.sum(w), 1)) as tf.Scalar;
      };
      const fused = (): tf.Scalar => denseSoftmaxCrossEntropy(h, k, b, labels, { mask });
      const r = tf.variableGrads(ref, [h, k, b]);
      const f = tf.variableGrads(fused, [h, k, b]);
      expect(Math.abs(r.value.dataSync()[0]! - f.value.dataSync()[0]!)).toBeLessThan(TOL);
      for (const v of [h, k, b]) expect(maxDiff(f.grads[v.name]!, r.grads[v.name]!), v.name).toBeLessThan(TOL);
      for (const v of [h, k, b]) v.dispose();
    });
  });

  it('FusedAdamOptimizer follows tf.train.adam step for step', () => {
    const a = tf.variable(tf.tensor1d(rand(37, 9, 1)));
    const b = tf.variable(a.clone());
    const target = tf.tensor1d(rand(37, 10, 1));
    const ref = tf.train.adam(0.05);
    const fused = new FusedAdamOptimizer({ learningRate: 0.05 });
    for (let i = 0; i < 20; i++) {
      ref.minimize(() => tf.sum(tf.square(tf.sub(a, target))), false, [a]);
      fused.minimize(() => tf.sum(tf.square(tf.sub(b, target))), false, [b]);
    }
    expect(maxDiff(a, b)).toBeLessThan(TOL);
    ref.dispose();
    fused.dispose();
    tf.dispose([a, b, target]);
  });

  it('repeated forward+backward calls leak no tensors', () => {
    const [B, T, I, H] = [3, 4, 5, 6];
    const x = tf.tensor3d(rand(B * T * I, 1), [B, T, I]);
    const lstmW = layerVariables(I, H, 4, 2);
    const gruW = layerVariables(H, H, 3, 5);
    const ws = [lstmW, gruW] as const;
    const mask = tf.ones([B, T]) as tf.Tensor2D;
    const once = (): void => {
      const [l, gr] = ws;
      const { value, grads } = tf.variableGrads(() => {
        const a = lstmSequence(x, l[0] as tf.Tensor2D, l[1] as tf.Tensor2D, l[2] as tf.Tensor1D, { mask });
        const b = gruSequence(a.outputs, gr[0] as tf.Tensor2D, gr[1] as tf.Tensor2D, gr[2] as tf.Tensor1D);
        return tf.add(tf.sum(b.outputs), tf.sum(a.c!)) as tf.Scalar;
      });
      tf.dispose([value, ...Object.values(grads)]);
      const r = lstmSequence(x, l[0] as tf.Tensor2D, l[1] as tf.Tensor2D, l[2] as tf.Tensor1D);
      tf.dispose([r.outputs, r.h, r.c!]);
    };
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) once();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mask, ...ws.flat()]);
  });

  it('reuses a result array only once no tensor holds its data (clones and kept gradients keep their values)', () => {
    // Sizes past the pool's minimum, so outputs and gradients come from the pool.
    const [B, T, I, H] = [4, 8, 5, 16];
    const x = tf.tensor3d(rand(B * T * I, 21), [B, T, I]);
    const k = tf.variable(tf.tensor2d(rand(I * 4 * H, 22), [I, 4 * H]));
    const rk = tf.variable(tf.tensor2d(rand(H * 4 * H, 23), [H, 4 * H]));
    const b = tf.variable(tf.tensor1d(rand(4 * H, 24)));
    const step = () => tf.variableGrads(() => tf.sum(tf.square(lstmSequence(x, k, rk, b).outputs)) as tf.Scalar, [k, rk, b]);
    const first = lstmSequence(x, k, rk, b);
    const kept = first.outputs.clone();
    const keptGrads = step().grads;
    const want = [kept, ...Object.values(keptGrads)].map((t) => Float32Array.from(t.dataSync()));
    tf.dispose([first.outputs, first.h, first.c!]);
    for (let i = 0; i < 4; i++) {
      k.assign(tf.tensor2d(rand(I * 4 * H, 30 + i), [I, 4 * H]));
      const r = lstmSequence(x, k, rk, b);
      const g = step();
      tf.dispose([r.outputs, r.h, r.c!, g.value, ...Object.values(g.grads)]);
    }
    // Both as tfjs holds them and as the kernels read them (the cached arrays).
    [kept, ...Object.values(keptGrads)].forEach((t, i) => {
      expect(Array.from(t.dataSync())).toEqual(Array.from(want[i]!));
      expect(Array.from(readF32(t))).toEqual(Array.from(want[i]!));
    });
    tf.dispose([x, k, rk, b, kept, ...Object.values(keptGrads)]);
  });

  it('holds the arrays a backward pass will read until the tape is done, even once their tensors are disposed', () => {
    // I = H, so the first layer's outputs and every other result here share one pooled length.
    const [B, T, H] = [4, 8, 16];
    const x = tf.tensor3d(rand(B * T * H, 51), [B, T, H]);
    const l1 = layerVariables(H, H, 4, 52);
    const l2 = layerVariables(H, H, 4, 55);
    const other = layerVariables(H, H, 4, 58, 1);
    let kept: tf.Tensor | undefined;
    const grads = (keepFirst: boolean) =>
      tf.variableGrads(() => {
        const h1 = lstmSequence(x, ...l1).outputs;
        // Kept, the first layer's outputs outlive the gradient computation, so nothing can reuse
        // their array. Not kept, tfjs disposes them when the forward pass ends, before the second
        // layer's backward pass reads their array: its dx (the same size) must not be written
        // there, nor other results of the same size on the same tape.
        if (keepFirst) kept = tf.keep(h1);
        const h2 = lstmSequence(h1, ...l2).outputs;
        if (!keepFirst) for (let i = 0; i < 3; i++) lstmSequence(x, ...other).outputs.dispose();
        return tf.sum(tf.square(h2)) as tf.Scalar;
      }, [...l1, ...l2]);
    const want = grads(true);
    const got = grads(false);
    for (const k of Object.keys(want.grads)) expect(maxDiff(got.grads[k]!, want.grads[k]!)).toBe(0);
    tf.dispose([x, kept!, ...l1, ...l2, ...other, want.value, got.value, ...Object.values(want.grads), ...Object.values(got.grads)]);
  });

  it('hands the arrays a training step held back to the pool once its tape is done', () => {
    const [B, T, I, H] = [4, 8, 5, 16];
    const x = tf.tensor3d(rand(B * T * I, 61), [B, T, I]);
    const l1 = layerVariables(I, H, 4, 62);
    const l2 = layerVariables(H, H, 4, 65);
    const opt = new FusedAdamOptimizer({ learningRate: 0.01 });
    // The first layer's outputs are the second layer's input, held for its backward pass each step.
    const seen = new Set<Float32Array>();
    for (let step = 0; step < 8; step++) {
      const loss = opt.minimize(
        () => {
          const h1 = lstmSequence(x, ...l1).outputs;
          if (step >= 2) seen.add(readF32(h1));
          return tf.sum(tf.square(lstmSequence(h1, ...l2).outputs)) as tf.Scalar;
        },
        true,
        [...l1, ...l2],
      );
      loss!.dispose();
    }
    // One array per step would mean fresh allocations (and their page faults and GC work) every step.
    expect(seen.size).toBeLessThanOrEqual(2);
    tf.dispose([x, ...l1, ...l2]);
  });

  it('makes the final states only when they are read, and the same tensors each time', () => {
    const [B, T, I, H] = [2, 3, 4, 5];
    const x = tf.tensor3d(rand(B * T * I, 41), [B, T, I]);
    const k = tf.tensor2d(rand(I * 4 * H, 42), [I, 4 * H]);
    const rk = tf.tensor2d(rand(H * 4 * H, 43), [H, 4 * H]);
    const b = tf.tensor1d(rand(4 * H, 44));
    const before = tf.memory().numTensors;
    const r = lstmSequence(x, k, rk, b);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(r.h).toBe(r.h);
    expect(r.c!.shape).toEqual([B, H]);
    expect(tf.memory().numTensors).toBe(before + 3);
    // tf.tidy returning the result keeps every state, including ones not read inside it.
    const kept = tf.tidy(() => lstmSequence(x, k, rk, b) as unknown as tf.TensorContainer) as unknown as SequenceResult;
    expect(Object.keys(kept)).toEqual(['outputs', 'h', 'c']);
    expect(kept.c!.isDisposed).toBe(false);
    tf.dispose([r.outputs, r.h, r.c!, kept.outputs, kept.h, kept.c!, x, k, rk, b]);
  });

  it('rejects ids outside the vocabulary and mismatched shapes with one-line errors', () => {
    const k = tf.zeros([3, 8]) as tf.Tensor2D;
    const rk = tf.zeros([2, 8]) as tf.Tensor2D;
    const b = tf.zeros([8]) as tf.Tensor1D;
    const ids = tf.tensor2d([[0, 1, 3]], [1, 3], 'int32');
    expect(() => lstmSequence(ids, k, rk, b)).toThrow(/id 3 at \[0,2\] is outside the vocabulary 0\.\.2/);
    expect(() => lstmSequence(tf.zeros([1, 2, 4]), k, rk, b)).toThrow(/x has 4 features, kernel expects 3/);
    expect(() => gruSequence(tf.zeros([1, 2, 3]), k, rk, b)).toThrow(/weight shapes do not match/);
    expect(() => lstmSequence(tf.zeros([1, 2, 3]), k, rk, b, { mask: tf.ones([2, 2]) as tf.Tensor2D })).toThrow(/mask must be \[1,2\]/);
  });
});
