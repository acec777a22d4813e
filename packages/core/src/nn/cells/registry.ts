/**
 * The cell registry: the one place cells are registered and looked up by name. The built-in
 * cells are registered here; a new cell is one file defining a {@link RecurrentCell} plus one
 * `registerCell` line (see docs/architecture.md).
 */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../../errors.js';
import type { RecurrentCell } from './cell.js';
import { gruCell } from './gru.js';
import { lstmCell } from './lstm.js';

const cells = new Map<string, RecurrentCell>();

/**
 * Make a cell available by its name to every model (CharLM, SequenceRegressor, the global
 * forecaster), option validators included. Registering a name twice is an error.
 *
 * @example
 * registerCell(tanhRnnCell);
 * await CharLM.train(text, { seqLength: 10, cell: 'tanh-rnn' });
 */
export function registerCell(cell: RecurrentCell): RecurrentCell {
  if (cells.has(cell.name)) throw new SeqcastError('CONFLICT', `a recurrent cell named "${cell.name}" is already registered`, { where: 'cell' });
  if (!Number.isInteger(cell.gates) || cell.gates < 1)
    throw new SeqcastError('BAD_ARGUMENT', `cell ${cell.name}: gates must be a positive integer`, { where: 'cell' });
  cells.set(cell.name, cell);
  return cell;
}

registerCell(lstmCell);
registerCell(gruCell);

/**
 * Names of the registered cells, built-ins first.
 *
 * @example
 * cellNames();   // ['lstm', 'gru']
 */
export function cellNames(): string[] {
  return [...cells.keys()];
}

/** True when `name` is a registered cell. */
export function hasCell(name: unknown): name is string {
  return typeof name === 'string' && cells.has(name);
}

/**
 * The cell named `name`; an unknown name is a BAD_ARGUMENT naming `where` and the known names.
 *
 * @example
 * getCell('gru').gates;   // 3
 */
export function getCell(name: unknown, where = 'cell', code: 'BAD_ARGUMENT' | 'BAD_MODEL' = 'BAD_ARGUMENT'): RecurrentCell {
  const cell = typeof name === 'string' ? cells.get(name) : undefined;
  if (!cell) {
    const known = cellNames()
      .map((n) => `"${n}"`)
      .join(', ');
    throw new SeqcastError(code, `${where} must be one of ${known} (received ${JSON.stringify(name)})`, { where });
  }
  return cell;
}

/**
 * Give an applied container layer its cell's initial bias (when the cell has one). Call once
 * after the model is built.
 */
export function setInitialBias(cell: RecurrentCell, layer: tf.layers.Layer, units: number): void {
  if (!cell.initialBias) return;
  const [kernel, recurrent] = layer.getWeights();
  const bias = tf.tensor1d(cell.initialBias(units));
  layer.setWeights([kernel!, recurrent!, bias]);
  bias.dispose();
}

/**
 * Check a loaded container layer against its cell: class, activations and weight shapes for
 * `inputs` features and `units` units. Returns the problem in words, or null.
 */
export function layerMismatch(cell: RecurrentCell, layer: tf.layers.Layer, inputs: number, units: number): string | null {
  if (layer.getClassName() !== cell.className) return `layer ${layer.name} is a ${layer.getClassName()}, the ${cell.name} cell needs a ${cell.className}`;
  const cfg = layer.getConfig();
  for (const [k, v] of Object.entries(cell.layerConfig)) {
    if (cfg[k] !== v) return `layer ${layer.name} uses ${k} ${String(cfg[k])}; the ${cell.name} cell needs ${v}`;
  }
  const G = cell.gates * units;
  const shapes = layer.weights.map((w) => w.shape.join('x'));
  const want = [`${inputs}x${G}`, `${units}x${G}`, `${G}`];
  if (shapes.join() !== want.join()) return `layer ${layer.name} weights [${shapes.join(' ')}] do not match the config [${want.join(' ')}]`;
  return null;
}
