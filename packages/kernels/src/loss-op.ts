/**
 * What the fused loss heads (dense + softmax cross-entropy, dense + squared error) share: a scalar
 * whose forward pass keeps what its backward pass needs (probabilities, residuals) in a native
 * workspace. Outside gradient scopes the workspace is released at once; under a tape the backward
 * pass releases it, recomputing it first if it was released early (by the workspaces cap, or by a
 * first backward pass over the same call).
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon, Workspace } from './native.js';
import { trackWorkspace } from './workspaces.js';

/** The value and gradient function for tf.customGrad. */
export interface LossOp {
  value: tf.Scalar;
  gradFunc: (dy: tf.Tensor) => tf.Tensor[];
}

/**
 * @param floats    workspace size
 * @param recording whether a gradient tape records the op (read outside tf.customGrad: inside a
 *                  kernel the engine reports the tape as off)
 * @param forward   fills the workspace, returns the loss
 * @param backward  the gradients of the op's inputs, from the workspace and the upstream gradient
 */
export function workspaceLoss(
  addon: NativeAddon,
  floats: number,
  recording: boolean,
  forward: (ws: Workspace) => number,
  backward: (ws: Workspace, scale: number) => tf.Tensor[],
): LossOp {
  const run = (): { ws: Workspace; loss: number } => {
    const ws = addon.alloc(floats);
    try {
      return { ws, loss: forward(ws) };
    } catch (e) {
      addon.release(ws);
      throw e;
    }
  };
  const first = run();
  let ws = first.ws;
  if (!recording) addon.release(ws);
  else trackWorkspace(addon, ws, floats);
  const gradFunc = (dy: tf.Tensor): tf.Tensor[] => {
    const scale = dy.dataSync()[0]!;
    if (!addon.alive(ws)) ws = run().ws;
    try {
      return backward(ws, scale);
    } finally {
      addon.release(ws);
    }
  };
  return { value: tf.scalar(first.loss), gradFunc };
}
