// pnpm bench [kernels] [--json] [--no-torch] [--quick] [--only=long-char,stock,charlm-h128,charlm-h256,charlm-h512,inference]
//
// Training speed of the lecture's recurrent models, one thread, three ways side by side in one
// run (the machine may be shared, so ratios from one run are what to quote):
//   * seqcast fused  — @seqcast/kernels: native whole-sequence LSTM forward/BPTT ops, the fused
//                      dense+softmax+cross-entropy head (char models) or dense+squared-error head
//                      (stock) and the native Adam, over tf.layers weights;
//   * tfjs-layers    — the same model as plain tf.layers (LSTM/Dense) + tf.train.adam;
//   * PyTorch        — the reference scripts in ../shared/anchors (when python3 + torch exist).
// Workloads (issue 6): long-char (180-char sentence, 170 windows of 10, 2 LSTM x 25, softmax
// each step, Adam 0.1), stock (505x7x5, LSTM 10, dense 1 on the last step, sum of squares,
// Adam 0.01), charlm-h128 (64 x 100 steps, one-hot 82, 2 LSTM x 128, softmax each step, Adam 2e-3),
// plus next-char latency and generation speed at the charlm-h128 shape; and the corpus shapes
// charlm-h256 / charlm-h512 (2 LSTM layers, 64 x 100, one-hot 82) with 1 and with 2 threads on
// both sides: seqcast's own thread count, and PyTorch at its best use of the same N cores (every
// torch threads x OpenBLAS threads split whose product is N is run; the fastest is reported, with
// which it was). The header names the CPU, the kernels' instruction-set path (see
// SEQCAST_KERNELS_ISA in docs/kernels.md) and the thread counts. seqcast is timed the way each PyTorch
// script times itself (the same number of steps, untimed warm-up only where the script has one,
// the mean per step; long-char and stock from a cold process, as the scripts start), and the two
// sides alternate over a few rounds (medians), so that a shared machine's drift falls on both. The
// one-thread rows are also compared by process CPU time. `--json` ends with one JSON line.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@seqcast/core';
import { lstmSequenceReference, tf } from '@seqcast/core/internals';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, '..', '..', 'shared');

const SENTENCE =
  "if you want to build a ship, don't drum up people together to " +
  "collect wood and don't assign them tasks and work, but rather " +
  'teach them to long for the endless immensity of the sea.';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Median wall ms of `fn` over `n` runs after `warm` warm-up runs (stops early past `budgetMs`),
 * and the median process CPU ms of the same runs (on a shared machine, CPU time is the steadier
 * measure of the work done; wall time is what the PyTorch scripts report).
 */
function timeIt(fn, { warm = 2, n = 20, budgetMs = 20_000 } = {}) {
  for (let i = 0; i < warm; i++) fn();
  const times = [];
  const cpu = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    if (performance.now() - start > budgetMs && times.length >= 2) break;
  }
  return { ms: median(times), cpuMs: median(cpu), runs: times.length };
}

/**
 * Timed the way the PyTorch anchors time themselves: `warm` untimed runs, then `n` runs as one
 * timed block; the mean wall ms and mean process CPU ms per run.
 */
function timeLikeAnchor(fn, { warm = 0, n }) {
  for (let i = 0; i < warm; i++) fn();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  const ms = (performance.now() - t0) / n;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000 / n };
}

/**
 * `rounds` rounds of seqcast then its anchor (wall clock, then CPU time), back to back: a shared
 * machine's speed drifts over minutes, and alternating gives both sides the same stretches of it.
 * Medians over the rounds of each side (`null` where a side gave no figure).
 */
function alternate(rounds, ours, anchor, anchorCpu) {
  const o = [];
  const a = [];
  const ac = [];
  for (let r = 0; r < rounds; r++) {
    const x = ours?.();
    if (x) o.push(x);
    const t = anchor?.();
    if (t?.value != null) a.push(t.value);
    const tc = anchorCpu?.();
    if (tc?.value != null) ac.push(tc.value);
  }
  const med = (xs) => (xs.length ? median(xs) : null);
  return { ms: med(o.map((x) => x.ms)), cpuMs: med(o.map((x) => x.cpuMs)), anchor: med(a), anchorCpu: med(ac) };
}

