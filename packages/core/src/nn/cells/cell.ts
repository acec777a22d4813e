/**
 * What a recurrent cell is: its weights (shapes and initial values, held by a standard tfjs-layers
 * layer so saved models load with stock tfjs), one time step in tfjs ops, and optionally the name
 * of a fused whole-sequence kernel in `@seqcast/kernels`. One masked time loop (../reference.ts,
 * `rnnSequence`) runs any cell; models ask the registry (registry.ts) for cells by name.
 */
import type * as tf from '@tensorflow/tfjs';

/** A registered recurrent cell's name (built in: 'lstm', 'gru'; see registry.ts). */
export type CellType = 'lstm' | 'gru' | (string & {});

/** A tfjs-layers weight initialiser. */
type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** What a model passes when it builds a cell's container layer. */
export interface CellLayerArgs {
  units: number;
  name: string;
  kernelInitializer: Initializer;
  recurrentInitializer: Initializer;
  returnSequences?: boolean;
}

/**
 * One recurrent cell. Weights follow the Keras layout: kernel [I, gates·H], recurrentKernel
 * [H, gates·H], bias [gates·H], gate blocks side by side.
 *
 * @example
 * const tanhRnn: RecurrentCell = {
 *   name: 'tanh-rnn', gates: 1, states: 1, className: 'SimpleRNN', savedPerUnit: 8,
 *   layerConfig: { activation: 'tanh' },
 *   layer: (args) => tf.layers.simpleRNN({ ...args, activation: 'tanh' }),
 *   step: (xp, [h], [rk]) => [tf.tanh(tf.add(xp, tf.matMul(h!, rk!)))],
 * };
 */
export interface RecurrentCell {
  /** The name in option values and in saved configs (`seqcast.json` `cell`). */
  readonly name: string;
  /** Gate blocks per unit (LSTM 4, GRU 3, a plain RNN 1). */
  readonly gates: number;
  /** State tensors carried between steps: 1 (h) or 2 (h, then the LSTM's cell state c). */
  readonly states: 1 | 2;
  /** The container layer's tfjs-layers class (what model.json names). */
  readonly className: string;
  /** Config fields the container layer must have for `step` to compute what it computes. */
  readonly layerConfig: Readonly<Record<string, string>>;
  /** Floats kept per window, step and unit while training (the memory model, training-memory.ts). */
  readonly savedPerUnit: number;
  /** The container layer. */
  layer(args: CellLayerArgs): tf.layers.Layer;
  /** Initial bias when it is not zeros (the LSTM's forget gate starts at 1). */
  initialBias?(units: number): Float32Array;
  /** The recurrent kernel in the form `step` uses, computed once per sequence (default `[rk]`). */
  prepare?(recurrentKernel: tf.Tensor2D, units: number): tf.Tensor2D[];
  /**
   * One step: `xp` = x_t·kernel + bias [B, gates·H] and the state (`state[0]` is h) -> the next
   * state. Masking is the time loop's business, not the cell's.
   */
  step(xp: tf.Tensor2D, state: tf.Tensor2D[], recurrent: tf.Tensor2D[]): tf.Tensor2D[];
  /** Export of `@seqcast/kernels` that runs the whole sequence natively (same seam signature). */
  readonly fused?: string;
}
