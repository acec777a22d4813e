/**
 * Chooses which implementation of the recurrent seam (types.ts) training and inference use:
 * the optional native `@seqcast/kernels` package ("fused") or the plain tfjs-op reference ("tfjs").
 *
 * `SEQCAST_KERNELS=fused|tfjs|auto` (default auto: fused when `@seqcast/kernels` loads and reports
 * itself available, else tfjs). The package is an optional dependency loaded by dynamic import, so
 * core works without it; asking for `fused` where it cannot load is a BACKEND_UNAVAILABLE error.
 * The choice is made once per process and logged once (stderr).
 */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';
import type { RecurrentCell } from './cells/cell.js';
import { getCell } from './cells/registry.js';
import { checkSequenceOptions, rnnSequence } from './reference.js';
import type { GruSequenceFn, LstmSequenceFn, RecurrentSequenceFn, SequenceOptions, SequenceResult } from './types.js';

/** Which implementation runs the recurrent layers. */
export type KernelPath = 'fused' | 'tfjs';
/** What was asked for (`SEQCAST_KERNELS`). */
export type KernelRequest = KernelPath | 'auto';

/** The active recurrent implementation and why it was chosen. */
export interface KernelStatus {
  path: KernelPath;
  requested: KernelRequest;
  /** Why this path (e.g. why fused was not used). */
  reason: string;
  /** Instruction set the fused kernels were built for, when fused. */
  isa?: string;
  /** Threads the fused kernels' matrix products use (`SEQCAST_THREADS` pins it), when fused. */
  threads?: number;
  /** False until initKernels() has run: the reference path is used meanwhile. */
  initialised: boolean;
}

/** The shape of the optional `@seqcast/kernels` module. */
export interface KernelsModule {
  lstmSequence: LstmSequenceFn;
  gruSequence: GruSequenceFn;
  kernelsInfo(): { available: boolean; reason?: string; isa?: string; threads?: number };
  /** Fused dense + softmax + masked mean cross-entropy (optional; see {@link denseSoftmaxCrossEntropy}). */
  denseSoftmaxCrossEntropy?: DenseCrossEntropyFn;
  /** Fused dense + squared error (optional; see {@link denseSquaredError}). */
  denseSquaredError?: DenseSquaredErrorFn;
  /** Native Adam with tf.train.adam's update rule (optional; see {@link adamOptimizer}). */
  FusedAdamOptimizer?: new (opts: { learningRate: number }) => tf.Optimizer;
}

/** Mean cross-entropy of a dense softmax head over every (unmasked) step: h [B,T,H] -> scalar. */
export type DenseCrossEntropyFn = (h: tf.Tensor, kernel: tf.Tensor2D, bias: tf.Tensor1D, targets: tf.Tensor, opts?: { mask?: tf.Tensor }) => tf.Scalar;

/** The same loss in plain tfjs ops (sum over valid steps / max(count, 1)). */
const denseCrossEntropyReference: DenseCrossEntropyFn = (h, kernel, bias, targets, opts = {}) =>
  tf.tidy(() => {
    const [hd, v] = kernel.shape;
    const logits = tf.add(tf.matMul(h.reshape([-1, hd]) as tf.Tensor2D, kernel), bias);
    const ce = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(targets.reshape([-1]).toInt() as tf.Tensor1D, v)), 1));
    const w = opts.mask ? opts.mask.reshape([-1]).toFloat() : tf.onesLike(ce);
    return tf.div(tf.sum(tf.mul(ce, w)), tf.maximum(tf.sum(w), 1)) as tf.Scalar;
  });

/** Options of a dense squared-error head: 'mean' (default, as tf.losses.meanSquaredError) or 'sum'; an [N,O] offset added to the predictions. */
export interface DenseSquaredErrorOptions {
  reduction?: 'mean' | 'sum';
  offset?: tf.Tensor;
}

/** Squared error of a dense regression head: h [N,H], kernel [H,O], bias [O], y [N,O] -> scalar. */
export type DenseSquaredErrorFn = (h: tf.Tensor, kernel: tf.Tensor2D, bias: tf.Tensor1D, y: tf.Tensor, opts?: DenseSquaredErrorOptions) => tf.Scalar;

