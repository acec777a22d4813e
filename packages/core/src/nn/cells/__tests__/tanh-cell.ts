/**
 * A test-only cell, the whole of what adding a cell takes: the plain tanh RNN
 * h' = tanh(x·W + b + h·U), held by a standard tfjs SimpleRNN layer (so its saved models load with
 * stock tfjs), with no fused kernel (the masked tfjs time loop runs it on either path).
 * Importing this file registers it as 'tanh'. It imports core by its package name so that core's
 * and forecast's tests share one registry (the built package's).
 */
import * as tf from '@tensorflow/tfjs';
import { registerCell, type RecurrentCell } from '@seqcast/core';

export const tanhCell: RecurrentCell = registerCell({
  name: 'tanh',
  gates: 1,
  states: 1,
  className: 'SimpleRNN',
  layerConfig: { activation: 'tanh' },
  savedPerUnit: 8,
  layer: (args) => tf.layers.simpleRNN({ ...args, activation: 'tanh' }),
  step: (xp, [h], [rk]) => [tf.tanh(tf.add(xp, tf.matMul(h!, rk!))) as tf.Tensor2D],
});
