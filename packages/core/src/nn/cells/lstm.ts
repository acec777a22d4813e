/** The LSTM cell of tfjs-layers (tanh / sigmoid; gates i, f, c, o), fused as `lstmSequence`. */
import * as tf from '@tensorflow/tfjs';
import type { RecurrentCell } from './cell.js';

const layerConfig = { activation: 'tanh', recurrentActivation: 'sigmoid' } as const;

export const lstmCell: RecurrentCell = {
  name: 'lstm',
  gates: 4,
  states: 2,
  className: 'LSTM',
  layerConfig,
  // Measured: 2×LSTM(256), 50 steps: 12.7 floats on the fused kernels; the tfjs path keeps more.
  savedPerUnit: 24,
  layer: (args) => tf.layers.lstm({ ...args, ...layerConfig }),
  // Forget-gate bias 1 (as the lecture's BasicLSTMCell's forget_bias=1.0), so early training
  // keeps memory. Set as values: tfjs's unitForgetBias initialiser leaks 4 tensors.
  initialBias: (units) => new Float32Array(4 * units).fill(1, units, 2 * units),
  step: (xp, [h, c], [rk]) => {
    const z = tf.add(xp, tf.matMul(h!, rk!)) as tf.Tensor2D;
    const [zi, zf, zc, zo] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const cNext = tf.add(tf.mul(tf.sigmoid(zf), c!), tf.mul(tf.sigmoid(zi), tf.tanh(zc))) as tf.Tensor2D;
    const hNext = tf.mul(tf.sigmoid(zo), tf.tanh(cNext)) as tf.Tensor2D;
    return [hNext, cNext];
  },
  fused: 'lstmSequence',
};
