/**
 * The recurrent seam: the signatures every implementation of a whole-sequence LSTM/GRU layer
 * shares. Training and inference call these; the pure-tfjs reference (reference.ts) and the
 * optional native kernels (@seqcast/kernels) both implement them, and kernels.ts picks one.
 *
 * Weight layout is exactly that of tf.layers.lstm / tf.layers.gru (Keras), with `tanh` as the
 * activation and `sigmoid` as the recurrent activation, so models keep the standard saved format.
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
  /** [B,H] final hidden state (the state at each sequence's last valid step when masked). */
  h: tf.Tensor2D;
  /** [B,H] final cell state (LSTM only). */
  c?: tf.Tensor2D;
}

/** One recurrent layer over a whole sequence; every cell's fused kernel has this signature. */
export type RecurrentSequenceFn = (
  x: tf.Tensor,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  opts?: SequenceOptions,
) => SequenceResult;

/**
 * One LSTM layer over a whole sequence.
 * `x`: float [B,T,I], or int32 ids [B,T] meaning one-hot input (the input projection is then a row
 * gather of `kernel`). `kernel` [I,4H] and `recurrentKernel` [H,4H] hold gates in the order i,f,c,o;
 * `bias` is [4H].
 */
export type LstmSequenceFn = RecurrentSequenceFn;

/**
 * One GRU layer over a whole sequence, following tfjs-layers' GRU exactly (gates z,r,h; the reset
 * gate is applied to the previous state before the recurrent matmul; h = z*h_prev + (1-z)*hh).
 */
export type GruSequenceFn = RecurrentSequenceFn;
