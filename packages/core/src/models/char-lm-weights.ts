/**
 * The weights of a CharLM: the standard tfjs layers model that holds them (seeded initialisers, a
 * fast orthogonal start for corpus-sized layers), picking them out of a loaded model, and the
 * recurrent state in the flat layout trainers carry.
 */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';
import type { RecurrentCell } from '../nn/cells/cell.js';
import { getCell, layerMismatch, setInitialBias } from '../nn/cells/registry.js';
import { seededRandom } from '../random.js';
import type { CharLMConfig } from './char-lm-options.js';

export interface LayerState {
  h: tf.Tensor2D;
  c?: tf.Tensor2D;
}

export interface RecurrentWeights {
  kernel: tf.Tensor2D;
  recurrentKernel: tf.Tensor2D;
  bias: tf.Tensor1D;
}
/** The standard tfjs model holding a CharLM's weights (also what stock loadLayersModel sees). */
export function buildContainer(config: CharLMConfig, seed: number, orthogonal: 'tfjs' | 'fast' = 'tfjs'): tf.LayersModel {
  return quietOrthogonal(() => buildLayers(config, seed, orthogonal));
}

/**
 * A [rows, cols] matrix with orthonormal rows (rows <= cols) or columns, by Gram–Schmidt on seeded
 * Gaussian vectors in float64. The same distribution as tfjs's orthogonal initialiser, whose QR on
 * the wasm backend takes minutes for a 256x1024 recurrent kernel; this takes milliseconds.
 */
function orthogonalMatrix(rows: number, cols: number, seed: number): Float32Array {
  const n = Math.min(rows, cols);
  const len = Math.max(rows, cols);
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const vs: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = Float64Array.from({ length: len }, gauss);
    // Twice, for orthogonality to working precision.
    for (let pass = 0; pass < 2; pass++) {
      for (const u of vs) {
        let dot = 0;
        for (let k = 0; k < len; k++) dot += u[k]! * v[k]!;
        for (let k = 0; k < len; k++) v[k]! -= dot * u[k]!;
      }
    }
    let norm = 0;
    for (let k = 0; k < len; k++) norm += v[k]! * v[k]!;
    norm = Math.sqrt(norm);
    for (let k = 0; k < len; k++) v[k]! /= norm;
    vs.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < len; k++) {
      if (rows <= cols) out[i * cols + k] = vs[i]![k]!;
      else out[k * cols + i] = vs[i]![k]!;
    }
  }
  return out;
}

function buildLayers(config: CharLMConfig, seed: number, orthogonal: 'tfjs' | 'fast'): tf.LayersModel {
  const { vocabSize: V, hidden: H } = config;
  const cell = getCell(config.cell);
  // Each initialiser gets its own seed: equal seeds would give equal random streams.
  let k = 0;
  const nextSeed = () => seed * 1009 + ++k;
  const input = tf.input({ shape: [null, V], name: 'chars' });
  let x = input as tf.SymbolicTensor;
  for (let l = 0; l < config.layers; l++) {
    const args = {
      units: H,
      returnSequences: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
      recurrentInitializer: orthogonal === 'tfjs' ? tf.initializers.orthogonal({ seed: nextSeed() }) : tf.initializers.zeros(),
      name: `${config.cell}_${l + 1}`,
    };
    const rkSeed = orthogonal === 'fast' ? nextSeed() : 0;
    const layer = cell.layer(args);
    x = layer.apply(x) as tf.SymbolicTensor;
    if (orthogonal === 'fast') {
      const [k, , b] = layer.getWeights();
      const G = cell.gates * H;
      const rk = tf.tensor2d(orthogonalMatrix(H, G, rkSeed), [H, G]);
      layer.setWeights([k!, rk, b!]);
      rk.dispose();
    }
    setInitialBias(cell, layer, H);
  }
  const head = config.dense
    ? tf.layers.dense({ units: V, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }), name: 'softmax' })
    : tf.layers.activation({ activation: 'softmax', name: 'softmax' });
  return tf.model({ inputs: input, outputs: head.apply(x) as tf.SymbolicTensor, name: 'charlm' });
}

/**
 * tfjs warns ("Orthogonal initializer is being called on a matrix with more than 2000 elements")
 * for any recurrent kernel above 2000 weights, e.g. hidden 25. The cost is a one-off QR at build
 * time, so that one warning is filtered out while layers are built; every other warning passes.
 */
function quietOrthogonal<T>(build: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Orthogonal initializer')) return;
    warn(...args);
  };
  try {
    return build();
  } finally {
    console.warn = warn;
  }
}

/** Pick the recurrent and dense weights out of a container; anything unexpected is BAD_MODEL. */
export function extractWeights(model: tf.LayersModel, config: CharLMConfig, cell: RecurrentCell, where: string) {
  const bad = (msg: string) => new SeqcastError('BAD_MODEL', `${where}: ${msg}`, { where });
  const rnn = model.layers.filter((l) => l.getClassName() === cell.className);
  if (rnn.length !== config.layers) throw bad(`expected ${config.layers} ${cell.className} layer(s), found ${rnn.length}`);
  const recurrent: RecurrentWeights[] = rnn.map((layer, i) => {
    const problem = layerMismatch(cell, layer, i === 0 ? config.vocabSize : config.hidden, config.hidden);
    if (problem) throw bad(problem);
    const [kernel, recurrentKernel, bias] = layer.weights.map((v) => v.read());
    return { kernel: kernel as tf.Tensor2D, recurrentKernel: recurrentKernel as tf.Tensor2D, bias: bias as tf.Tensor1D };
  });
  let dense: { kernel: tf.Tensor2D; bias: tf.Tensor1D } | undefined;
  if (config.dense) {
    const layer = model.layers.find((l) => l.getClassName() === 'Dense');
    const [kernel, bias] = layer ? layer.weights.map((v) => v.read()) : [];
    if (!kernel || kernel.shape.join() !== `${config.hidden},${config.vocabSize}` || !bias || bias.shape.join() !== `${config.vocabSize}`) {
      throw bad(`the dense softmax layer is missing or does not match the config`);
    }
    dense = { kernel: kernel as tf.Tensor2D, bias: bias as tf.Tensor1D };
  }
  return { recurrent, dense };
}

export function flattenStates(states: LayerState[]): tf.Tensor2D[] {
  return states.flatMap((s) => (s.c ? [s.h, s.c] : [s.h]));
}

export function unflattenStates(flat: tf.Tensor2D[], withCell: boolean): LayerState[] {
  const out: LayerState[] = [];
  for (let i = 0; i < flat.length; i += withCell ? 2 : 1) out.push(withCell ? { h: flat[i]!, c: flat[i + 1]! } : { h: flat[i]! });
  return out;
}

export function argTop(p: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: p.length }, (_, i) => i);
  idx.sort((a, b) => p[b]! - p[a]! || a - b);
  return idx.slice(0, k);
}
