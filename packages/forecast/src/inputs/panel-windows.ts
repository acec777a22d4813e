/**
 * The panel GlobalForecaster's inputs (part of the input stack, src/inputs/): every input window is normalised on its own (level and scale
 * taken from the window itself, the M4 winners' habit), so series of any scale and level share
 * one set of weights, and a forecast is mapped back to original units with the same two numbers.
 *
 * Inputs are cut into "patches" of one season each (m values per recurrent step), so the network
 * sees the seasonal position of every value by its place in the patch, and an hourly window of a
 * week is 7 recurrent steps, not 168. Windows shorter than the model's (short series, early
 * cutoffs) are padded in front and masked (core's dynamic-length masking).
 */
import { meanAbsChange, meanAbsOf, meanOf } from './scale.js';

/** Inputs above this many scales from the level are clipped (outliers, level shifts). */
export const INPUT_CLIP = 20;

/**
 * Training targets are clipped at the same distance: a jump out of a plateau can be tens of
 * thousands of window scales, and a few such windows would otherwise dominate every squared or
 * pinball error (the linear start's ridge above all).
 */
export const TARGET_CLIP = INPUT_CLIP;

/** The longer run the scale may not fall far below: this many windows of history before the cutoff. */
export const LONG_RUN_WINDOWS = 4;

/** The scale is at least this share of the longer run's mean absolute change. */
export const LONG_RUN_SHARE = 0.5;

/** …and at least this share of the window's mean absolute value (rounding jitter stays small). */
export const LEVEL_FLOOR = 1e-4;

/** Shapes shared by the window builder and the network. */
export interface WindowShape {
  /** Input values per window (a multiple of `patch`). */
  window: number;
  /** Values per recurrent step. */
  patch: number;
  horizon: number;
  /** Season m used for the level (mean of the last m values). */
  season: number;
}

/** Level and scale of the window ending just before `end`. */
export interface WindowNorm {
  level: number;
  scale: number;
}

/**
 * Level = mean of the last m values before `end` (the last value when m = 1); scale = mean
 * absolute one-step change inside the window (so variation, not magnitude, is normalised), but
 * never below {@link LONG_RUN_SHARE} of that change over the last {@link LONG_RUN_WINDOWS}
 * windows nor below {@link LEVEL_FLOOR} of the window's mean absolute value. A plateau of a
 * step-shaped series (a price that repeats or moves by rounding jitter, then jumps) would
 * otherwise get a scale 10⁵ below the series' real variation. A window flat over that whole run
 * takes the change over all its history, then the mean absolute value; 1 only for a history of
 * zeros, where nothing tells the units.
 */
export function windowNorm(values: ArrayLike<number>, end: number, shape: WindowShape): WindowNorm {
  const start = Math.max(0, end - shape.window);
  const m = Math.min(shape.season, end - start);
  const level = meanOf(values, end - m, end);
  const longStart = Math.max(0, end - LONG_RUN_WINDOWS * shape.window);
  let scale = Math.max(meanAbsChange(values, start, end), LONG_RUN_SHARE * meanAbsChange(values, longStart, end), LEVEL_FLOOR * meanAbsOf(values, start, end));
  if (!(scale > 0) && longStart > 0) scale = LONG_RUN_SHARE * meanAbsChange(values, 0, end);
  if (!(scale > 0)) scale = meanAbsOf(values, 0, end);
  if (!(scale > 1e-12)) scale = 1;
  return { level, scale };
}

/**
 * Write the normalised window ending before `end` into `x` at row `row` ([rows, window], padded
 * with 0 in front) and its step mask into `mask` ([rows, window / patch]); returns the norm.
 */
export function writeWindow(values: ArrayLike<number>, end: number, shape: WindowShape, row: number, x: Float32Array, mask: Float32Array): WindowNorm {
  const norm = windowNorm(values, end, shape);
  const L = shape.window;
  const steps = L / shape.patch;
  const have = Math.min(L, end);
  const xo = row * L;
  x.fill(0, xo, xo + L - have);
  for (let i = 0; i < have; i++) {
    const v = (values[end - have + i]! - norm.level) / norm.scale;
    x[xo + L - have + i] = v > INPUT_CLIP ? INPUT_CLIP : v < -INPUT_CLIP ? -INPUT_CLIP : v;
  }
  // A step is valid when any of its values is real (a partly filled first patch counts).
  const firstStep = Math.floor((L - have) / shape.patch);
  const mo = row * steps;
  for (let s = 0; s < steps; s++) mask[mo + s] = s >= firstStep ? 1 : 0;
  return norm;
}

/** Normalised training targets values[end .. end + horizon) into `y` at row `row`, clipped as the inputs are. */
export function writeTargets(values: ArrayLike<number>, end: number, norm: WindowNorm, horizon: number, row: number, y: Float32Array): void {
  for (let h = 0; h < horizon; h++) {
    const v = (values[end + h]! - norm.level) / norm.scale;
    y[row * horizon + h] = v > TARGET_CLIP ? TARGET_CLIP : v < -TARGET_CLIP ? -TARGET_CLIP : v;
  }
}