/** The same loss in plain tfjs ops. */
const denseSquaredErrorReference: DenseSquaredErrorFn = (h, kernel, bias, y, opts = {}) =>
  tf.tidy(() => {
    const p = tf.add(tf.matMul(h as tf.Tensor2D, kernel), bias);
    const pred = opts.offset ? tf.add(p, opts.offset) : p;
    return (opts.reduction === 'sum' ? tf.sum(tf.square(tf.sub(pred, y))) : tf.losses.meanSquaredError(y, pred)) as tf.Scalar;
  });

/** The loaded `@seqcast/kernels` module while the fused path is active (its exports by name). */
let fusedModule: Record<string, unknown> | null = null;
let head: { ce: DenseCrossEntropyFn; sq: DenseSquaredErrorFn; adam: (learningRate: number) => tf.Optimizer } = {
  ce: denseCrossEntropyReference,
  sq: denseSquaredErrorReference,
  adam: (lr) => tf.train.adam(lr),
};
let status: KernelStatus = { path: 'tfjs', requested: 'auto', reason: 'not initialised yet', initialised: false };
let pending: Promise<KernelStatus> | undefined;
let logger: ((line: string) => void) | null = (line) => {
  if (process.env.SEQCAST_QUIET !== '1') process.stderr.write(line + '\n');
};

/**
 * Parse a kernels request (from `SEQCAST_KERNELS` or an option).
 *
 * @example
 * parseKernelRequest(process.env.SEQCAST_KERNELS);   // 'auto' when unset
 */
export function parseKernelRequest(value: string | undefined, where = 'SEQCAST_KERNELS'): KernelRequest {
  const v = (value ?? 'auto').trim().toLowerCase() || 'auto';
  if (v === 'auto' || v === 'fused' || v === 'tfjs') return v;
  throw new SeqcastError('BAD_ARGUMENT', `${where} must be one of fused, tfjs, auto (received "${value}")`, { where });
}

/**
 * Where the one-time "recurrent kernels ..." line goes (default stderr unless SEQCAST_QUIET=1);
 * `null` silences it.
 *
 * @example
 * setKernelLogger((line) => logger.info(line));
 */
export function setKernelLogger(fn: ((line: string) => void) | null): void {
  logger = fn;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
}

async function loadKernels(): Promise<KernelsModule> {
  // A string specifier typed as `string` keeps TypeScript from requiring the optional package.
  const mod = (await import('@seqcast/kernels' as string)) as Partial<KernelsModule>;
  if (typeof mod.lstmSequence !== 'function' || typeof mod.gruSequence !== 'function' || typeof mod.kernelsInfo !== 'function') {
    throw new Error('@seqcast/kernels does not export lstmSequence, gruSequence and kernelsInfo');
  }
  return mod as KernelsModule;
}

/**
 * Pick the implementation once per process (call after initBackend). Later calls return the
 * same status. Models call this before training or inference.
 *
 * @example
 * await initBackend();
 * const k = await initKernels();   // honours SEQCAST_KERNELS
 * console.log(k.path);             // "fused" or "tfjs"
 */
