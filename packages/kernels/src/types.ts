/**
 * The recurrent seam's option and result shapes, structurally identical to those of
 * @seqcast/core (nn/types.ts). Declared here too because core depends on this package
 * (optionally), not the other way round.
 */
import type * as tf from '@tensorflow/tfjs';

/** Options for one sequence through one recurrent layer. */
export interface SequenceOptions {
  /** [B,T] 1 = valid step, 0 = padding. Masked steps do not update the state and output 0. */
  mask?: tf.Tensor2D;
  /** [B,H] initial hidden state (zeros when absent). */
  h0?: tf.Tensor2D;
  /** [B,H] initial cell state, LSTM only (zeros when absent). */
  c0?: tf.Tensor2D;
}

/** What one recurrent layer returns for a whole sequence. */
export interface SequenceResult {
  /** [B,T,H] the hidden state after every step (0 at masked steps). */
  outputs: tf.Tensor3D;
  /** [B,H] final hidden state (at each sequence's last valid step when masked). */
  h: tf.Tensor2D;
  /** [B,H] final cell state (LSTM only). */
  c?: tf.Tensor2D;
}
