/**
 * Moving data between tfjs tensors and the native kernels without redundant copies. Tensors are
 * immutable and identified by their backend buffer (`dataId`; assigning a variable gives it a new
 * one), so the Float32Array a tensor was created from, or was last read into, stands for its
 * contents: the LSTM outputs read by the next layer, the gradient handed from one fused op to the
 * next, and the weights read once per generated character are then not copied out again.
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

/** A float32 tensor made from `values`, remembered as its contents (do not mutate `values` after). */
export function fromF32<R extends tf.Rank>(values: Float32Array, shape: number[]): tf.Tensor<R> {
  const t = tf.tensor(values, shape, 'float32') as unknown as tf.Tensor<R>;
  known.set(key(t), values);
  return t;
}