export async function initKernels(request?: KernelRequest): Promise<KernelStatus> {
  if (status.initialised) return status;
  if (!pending) {
    pending = (async () => {
      const want = request ?? parseKernelRequest(process.env.SEQCAST_KERNELS);
      let next: KernelStatus;
      if (want === 'tfjs') {
        next = { path: 'tfjs', requested: want, reason: 'requested', initialised: true };
      } else {
        let why: string;
        try {
          const mod = await loadKernels();
          const info = mod.kernelsInfo();
          if (info.available) {
            fusedModule = mod as unknown as Record<string, unknown>;
            const Adam = mod.FusedAdamOptimizer;
            head = {
              ce: mod.denseSoftmaxCrossEntropy ? coded('denseSoftmaxCrossEntropy', mod.denseSoftmaxCrossEntropy) : denseCrossEntropyReference,
              sq: mod.denseSquaredError ? coded('denseSquaredError', mod.denseSquaredError) : denseSquaredErrorReference,
              adam: Adam ? (lr) => new Adam({ learningRate: lr }) : (lr) => tf.train.adam(lr),
            };
            next = { path: 'fused', requested: want, reason: want === 'fused' ? 'requested' : 'available', initialised: true };
            if (info.isa) next.isa = info.isa;
            if (info.threads) next.threads = info.threads;
          }
          why = info.reason ?? 'reports itself unavailable';
        } catch (e) {
          // An optional dependency that is absent (installed without it, or its install was skipped) is
          // said as such, with the command that adds it, rather than as a raw module-resolution error.
          const absent = (e as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND' && firstLine(e).includes("'@seqcast/kernels'");
          why = absent
            ? '@seqcast/kernels is not installed; npm i @seqcast/kernels for the fused kernels'
            : `@seqcast/kernels could not be loaded (${firstLine(e)})`;
        }
        next ??= { path: 'tfjs', requested: want, reason: why, initialised: true };
        if (next.path === 'tfjs' && want === 'fused') {
          throw new SeqcastError('BACKEND_UNAVAILABLE', `SEQCAST_KERNELS=fused but the fused kernels are not available: ${why}`, {
            where: 'SEQCAST_KERNELS',
          });
        }
      }
      status = next;
      logger?.(describeKernels(status));
      return status;
    })();
    pending.catch(() => {
      pending = undefined;
    });
  }
  return pending;
}

/**
 * The active recurrent implementation (reference "tfjs" until initKernels() has run).
 *
 * @example
 * if (kernelStatus().path === 'tfjs') console.log(`no fused kernels: ${kernelStatus().reason}`);
 */
export function kernelStatus(): KernelStatus {
  return status;
}

/**
 * One human line describing the kernel choice.
 *
 * @example
 * describeKernels(await initKernels());   // "seqcast: recurrent kernels fused avx2, 2 threads (available)"
 */
export function describeKernels(s: KernelStatus): string {
  const isa = s.isa ? ` ${s.isa}` : '';
  const threads = s.threads ? `, ${s.threads} thread${s.threads === 1 ? '' : 's'}` : '';
  return `seqcast: recurrent kernels ${s.path}${isa}${threads} (${s.reason})`;
}

/**
 * A fused kernel's failure as the SeqcastError the reference path would throw: the kernels
 * package has no dependency on core, so its errors carry a `code` of core's table (BAD_ARGUMENT,
 * BACKEND_UNAVAILABLE) and `where`, and are re-thrown here with them; anything else is INTERNAL.
 * The original stays as `cause`.
 */
function coded<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  return ((...args: Parameters<F>) => {
    try {
      return fn(...args);
    } catch (e) {
      if (e instanceof SeqcastError) throw e;
      const given = (e as { code?: unknown } | null)?.code;
      const code = given === 'BAD_ARGUMENT' || given === 'BACKEND_UNAVAILABLE' ? given : 'INTERNAL';
      const where = (e as { where?: unknown } | null)?.where;
      throw new SeqcastError(code, firstLine(e), typeof where === 'string' ? { where } : {}, { cause: e });
    }
  }) as F;
}

const fusedCache = new WeakMap<RecurrentCell, RecurrentSequenceFn | null>();

/** The fused whole-sequence kernel of `cell` while the fused path is active, else null. */
function fusedKernel(cell: RecurrentCell): RecurrentSequenceFn | null {
  if (!fusedModule || !cell.fused) return null;
  let fn = fusedCache.get(cell);
  if (fn === undefined) {
    const raw = fusedModule[cell.fused];
    fn = typeof raw === 'function' ? coded(cell.fused, raw as RecurrentSequenceFn) : null;
    fusedCache.set(cell, fn);
  }
  return fn;
}

/**
 * Any registered cell (a name or the cell itself) over a whole sequence through the active
 * implementation: the cell's fused kernel when the fused path is active and the cell has one,
 * else the masked time loop in tfjs ops (`rnnSequence`). Misuse is the same BAD_ARGUMENT either way.
 *
 * @example
 * const { outputs, h } = tf.tidy(() => cellSequence('gru', x, kernel, recurrentKernel, bias, { mask }));
 */
export function cellSequence(
  cell: RecurrentCell | string,
  x: tf.Tensor,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  opts: SequenceOptions = {},
): SequenceResult {
  const c = typeof cell === 'string' ? getCell(cell) : cell;
  const fused = fusedKernel(c);
  if (!fused) return rnnSequence(c, x, kernel, recurrentKernel, bias, opts);
  if (x.rank === 2 || x.rank === 3) checkSequenceOptions(`${c.name}Sequence`, c, opts, x.shape[0]!, x.shape[1]!, recurrentKernel.shape[0]);
  return fused(x, kernel, recurrentKernel, bias, opts);
}

/**
 * LSTM over a whole sequence through the active implementation (see LstmSequenceFn).
 *
 * @example
 * const { outputs, h, c } = tf.tidy(() => lstmSequence(ids, kernel, recurrentKernel, bias, { mask }));
 */