/**
 * One workload timed like its anchor in a fresh node process (`--child=NAME:N`), as the anchor's
 * python process starts fresh: for the small workloads, where JIT warm-up is part of the cost.
 */
function inChild(name, n) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--child=${name}:${n}`], {
    env: { ...process.env, SEQCAST_QUIET: '1' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`bench child ${name}: ${(r.stderr || r.stdout || 'no output').trim().split('\n').pop()}`);
  return JSON.parse(line);
}

function log(line) {
  process.stderr.write(`bench: ${line}\n`);
}

/** xorshift PRNG for reproducible synthetic data. */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** Stacked LSTM (+ dense) as a standard tf.layers model, seeded. */
function buildModel({ input, units, layers, outputs, returnSequences = true, seed = 1 }) {
  const inp = tf.input({ shape: [null, input] });
  let x = inp;
  for (let l = 0; l < layers; l++) {
    x = tf.layers
      .lstm({
        units,
        returnSequences: l < layers - 1 || returnSequences,
        recurrentActivation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 * l }),
        recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 2 * l + 1 }),
      })
      .apply(x);
  }
  const out = tf.layers.dense({ units: outputs, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 99 }) }).apply(x);
  const model = tf.model({ inputs: inp, outputs: out });
  const vars = model.trainableWeights.map((w) => w.read());
  // [[kernel, recurrentKernel, bias] per LSTM], [dense kernel, dense bias]
  const rec = [];
  for (let l = 0; l < layers; l++) rec.push(vars.slice(3 * l, 3 * l + 3));
  return { model, vars, rec, dense: vars.slice(3 * layers) };
}

// ------------------------------------------------------------------ workloads

/**
 * seqcast's fused training step of a stacked-LSTM char model built by buildModel: ids `x` [B,T]
 * through the fused LSTM ops, the fused dense + softmax + cross-entropy head against `y` [B,T],
 * and the native Adam; returns the step function (it returns the loss).
 */
function fusedCharStep(K, m, x, y, lr) {
  const opt = new K.FusedAdamOptimizer({ learningRate: lr });
  return () => {
    const loss = opt.minimize(
      () => {
        let h = x;
        for (const [k, rk, b] of m.rec) h = K.lstmSequence(h, k, rk, b).outputs;
        return K.denseSoftmaxCrossEntropy(h, m.dense[0], m.dense[1], y);
      },
      true,
      m.vars,
    );
    const v = loss.dataSync()[0];
    loss.dispose();
    return v;
  };
}

/** Sequence-classification training step (long-char, charlm): returns { fused, layers } step fns. */
function charWorkload(K, { B, T, V, H, layers, lr, ids, targets }) {
  const x = tf.tensor2d(ids, [B, T], 'int32');
  const y = tf.tensor2d(targets, [B, T], 'int32');
  const xOneHot = tf.oneHot(x, V).toFloat();
  const yOneHot = tf.oneHot(y, V).toFloat();
  const made = {};
  if (K) {
    made.fused = fusedCharStep(K, buildModel({ input: V, units: H, layers, outputs: V }), x, y, lr);
    // Fused recurrence only; head and optimizer in plain tfjs ops (what limits what).
    const m2 = buildModel({ input: V, units: H, layers, outputs: V });
    const opt2 = tf.train.adam(lr);
    made.fusedRnnOnly = () => {
      const loss = opt2.minimize(
        () => {
          let h = x;
          for (const [k, rk, b] of m2.rec) h = K.lstmSequence(h, k, rk, b).outputs;
          const logits = tf.add(tf.matMul(h.reshape([B * T, H]), m2.dense[0]), m2.dense[1]);
          return tf.losses.softmaxCrossEntropy(yOneHot.reshape([B * T, V]), logits);
        },
        true,
        m2.vars,
      );
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    };
  }
  const ml = buildModel({ input: V, units: H, layers, outputs: V });
  const optL = tf.train.adam(lr);
  made.layers = () => {
    const loss = optL.minimize(() => tf.losses.softmaxCrossEntropy(yOneHot, ml.model.apply(xOneHot, { training: true })), true, ml.vars);
    const v = loss.dataSync()[0];
    loss.dispose();
    return v;
  };
  return made;
}

function longCharData() {
  const chars = [...new Set(SENTENCE)].sort();
  const dic = new Map(chars.map((c, i) => [c, i]));
  const L = 10;
  const n = SENTENCE.length - L;
  const ids = new Int32Array(n * L);
  const targets = new Int32Array(n * L);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < L; t++) {
      ids[i * L + t] = dic.get(SENTENCE[i + t]);
      targets[i * L + t] = dic.get(SENTENCE[i + t + 1]);
    }
  return { B: n, T: L, V: chars.length, H: chars.length, layers: 2, lr: 0.1, ids, targets };
}

function charlmData() {
  const [B, T, V] = [64, 100, 82];
  const r = rng(7);
  const stream = Int32Array.from({ length: B * (T + 1) }, () => Math.floor(r() * V));
  const ids = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = stream[b * (T + 1) + t];
      targets[b * T + t] = stream[b * (T + 1) + t + 1];
    }
  return { B, T, V, H: 128, layers: 2, lr: 2e-3, ids, targets };
}

/**
 * Multiply-adds of one charlm training step per character, counted as 2 FLOPs each: the useful
 * work both sides must do, so GFLOP/s over a core's FMA peak says how close to the hardware each
 * runs. Per character and layer with H units (4H gates): the recurrent product h·U (2·H·4H) and,
 * for layer 2, x·W (2·H·4H; layer 1 reads its one-hot input as a row lookup); backward the same
 * products again for dh and dx (no dx for layer 1) and once more for each weight gradient; the
 * softmax head 2·H·V forward and twice that backward. Gate math, Adam and copies are not counted.
 */
export function charlmFlopsPerChar(H, V = 82) {
  const gates = 2 * H * 4 * H;
  const layer1 = gates /* h·U */ + gates /* dh */ + gates; /* dU */
  const layer2 = 2 * gates /* x·W, h·U */ + 2 * gates /* dx, dh */ + 2 * gates; /* dW, dU */
  return layer1 + layer2 + 3 * 2 * H * V;
}

/** The fused training step alone at a charlm shape with `H` units (the corpus workloads). */
function fusedCharlmStep(K, H) {
  const d = { ...charlmData(), H };
  const x = tf.tensor2d(d.ids, [d.B, d.T], 'int32');
  const y = tf.tensor2d(d.targets, [d.B, d.T], 'int32');
  const m = buildModel({ input: d.V, units: H, layers: d.layers, outputs: d.V });
  return { chars: d.B * d.T, step: fusedCharStep(K, m, x, y, d.lr) };
}

function stockWorkload(K) {
  const [N, L, F, H] = [505, 7, 5, 10];
  const r = rng(11);
  const x = tf.tensor3d(
    Float32Array.from({ length: N * L * F }, () => r()),
    [N, L, F],
  );
  const y = tf.tensor2d(
    Float32Array.from({ length: N }, () => r()),
    [N, 1],
  );
  const made = {};
  if (K) {
    const m = buildModel({ input: F, units: H, layers: 1, outputs: 1, returnSequences: false });
    const opt = new K.FusedAdamOptimizer({ learningRate: 0.01 });
    made.fused = () => {
      const loss = opt.minimize(
        () => {
          const [k, rk, b] = m.rec[0];
          const { h } = K.lstmSequence(x, k, rk, b);
          return K.denseSquaredError(h, m.dense[0], m.dense[1], y, { reduction: 'sum' });
        },
        true,
        m.vars,
      );
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    };
  }
  const ml = buildModel({ input: F, units: H, layers: 1, outputs: 1, returnSequences: false });
  const optL = tf.train.adam(0.01);
  made.layers = () => {
    const loss = optL.minimize(() => tf.sum(tf.square(tf.sub(ml.model.apply(x, { training: true }), y))), true, ml.vars);
    const v = loss.dataSync()[0];
    loss.dispose();
    return v;
  };
  return made;
}

/** Next-char latency (100-char prefix) and generation with the state carried, charlm-h128 shape. */
function inferenceWorkload(K) {
  const [V, H, P] = [82, 128, 100];
  const m = buildModel({ input: V, units: H, layers: 2, outputs: V, seed: 5 });
  const r = rng(3);
  const prefix = tf.tensor2d(
    Int32Array.from({ length: P }, () => Math.floor(r() * V)),
    [1, P],
    'int32',
  );
  const prefixOneHot = tf.oneHot(prefix, V).toFloat();
  const seqFns = { ...(K ? { fused: K.lstmSequence } : {}), tfjs: lstmSequenceReference };
  const out = {};
  for (const [name, seq] of Object.entries(seqFns)) {
    const next = () => {
      const p = tf.tidy(() => {
        let h = prefix;
        for (const [k, rk, b] of m.rec) h = seq(h, k, rk, b).outputs;
        const last = tf.slice(h, [0, P - 1, 0], [1, 1, H]).reshape([1, H]);
        return tf.softmax(tf.add(tf.matMul(last, m.dense[0]), m.dense[1]));
      });
      p.dataSync();
      p.dispose();
    };
    // Generation: state carried across steps, one 1-step call per layer per character.
    const generate = (n) => {
      let state = null;
      let input = tf.tensor2d([1], [1, 1], 'int32');
      for (let i = 0; i < n; i++) {
        const prev = state;
        const res = tf.tidy(() => {
          let h = input;
          const st = [];
          m.rec.forEach(([k, rk, b], l) => {
            const o = seq(h, k, rk, b, prev ? { h0: prev[l].h, c0: prev[l].c } : {});
            h = o.outputs;
            st.push({ h: o.h, c: o.c });
          });
          const logits = tf.add(tf.matMul(h.reshape([1, H]), m.dense[0]), m.dense[1]);
          return { logp: tf.logSoftmax(logits), st };
        });
        const lp = res.logp.dataSync();
        res.logp.dispose();
        if (prev) tf.dispose(prev.flatMap((s) => [s.h, s.c]));
        state = res.st;
        let best = 0;
        for (let v = 1; v < V; v++) if (lp[v] > lp[best]) best = v;
        input.dispose();
        input = tf.tensor2d([best], [1, 1], 'int32');
      }
      input.dispose();
      tf.dispose(state.flatMap((s) => [s.h, s.c]));
    };
    out[name] = { next, generate };
  }
  // tfjs-layers' own predict on the one-hot prefix (what a plain tfjs user would run per char).
  out.layersPredict = () => {
    const p = tf.tidy(() => tf.softmax(tf.slice(m.model.predict(prefixOneHot), [0, P - 1, 0], [1, 1, V])));
    p.dataSync();
    p.dispose();
  };
  return out;
}

// ------------------------------------------------------------------ PyTorch anchors

/** The system python (where Debian's python3-torch lives), else whatever python3 is on PATH. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function torchAvailable() {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { env: anchorEnv(), encoding: 'utf8' });
  return r.status === 0;
}

/**
 * The anchors run without the OpenBLAS overrides (see DEVELOPERS.md): this child only. They call
 * torch.set_num_threads(n), which does not bound Debian's pthread OpenBLAS (it runs each product
 * on every core unless told), so OPENBLAS_NUM_THREADS sets the BLAS side: torch n x OpenBLAS m
 * uses n·m threads, and only splits with n·m = the cores compared are run.
 */
function anchorEnv(torchThreads = 1, blasThreads = torchThreads) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(blasThreads), OMP_NUM_THREADS: String(torchThreads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/**
 * Run one anchor script unchanged; with `cpu`, its timer (time.perf_counter) is swapped for
 * time.process_time, so the same script reports process CPU time instead of wall time.
 */
function runAnchor(script, args, pattern, cpu = false, threads = 1, blasThreads = threads) {
  const file = path.join(shared, 'anchors', script);
  if (!existsSync(file)) return { error: `${file} not found` };
  const code = [
    'import runpy, sys, time',
    ...(cpu ? ['time.perf_counter = time.process_time'] : []),
    `sys.argv = ${JSON.stringify([file, ...args])}`,
    `runpy.run_path(${JSON.stringify(file)}, run_name='__main__')`,
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', code], { env: anchorEnv(threads, blasThreads), encoding: 'utf8', timeout: 300_000 });
  const m = (r.stdout ?? '').match(pattern);
  if (r.status !== 0 || !m) return { error: (r.stderr || r.stdout || 'no output').trim().split('\n').pop() };
  return { value: Number(m[1]) };
}

// ------------------------------------------------------------------ main

/** torch threads x OpenBLAS threads splits of n cores: [torch, blas] with torch·blas = n. */
function torchSplits(n) {
  const out = [];
  for (let t = 1; t <= n; t++) if (n % t === 0) out.push([t, n / t]);
  return out;
}

/** The CPU's model name (os.cpus(), else /proc/cpuinfo), for the bench header. */
function cpuModel() {
  const model = os.cpus()[0]?.model?.trim();
  return model || 'unknown CPU';
}

function fmt(n, digits = 1) {
  if (n == null || !Number.isFinite(n)) return '—';
  return n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits);
}

export async function run(argv) {
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const noTorch = argv.includes('--no-torch');
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  const only = onlyArg ? new Set(onlyArg.slice(7).split(',')) : null;
  const want = (name) => !only || only.has(name);

  const childArg = argv.find((a) => a.startsWith('--child='));
  if (childArg) {
    // One small workload timed like its anchor, in this fresh process (see inChild).
    const [name, n] = childArg.slice(8).split(':');
    await initBackend();
    const K = await import('@seqcast/kernels');
    K.setKernelThreads(1);
    const step = name === 'long-char' ? charWorkload(K, longCharData()).fused : stockWorkload(K).fused;
    console.log(JSON.stringify(timeLikeAnchor(step, { n: Number(n) })));
    return;
  }

  const backend = await initBackend();
  let K = null;
  let info;
  try {
    const mod = await import('@seqcast/kernels');
    info = mod.kernelsInfo();
    if (info.available) K = mod;
  } catch (e) {
    info = { available: false, reason: String(e?.message ?? e).split('\n')[0] };
  }
  log(`backend ${backend.name}; fused kernels ${info.available ? `available (${info.isa})` : `unavailable: ${info.reason}`}`);
  // Measured first, before the workloads warm the machine: the best of three short probes.
  const fmaPeak = K ? Math.max(...[0, 1, 2].map(() => K.measureFmaPeak(300))) : null;
  const torch = !noTorch && torchAvailable();
  if (!noTorch && !torch) log('PyTorch not found (python3 -c "import torch" failed): anchor columns left empty');
  const scale = quick ? 0.25 : 1;
  // The lecture workloads compare one thread with one thread.
  K?.setKernelThreads(1);
  const rows = [];
  const results = [];

  // Rounds of seqcast and PyTorch alternated (see alternate); the tfjs-layers column is one median.
  const rounds = quick ? 1 : 3;
  // The anchor's wall-clock run and (one thread only) its CPU-time run, or nothing without PyTorch.
  const anchorRuns = (script, args, pattern, threads = 1) =>
    torch ? [() => runAnchor(script, args, pattern, false, threads), threads === 1 ? () => runAnchor(script, args, pattern, true, 1) : null] : [null, null];

  if (want('long-char')) {
    log('long-char ...');
    const epochs = quick ? 100 : 300;
    const w = charWorkload(K, longCharData());
    const m = alternate(rounds, K ? () => inChild('long-char', epochs) : null, ...anchorRuns('torch_long_char.py', [String(epochs)], /ms\/epoch=([\d.]+)/));
    const rnnOnly = w.fusedRnnOnly ? timeIt(w.fusedRnnOnly, { warm: 3, n: Math.ceil(30 * scale) }) : null;
    const layers = timeIt(w.layers, { warm: 2, n: Math.ceil(15 * scale), budgetMs: 8000 });
    results.push({
      name: 'long-char',
      msPerEpoch: m.ms ?? layers.ms,
      unit: 'ms/epoch',
      fusedMs: m.ms,
      fusedCpuMs: m.cpuMs,
      fusedRnnOnlyMs: rnnOnly?.ms ?? null,
      tfjsLayersMs: layers.ms,
      torchMs: m.anchor,
      torchCpuMs: m.anchorCpu,
    });
    rows.push(['long-char', 'ms/epoch', m.ms, layers.ms, m.anchor, false, rnnOnly?.ms]);
  }
  if (want('stock')) {
    log('stock ...');
    const iters = quick ? 200 : 500;
    const w = stockWorkload(K);
    const csv = path.join(shared, 'data', 'stock_daily.csv');
    const anchor = existsSync(csv) ? anchorRuns('torch_stock.py', [csv, String(iters)], /ms\/iter=([\d.]+)/) : [null, null];
    const m = alternate(rounds, K ? () => inChild('stock', iters) : null, ...anchor);
    const layers = timeIt(w.layers, { warm: 2, n: Math.ceil(20 * scale), budgetMs: 8000 });
    results.push({
      name: 'stock',
      msPerIter: m.ms ?? layers.ms,
      unit: 'ms/iter',
      fusedMs: m.ms,
      fusedCpuMs: m.cpuMs,
      tfjsLayersMs: layers.ms,
      torchMs: m.anchor,
      torchCpuMs: m.anchorCpu,
    });
    rows.push(['stock', 'ms/iter', m.ms, layers.ms, m.anchor, false]);
  }
  const txt = path.join(shared, 'data', 'republic_clean.txt');
  if (want('charlm-h128')) {
    log('charlm-h128 ...');
    const d = charlmData();
    const w = charWorkload(K, d);
    const chars = d.B * d.T;
    // As torch_charlm.py: one untimed step, then the mean of `steps`.
    const steps = quick ? 5 : 12;
    const anchor = existsSync(txt) ? anchorRuns('torch_charlm.py', [txt, '128', String(steps), '1'], /chars\/s=([\d.]+)/) : [null, null];
    const m = alternate(rounds, w.fused ? () => timeLikeAnchor(w.fused, { warm: 1, n: steps }) : null, ...anchor);
    // tfjs-layers needs minutes per step here on the pure-JS backend: measured on wasm/node only.
    const layers = backend.name === 'cpu' ? { ms: null } : timeIt(w.layers, { warm: 1, n: quick ? 1 : 2, budgetMs: 1 });
    if (backend.name === 'cpu') log('charlm-h128: tfjs-layers baseline skipped on the cpu backend (minutes per step)');
    const cps = (ms) => (ms ? (chars * 1000) / ms : null);
    results.push({
      name: 'charlm-h128',
      charsPerSec: cps(m.ms ?? layers.ms ?? null),
      unit: 'chars/s',
      fusedCharsPerSec: cps(m.ms),
      fusedCpuCharsPerSec: cps(m.cpuMs),
      tfjsLayersCharsPerSec: cps(layers.ms),
      torchCharsPerSec: m.anchor,
      torchCpuCharsPerSec: m.anchorCpu,
    });
    rows.push(['charlm-h128', 'chars/s', cps(m.ms), cps(layers.ms), m.anchor, true]);
  }
  for (const H of [256, 512]) {
    const name = `charlm-h${H}`;
    if (!want(name) || !K) continue;
    const w = fusedCharlmStep(K, H);
    const steps = quick ? 3 : H === 256 ? 8 : 4;
    for (const threads of [1, 2]) {
      log(`${name}, ${threads} thread(s) ...`);
      const used = K.setKernelThreads(threads);
      // PyTorch at each torch x OpenBLAS split of the same cores, every split alternated with
      // seqcast in each round; the best split's median is the column. With one thread, process
      // CPU time is also compared (steadier than wall time on a shared machine); with two it would
      // add both threads' time, which says nothing about speed.
      const splits = torch && existsSync(txt) ? torchSplits(threads) : [];
      const perSplit = splits.map(() => []);
      const cpuRuns = [];
      const m = alternate(
        rounds,
        () => timeLikeAnchor(w.step, { warm: 1, n: steps }),
        splits.length
          ? () => {
              splits.forEach(([tt, bt], i) => {
                const r = runAnchor('torch_charlm.py', [txt, String(H), String(steps), String(tt)], /chars\/s=([\d.]+)/, false, tt, bt);
                if (r.value != null) perSplit[i].push(r.value);
              });
              return { value: null };
            }
          : null,
        splits.length && threads === 1
          ? () => {
              const r = runAnchor('torch_charlm.py', [txt, String(H), String(steps), '1'], /chars\/s=([\d.]+)/, true, 1, 1);
              if (r.value != null) cpuRuns.push(r.value);
              return r;
            }
          : null,
      );
      const splitFigures = splits.map(([tt, bt], i) => ({
        torchThreads: tt,
        openblasThreads: bt,
        charsPerSec: perSplit[i].length ? median(perSplit[i]) : null,
      }));
      const best = splitFigures.filter((f) => f.charsPerSec != null).sort((a, b) => b.charsPerSec - a.charsPerSec)[0] ?? null;
      const cps = (w.chars * 1000) / m.ms;
      results.push({
        name,
        threads,
        isa: info.isa ?? null,
        kernelThreads: used,
        unit: 'chars/s',
        charsPerSec: cps,
        fusedCharsPerSec: cps,
        torchCharsPerSec: best?.charsPerSec ?? null,
        torchBest: best ? `${best.torchThreads}x${best.openblasThreads}` : null,
        torchSplits: splitFigures,
        fusedCpuCharsPerSec: threads === 1 ? (w.chars * 1000) / m.cpuMs : null,
        torchCpuCharsPerSec: m.anchorCpu,
      });
      // Against the FMA peak: one thread by process CPU time (what a shared machine's other jobs
      // do not take away), two by wall time (CPU time would add both threads' spinning).
      const last = results[results.length - 1];
      const rate = (wall, cpu) => (threads === 1 ? cpu : wall);
      last.gflops = (rate(cps, last.fusedCpuCharsPerSec) * charlmFlopsPerChar(H)) / 1e9;
      const torchRate = rate(best?.charsPerSec, last.torchCpuCharsPerSec);
      last.torchGflops = torchRate ? (torchRate * charlmFlopsPerChar(H)) / 1e9 : null;
      const which = best && splits.length > 1 ? ` (torch ${best.torchThreads} x OpenBLAS ${best.openblasThreads})` : '';
      rows.push([`${name} (${threads} thread${threads > 1 ? 's' : ''})`, 'chars/s', cps, null, best?.charsPerSec ?? null, true, undefined, which]);
    }
    K.setKernelThreads(1);
  }
  const inference = {};
  if (want('inference')) {
    log('inference (charlm-h128 shape) ...');
    const w = inferenceWorkload(K);
    const gen = 100;
    for (const name of Object.keys(w).filter((k) => k !== 'layersPredict')) {
      inference[name] = {
        nextCharMs: timeIt(w[name].next, { warm: 2, n: Math.ceil(20 * scale), budgetMs: 5000 }).ms,
        generatedCharsPerSec: (gen * 1000) / timeIt(() => w[name].generate(gen), { warm: 1, n: quick ? 2 : 5, budgetMs: 6000 }).ms,
      };
    }
    inference.layersPredictMs = timeIt(w.layersPredict, { warm: 1, n: Math.ceil(10 * scale), budgetMs: 5000 }).ms;
    if (inference.fused) {
      rows.push(['next-char (100-char prefix)', 'ms', inference.fused.nextCharMs, inference.layersPredictMs, null, false]);
      rows.push(['generate (state carried)', 'chars/s', inference.fused.generatedCharsPerSec, inference.tfjs.generatedCharsPerSec, null, true]);
    }
  }

  // Table: speedup > 1 means seqcast fused is faster.
  const head = ['workload', 'unit', 'seqcast fused', 'tfjs-layers', 'PyTorch (same cores, best split)', 'vs tfjs', 'vs PyTorch'];
  const lines = rows.map(([name, unit, f, l, t, higherBetter, extra, which]) => {
    const ratio = (a, b) => (a && b ? `${(higherBetter ? a / b : b / a).toFixed(2)}x` : '—');
    return [name, unit, fmt(f, 2) + (extra ? ` (${fmt(extra, 1)} rnn-only)` : ''), fmt(l, 1), fmt(t, 1) + (which ?? ''), ratio(f, l), ratio(f, t)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const pr = (cols) => console.log(`| ${cols.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`);
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  console.log(
    `\nseqcast kernels bench — ${cpuModel()} (${cores} hardware threads); backend ${backend.name}; fused ${info.available ? `${info.isa} (${info.reason})` : `unavailable (${info.reason})`}; threads: 1 unless the workload says (seqcast and PyTorch on the same number of cores; PyTorch's two-thread column is the best of torch 1 x OpenBLAS 2 and torch 2 x OpenBLAS 1); seqcast timed as each PyTorch script times itself, medians of ${rounds} alternated round${rounds > 1 ? 's' : ''}\n`,
  );
  pr(head);
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  lines.forEach(pr);
  // The same comparison by process CPU time: on a shared machine it is the steadier measure.
  const cpuRows = results
    .filter((r) => r.threads === undefined || r.threads === 1)
    .map((r) => {
      const hb = r.name.startsWith('charlm-');
      const f = hb ? r.fusedCpuCharsPerSec : r.fusedCpuMs;
      const t = hb ? r.torchCpuCharsPerSec : r.torchCpuMs;
      if (f == null) return null;
      const ratio = f && t ? `${(hb ? f / t : t / f).toFixed(2)}x` : '—';
      return `| ${r.name} | ${r.unit} | ${fmt(f, 2)} | ${fmt(t, 2)} | ${ratio} |`;
    })
    .filter(Boolean);
  if (cpuRows.length) {
    console.log('\nBy process CPU time (the PyTorch scripts run unchanged with their timer reading CPU time):\n');
    console.log('| workload | unit | seqcast fused | PyTorch (1 thr) | vs PyTorch |');
    console.log('|---|---|---|---|---|');
    cpuRows.forEach((l) => console.log(l));
  }
  const peakRows = results.filter((r) => r.gflops != null);
  if (fmaPeak && peakRows.length) {
    console.log(
      `\nShare of the FMA peak: ${fmt(fmaPeak, 1)} GFLOP/s per core on the ${info.isa} path (measureFmaPeak, thread CPU time); a step's useful FLOPs (charlmFlopsPerChar) per second over the peak of the cores it ran on, one-thread rows by process CPU time, two-thread rows by wall time:\n`,
    );
    console.log('| workload | seqcast GFLOP/s | of peak | PyTorch GFLOP/s | of peak |');
    console.log('|---|---|---|---|---|');
    const share = (g, threads) => (g == null ? '—' : `${((100 * g) / (fmaPeak * threads)).toFixed(0)} %`);
    for (const r of peakRows) {
      console.log(
        `| ${r.name} (${r.threads} thread${r.threads > 1 ? 's' : ''}) | ${fmt(r.gflops, 1)} | ${share(r.gflops, r.threads)} | ${fmt(r.torchGflops, 1)} | ${share(r.torchGflops, r.threads)} |`,
      );
    }
  }
  if (inference.tfjs) {
    console.log(
      `\nnext-char with the tfjs seam (tfjs ops, same weights): ${fmt(inference.tfjs.nextCharMs, 1)} ms; tfjs-layers predict: ${fmt(inference.layersPredictMs, 1)} ms`,
    );
  }
  if (!K) console.log(`\n(fused kernels unavailable: ${info.reason}; figures are plain tfjs)`);
  if (json) {
    // every row says how many threads it ran and on which instruction-set path
    const rowsOut = results.map((r) => ({ ...r, threads: r.threads ?? 1, isa: info.isa ?? null }));
    console.log(
      JSON.stringify({
        backend: backend.name,
        cpu: cpuModel(),
        fused: info.available,
        isa: info.isa ?? null,
        fmaPeakGflops: fmaPeak,
        results: rowsOut,
        inference,
      }),
    );
  }
}

// Allow `node bench/kernels.mjs [flags]` directly.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run(process.argv.slice(2));
}
