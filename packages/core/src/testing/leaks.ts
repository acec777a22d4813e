import * as tf from '@tensorflow/tfjs';

/**
 * Run `fn` (after a warm-up call) `times` times and return how many tensors it left behind.
 * Warm-up absorbs one-time allocations such as lazily built weights.
 *
 * @example
 * expect(await leakedTensors(() => model.next('hel', 3))).toBe(0);
 */
export async function leakedTensors(fn: () => unknown, times = 5): Promise<number> {
  await fn();
  const before = tf.memory().numTensors;
  for (let i = 0; i < times; i++) await fn();
  return tf.memory().numTensors - before;
}
