/**
 * Moving data between tfjs tensors and the native kernels without redundant copies. Tensors are
 * immutable and identified by their backend buffer (`dataId`; assigning a variable gives it a new
 * one), so the Float32Array a tensor was created from, or was last read into, stands for its
 * contents: the LSTM outputs read by the next layer, the gradient handed from one fused op to the
 * next, and the weights read once per generated character are then not copied out again.
 *
 * The arrays the kernels write their results into come from a small pool (`scratchF32`): a
 * training step makes the same few result arrays every step, and fresh ones cost an allocation, a
 * zero-fill, a page fault per 4 KB and garbage-collector work. An array is handed out again only
 * once the tensor made from it (`fromF32`) has had its data disposed, so no live tensor ever sees
 * it change, and once no backward pass can still read it (`holdForBackward`).
 */
import * as tf from '@tensorflow/tfjs';

type Typed = Float32Array | Int32Array;

const known = new WeakMap<object, Typed>();

function key(t: tf.Tensor): object {
  return (t as unknown as { dataId: object }).dataId;
}

/** The tensor's values as `Kind` (cached per tensor data; never mutate the result). */
function read<A extends Typed>(t: tf.Tensor, Kind: { new (n: number): A; from(v: ArrayLike<number>): A }): A {
  const hit = known.get(key(t));
  if (hit instanceof Kind) return hit;
  const d = t.dataSync();
  const v = d instanceof Kind ? d : Kind.from(d as ArrayLike<number>);
  known.set(key(t), v);
  return v;
}

/** The tensor's values as a Float32Array (cached; never mutate the result). */
export const readF32 = (t: tf.Tensor): Float32Array => read(t, Float32Array);

/** The tensor's values as an Int32Array (cached; never mutate the result). */
export const readI32 = (t: tf.Tensor): Int32Array => read(t, Int32Array);

/** A pooled array: free once `owner` (the data of the tensor made from it) is disposed and no gradient tape holds it. */
interface Entry {
  buf: Float32Array;
  /** Handed out and not yet made into a tensor (nor given back). */
  pending: boolean;
  owner: object | null;
  /** Gradient tapes whose backward passes may still read it. */
  holds: number;
}

/** Pooled arrays per length; a length with more live arrays than this gets unpooled ones. */
const PER_LENGTH = 8;
/** Lengths below this are allocated fresh (the pool's bookkeeping would cost more). */
const MIN_POOLED = 256;
const pool = new Map<number, Entry[]>();
const entryOf = new WeakMap<Float32Array, Entry>();

/** Whether a tensor's data is still alive (the engine forgets a dataId once its data is disposed). */
function dataAlive(dataId: object): boolean {
  return (tf.engine() as unknown as { state: { tensorInfo: WeakMap<object, unknown> } }).state.tensorInfo.has(dataId);
}

/**
 * The engine's gradient tape: a fresh array for each outermost gradient computation, dropped
 * (null) once its backward pass is done, after which no op recorded on it can run its gradient.
 * Undefined where tfjs does not expose it.
 */
function activeTape(): object | null | undefined {
  return (tf.engine() as unknown as { state: { activeTape?: object | null } }).state.activeTape;
}

/** Arrays held for the backward passes of ops recorded on `tape`. */
let holds: { tape: object; entries: Set<Entry> }[] = [];

/** Give back the arrays held by tapes the engine has moved on from. */
function releaseFinishedHolds(): void {
  if (holds.length === 0) return;
  const tape = activeTape();
  holds = holds.filter((h) => {
    if (h.tape === tape) return true;
    for (const e of h.entries) e.holds -= 1;
    return false;
  });
}

/**
 * A Float32Array of `n` floats for a kernel to write a result into, reused from the pool when one
 * is free; zero-filled unless `zero` is false (for a caller that overwrites every element). Make it into a tensor with {@link fromF32}, or hand it back with
 * {@link releaseScratch} if that does not happen (an error before it).
 */
export function scratchF32(n: number, zero = true): Float32Array {
  if (n < MIN_POOLED) return new Float32Array(n);
  releaseFinishedHolds();
  let list = pool.get(n);
  if (!list) pool.set(n, (list = []));
  for (const e of list) {
    if (e.pending || e.holds > 0 || (e.owner && dataAlive(e.owner))) continue;
    e.pending = true;
    e.owner = null;
    return zero ? e.buf.fill(0) : e.buf;
  }
  const buf = new Float32Array(n);
  if (list.length < PER_LENGTH) {
    const e: Entry = { buf, pending: true, owner: null, holds: 0 };
    list.push(e);
    entryOf.set(buf, e);
  }
  return buf;
}

/** Give back arrays from {@link scratchF32} that will not become tensors (error paths). */
export function releaseScratch(...bufs: (Float32Array | null | undefined)[]): void {
  for (const b of bufs) {
    const e = b && entryOf.get(b);
    if (e && e.pending && !e.owner) e.pending = false;
  }
}

/**
 * For an op recorded on a gradient tape whose backward pass reads its inputs' arrays: their
 * tensors may be disposed before that pass runs (an intermediate freed by an inner tf.tidy), so
 * the arrays are not handed out again until the engine has dropped that tape. Where the tape
 * cannot be seen, they leave the pool for good.
 */
export function holdForBackward(...bufs: (Typed | null | undefined)[]): void {
  const tape = activeTape();
  if (tape) releaseFinishedHolds();
  let held = tape ? holds.find((h) => h.tape === tape) : undefined;
  if (tape && !held) holds.push((held = { tape, entries: new Set() }));
  for (const b of bufs) {
    const e = b instanceof Float32Array ? entryOf.get(b) : undefined;
    if (!e) continue;
    if (held) {
      if (!held.entries.has(e)) {
        held.entries.add(e);
        e.holds += 1;
      }
      continue;
    }
    entryOf.delete(b as Float32Array);
    const list = pool.get(e.buf.length)!;
    list.splice(list.indexOf(e), 1);
  }
}

/** A float32 tensor made from `values`, remembered as its contents (do not mutate `values` after). */
export function fromF32<R extends tf.Rank>(values: Float32Array, shape: number[]): tf.Tensor<R> {
  const t = tf.tensor(values, shape, 'float32') as unknown as tf.Tensor<R>;
  known.set(key(t), values);
  const e = entryOf.get(values);
  if (e?.pending) {
    e.pending = false;
    e.owner = key(t);
  } else if (e) {
    // Made into a second tensor: too many owners to track, so it leaves the pool for good.
    entryOf.delete(values);
    const list = pool.get(values.length)!;
    list.splice(list.indexOf(e), 1);
  }
  return t;
}
