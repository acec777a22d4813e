/**
 * The global model's network: per ensemble member, one recurrent layer (any registered cell,
 * through core's recurrent seam, so the fused kernels train it) over the patched window, a ReLU layer and
 * a direct multi-horizon quantile head, plus a linear path from the flat window to the same
 * outputs (the recurrent part learns what the linear map cannot). Outputs are [H, Q] quantiles
 * of the normalised future per window.
 *
 * The weights live in one standard tf.LayersModel (layers `rnn_k`, `hidden_k`, `head_k`,
 * `linear_k` for member k), so a saved directory loads with stock `tf.loadLayersModel`; the
 * forward pass below reads those weights directly.
 */
import * as tf from '@tensorflow/tfjs';
import { cellSequence, getCell, setInitialBias } from '@seqcast/core';
import type { CovariateDims } from '../../inputs/covariates.js';

/** Quantile levels the head predicts: the 95% and 80% bounds and the median. */
export const QUANTILES = [0.025, 0.1, 0.5, 0.9, 0.975] as const;
export const MEDIAN = 2;

/** Architecture of the network. */
export interface NetworkConfig {
  window: number;
  patch: number;
  horizon: number;
  /** A registered recurrent cell's name ('lstm', 'gru', ...). */
  cell: string;
  units: number;
  members: number;
  /**
   * Covariate channels (see inputs/covariates.ts): per window step (beside the target, into the
   * recurrent layer and the linear path), per horizon step and per series (into the hidden layer
   * and the linear path). Absent (older models): none.
   */
  covariates?: CovariateDims;
}

/** The covariate inputs of a batch (tensors of a {@link CovariateBatch}). */
export interface CovariateTensors {
  /** [B, window, Cw] */
  window: tf.Tensor3D;
  /** [B, horizon, Cf] */
  horizon: tf.Tensor3D;
  /** [B, S] */
  statics: tf.Tensor2D;
}

const NONE: CovariateDims = { window: 0, horizon: 0, statics: 0 };

/** Inputs per window beside the recurrent state: the horizon's known covariates and the statics. */
function sideWidth(c: NetworkConfig): number {
  const d = c.covariates ?? NONE;
  return c.horizon * d.horizon + d.statics;
}

function quietOrthogonal<T>(fn: () => T): T {
  // tfjs warns that its orthogonal initialiser is "slow" above 2000 elements; here it takes ms.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('Orthogonal initializer')) warn(...args);
  };
  try {
    return fn();
  } finally {
    console.warn = warn;
  }
}

/** A fresh network with seeded initial weights. */
export function buildNetwork(c: NetworkConfig, seed: number): tf.LayersModel {
  return quietOrthogonal(() => {
    const steps = c.window / c.patch;
    const perValue = 1 + (c.covariates?.window ?? 0);
    const win = tf.input({ shape: [steps, c.patch * perValue], name: 'window' });
    const flat = tf.input({ shape: [c.window * perValue], name: 'flat' });
    const side = sideWidth(c) > 0 ? tf.input({ shape: [sideWidth(c)], name: 'side' }) : null;
    const withSide = (t: tf.SymbolicTensor, name: string) => (side ? (tf.layers.concatenate({ name }).apply([t, side]) as tf.SymbolicTensor) : t);
    const outputs: tf.SymbolicTensor[] = [];
    const outs = c.horizon * QUANTILES.length;
    const cell = getCell(c.cell);
    const layers: tf.layers.Layer[] = [];
    for (let k = 0; k < c.members; k++) {
      const s = seed + 101 * k;
      const layer = cell.layer({
        units: c.units,
        name: `rnn_${k}`,
        kernelInitializer: tf.initializers.glorotUniform({ seed: s }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: s + 1, gain: 1 }),
      });
      layers.push(layer);
      const rnn = layer.apply(win) as tf.SymbolicTensor;
      const hidden = tf.layers
        .dense({ units: c.units, activation: 'relu', name: `hidden_${k}`, kernelInitializer: tf.initializers.heNormal({ seed: s + 2 }) })
        .apply(withSide(rnn, `rnn_side_${k}`)) as tf.SymbolicTensor;
      // Zero head: an untrained member is its linear path alone.
      const head = tf.layers.dense({ units: outs, name: `head_${k}`, kernelInitializer: 'zeros' }).apply(hidden) as tf.SymbolicTensor;
      const lin = tf.layers
        .dense({ units: outs, name: `linear_${k}`, kernelInitializer: 'zeros' })
        .apply(withSide(flat, `flat_side_${k}`)) as tf.SymbolicTensor;
      outputs.push(tf.layers.add({ name: `sum_${k}` }).apply([head, lin]) as tf.SymbolicTensor);
    }
    const model = tf.model({ inputs: side ? [win, flat, side] : [win, flat], outputs, name: 'global_forecaster' });
    for (const layer of layers) setInitialBias(cell, layer, c.units);
    return model;
  });
}

