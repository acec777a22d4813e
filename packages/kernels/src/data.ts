/**
 * Moving data between tfjs tensors and the native kernels without redundant copies. Tensors are
 * immutable and identified by their backend buffer (`dataId`; assigning a variable gives it a new
 * one), so the Float32Array a tensor was created from, or was last read into, stands for its
 * contents: the LSTM outputs read by the next layer, the gradient handed from one fused op to the
 * next, and the weights read once per generated character are then not copied out again.
 */
import * as tf from '@tensorflow/tfjs';

const known = new WeakMap<object, Float32Array | Int32Array>();

function key(t: tf.Tensor): object {
  return (t as unknown as { dataId: object }).dataId;
}

/** The tensor's values as a Float32Array (cached; never mutate the result). */
export function readF32(t: tf.Tensor): Float32Array {
  const hit = known.get(key(t));
  if (hit instanceof Float32Array) return hit;
  const d = t.dataSync();
  const v = d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
  known.set(key(t), v);
  return v;
}

/** The tensor's values as an Int32Array (cached; never mutate the result). */
export function readI32(t: tf.Tensor): Int32Array {
  const hit = known.get(key(t));
  if (hit instanceof Int32Array) return hit;
  const d = t.dataSync();
  const v = d instanceof Int32Array ? d : Int32Array.from(d as ArrayLike<number>);
  known.set(key(t), v);
  return v;
}

/** A float32 tensor made from `values`, remembered as its contents (do not mutate `values` after). */
export function fromF32<R extends tf.Rank>(values: Float32Array, shape: number[]): tf.Tensor<R> {
  const t = tf.tensor(values, shape, 'float32') as unknown as tf.Tensor<R>;
  known.set(key(t), values);
  return t;
}
