/**
 * Drawing the next character from a model's log-probabilities: temperature, top-k and nucleus
 * (top-p) sampling. One function, used by CharLM.generate and so by the CLI and the server alike.
 */

/** How {@link sampleLogits} narrows and sharpens the distribution. */
export interface SamplingOptions {
  /** Softmax temperature; 0 picks the most likely id. */
  temperature: number;
  /** Keep only the K most likely ids. */
  topK: number;
  /** Then keep only the most likely ids whose probabilities (after temperature) sum to at least P. */
  topP: number;
}

/** Ids sorted by descending value (ties: lower id first), the first `k` of them. */
function argTop(p: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: p.length }, (_, i) => i);
  idx.sort((a, b) => p[b]! - p[a]! || a - b);
  return idx.slice(0, k);
}

/**
 * Draw an id from log-probabilities `logp` with `rand` (uniform in [0,1)).
 *
 * @example
 * sampleLogits(Float32Array.of(-0.1, -2.5, -4), { temperature: 0.8, topK: 2, topP: 0.9 }, seededRandom(1));   // 0
 */
export function sampleLogits(logp: ArrayLike<number>, o: SamplingOptions, rand: () => number): number {
  const candidates = argTop(logp, Math.min(o.topK, logp.length));
  if (o.temperature === 0 || candidates.length === 1) return candidates[0]!;
  const top = logp[candidates[0]!]!;
  let weights = candidates.map((i) => Math.exp((logp[i]! - top) / o.temperature));
  let sum = weights.reduce((a, b) => a + b, 0);
  if (o.topP < 1) {
    // The nucleus: the shortest most-likely-first prefix holding at least topP of the mass.
    let kept = 0;
    let mass = 0;
    while (kept < weights.length && mass < o.topP * sum) mass += weights[kept++]!;
    weights = weights.slice(0, Math.max(1, kept));
    sum = mass || weights[0]!;
  }
  let u = rand() * sum;
  for (let j = 0; j < weights.length; j++) {
    u -= weights[j]!;
    if (u <= 0) return candidates[j]!;
  }
  return candidates[weights.length - 1]!;
}