function weights(model: tf.LayersModel, name: string): tf.Tensor[] {
  return model.getLayer(name).weights.map((v) => v.read());
}

/**
 * Member `k`'s outputs for a batch: x [B, window] (normalised), mask [B, steps] -> [B, H, Q].
 * Call inside tf.tidy.
 */
export function forwardMember(model: tf.LayersModel, c: NetworkConfig, k: number, x: tf.Tensor2D, mask: tf.Tensor2D, cov?: CovariateTensors): tf.Tensor3D {
  const [batch] = x.shape;
  const steps = c.window / c.patch;
  const d = c.covariates ?? NONE;
  let seq: tf.Tensor3D = x.reshape([batch, steps, c.patch]);
  let flat: tf.Tensor2D = x;
  let side: tf.Tensor2D | null = null;
  if (d.window + d.horizon + d.statics > 0) {
    if (!cov) throw new Error('forwardMember: this network takes covariate inputs');
    if (d.window > 0) {
      // Each recurrent step reads its patch of the target, then the patch's covariates value by value.
      seq = tf.concat([seq, cov.window.reshape([batch, steps, c.patch * d.window]) as tf.Tensor3D], 2);
      flat = tf.concat([x, cov.window.reshape([batch, c.window * d.window]) as tf.Tensor2D], 1);
    }
    const parts: tf.Tensor2D[] = [];
    if (d.horizon > 0) parts.push(cov.horizon.reshape([batch, c.horizon * d.horizon]));
    if (d.statics > 0) parts.push(cov.statics);
    if (parts.length > 0) side = parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
  }
  const [rk, rr, rb] = weights(model, `rnn_${k}`) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
  const r = cellSequence(c.cell, seq, rk, rr, rb, { mask });
  const [hk, hb] = weights(model, `hidden_${k}`) as [tf.Tensor2D, tf.Tensor1D];
  const hidden = tf.relu(tf.add(tf.matMul(side ? tf.concat([r.h, side], 1) : r.h, hk), hb));
  const [ok, ob] = weights(model, `head_${k}`) as [tf.Tensor2D, tf.Tensor1D];
  const [lk, lb] = weights(model, `linear_${k}`) as [tf.Tensor2D, tf.Tensor1D];
  const out = tf.add(tf.add(tf.matMul(hidden, ok), ob), tf.add(tf.matMul(side ? tf.concat([flat, side], 1) : flat, lk), lb));
  return out.reshape([batch, c.horizon, QUANTILES.length]) as tf.Tensor3D;
}

/** Trainable variables of member `k`. */
export function memberVariables(model: tf.LayersModel, k: number): tf.Variable[] {
  const vars: tf.Variable[] = [];
  for (const name of [`rnn_${k}`, `hidden_${k}`, `head_${k}`, `linear_${k}`]) {
    for (const w of model.getLayer(name).trainableWeights) vars.push(w.read() as tf.Variable);
  }
  return vars;
}

/**
 * Mean pinball (quantile) loss of `pred` [B,H,Q] against `y` [B,H]: minimised by the true
 * quantiles, so the median output targets absolute error and the outer ones the interval bounds.
 */
export function pinballLoss(pred: tf.Tensor3D, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const q = tf.tensor1d(Float32Array.from(QUANTILES));
    const e = tf.sub(y.expandDims(2), pred); // [B,H,Q]
    const loss = tf.maximum(tf.mul(e, q), tf.mul(e, tf.sub(q, 1)));
    return tf.mean(loss) as tf.Scalar;
  });
}
