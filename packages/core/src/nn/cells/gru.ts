/**
 * The GRU cell of tfjs-layers (tanh / sigmoid): z = σ(x_z + h U_z), r = σ(x_r + h U_r),
 * hh = tanh(x_h + (r ⊙ h) U_h), h' = z ⊙ h + (1 − z) ⊙ hh. Fused as `gruSequence`.
 */
import * as tf from '@tensorflow/tfjs';
import type { RecurrentCell } from './cell.js';

const layerConfig = { activation: 'tanh', recurrentActivation: 'sigmoid' } as const;

export const gruCell: RecurrentCell = {
  name: 'gru',
  gates: 3,
  states: 1,
  className: 'GRU',
  layerConfig,
  savedPerUnit: 20,
  layer: (args) => tf.layers.gru({ ...args, ...layerConfig }),
  // The z,r blocks and the h block are multiplied separately (the reset gate comes in between).
  prepare: (rk, units) => tf.split(rk, [2 * units, units], 1) as tf.Tensor2D[],
  step: (xp, [h], [rkZr, rkH]) => {
    const [xz, xr, xh] = tf.split(xp, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const [rz, rr] = tf.split(tf.matMul(h!, rkZr!), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const z = tf.sigmoid(tf.add(xz, rz));
    const r = tf.sigmoid(tf.add(xr, rr));
    const hh = tf.tanh(tf.add(xh, tf.matMul(tf.mul(r, h!) as tf.Tensor2D, rkH!)));
    return [tf.add(tf.mul(z, h!), tf.mul(tf.sub(1, z), hh)) as tf.Tensor2D];
  },
  fused: 'gruSequence',
};