export const lstmSequence: LstmSequenceFn = (x, kernel, recurrentKernel, bias, opts) => cellSequence('lstm', x, kernel, recurrentKernel, bias, opts);

/**
 * GRU over a whole sequence through the active implementation (see GruSequenceFn).
 *
 * @example
 * const { outputs, h } = gruSequence(x, kernel, recurrentKernel, bias);
 */
export const gruSequence: GruSequenceFn = (x, kernel, recurrentKernel, bias, opts) => cellSequence('gru', x, kernel, recurrentKernel, bias, opts);

/**
 * Mean cross-entropy of a dense softmax head (standard Dense kernel [H,V] and bias [V]) at every
 * step, masked steps weighing 0, through the active implementation: one native op (forward and
 * gradient) when fused, tfjs ops otherwise. Same value either way.
 *
 * @example
 * const loss = denseSoftmaxCrossEntropy(outputs, denseKernel, denseBias, targets);   // scalar
 */
export const denseSoftmaxCrossEntropy: DenseCrossEntropyFn = (h, kernel, bias, targets, opts) => {
  checkDenseCrossEntropy(h, kernel, bias, targets, opts?.mask);
  return head.ce(h, kernel, bias, targets, opts);
};

/** The head's misuses, checked before either path runs (same code and message on both). */
function checkDenseCrossEntropy(h: tf.Tensor, kernel: tf.Tensor2D, bias: tf.Tensor1D, labels: tf.Tensor, mask: tf.Tensor | undefined): void {
  const fn = 'denseSoftmaxCrossEntropy';
  const H = h.shape[h.rank - 1]!;
  const [kh, V] = kernel.shape;
  if (kernel.rank !== 2 || kh !== H || bias.rank !== 1 || bias.shape[0] !== V) {
    throw new SeqcastError('BAD_ARGUMENT', `${fn}: kernel must be [${H},V] and bias [V] (got kernel [${kernel.shape}], bias [${bias.shape}])`, {
      where: 'kernel',
    });
  }
  const rows = h.shape.slice(0, -1);
  if (labels.shape.join(',') !== rows.join(','))
    throw new SeqcastError('BAD_ARGUMENT', `${fn}: labels must be [${rows}] (got [${labels.shape}])`, { where: 'labels' });
  if (mask && mask.shape.join(',') !== rows.join(','))
    throw new SeqcastError('BAD_ARGUMENT', `${fn}: mask must be [${rows}] (got [${mask.shape}])`, { where: 'mask' });
}

/**
 * Squared error of a dense regression head (standard Dense kernel [H,O] and bias [O]) against
 * y [N,O], plus an optional [N,O] offset on the predictions, averaged ('mean', default: as
 * tf.losses.meanSquaredError) or summed: one native op (forward and gradient) when fused, tfjs
 * ops otherwise. Same value either way.
 *
 * @example
 * const loss = denseSquaredError(r.h, headKernel, headBias, y);   // scalar
 */
export const denseSquaredError: DenseSquaredErrorFn = (h, kernel, bias, y, opts) => {
  const fn = 'denseSquaredError';
  const bad = (message: string, where: string) => new SeqcastError('BAD_ARGUMENT', `${fn}: ${message}`, { where });
  if (h.rank !== 2) throw bad(`h must be 2-D [N,H] (got [${h.shape}])`, 'h');
  const [N, H] = h.shape as [number, number];
  const [kh, O] = kernel.shape;
  if (kernel.rank !== 2 || kh !== H || bias.rank !== 1 || bias.shape[0] !== O) {
    throw bad(`kernel must be [${H},O] and bias [O] (got kernel [${kernel.shape}], bias [${bias.shape}])`, 'kernel');
  }
  if (y.shape.join(',') !== `${N},${O}`) throw bad(`y must be [${N},${O}] (got [${y.shape}])`, 'y');
  if (opts?.offset && opts.offset.shape.join(',') !== `${N},${O}`) throw bad(`offset must be [${N},${O}] (got [${opts.offset.shape}])`, 'offset');
  return head.sq(h, kernel, bias, y, opts);
};

/**
 * An Adam optimizer for training on the active path: the native update (tf.train.adam's exact
 * formula and epsilon) when fused, `tf.train.adam` otherwise.
 *
 * @example
 * const optimizer = adamOptimizer(0.1);
 * optimizer.minimize(() => loss(), false, vars);
 */
export function adamOptimizer(learningRate: number): tf.Optimizer {
  return head.adam(learningRate);
}
