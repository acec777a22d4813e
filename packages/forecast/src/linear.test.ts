import { describe, expect, it } from 'vitest';
import { gram, linearPredict, ridgeLooPredict, ridgeSolve } from './linear.js';
import { gaussian } from './synthetic.js';

/** A random design [n, k] with an intercept in the last column, and a noisy linear target. */
function problem(n: number, k: number, seed: number) {
  const g = gaussian(seed);
  const x = new Float64Array(n * k);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < k - 1; a++) x[r * k + a] = g() * (a + 1);
    x[r * k + k - 1] = 1;
    y[r] = 0.5 * x[r * k]! - 0.2 * x[r * k + 1]! + 3 + g();
  }
  return { x, y };
}

/** Leave-one-out the slow way: refit without row i (same total penalty), predict row i. */
function bruteLoo(x: Float64Array, y: Float64Array, k: number, n: number, lambda: number, excluded: number[] = []): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const rows = Array.from({ length: n }, (_, r) => r).filter((r) => r !== i);
    const beta = ridgeSolve(gram(x, y, k, 1, rows), lambda, [k - 1], n, excluded);
    out.push(linearPredict(x, k, beta, 1, [i])[0]!);
  }
  return out;
}

describe('ridgeLooPredict', () => {
  const n = 40;
  const k = 5;
  const { x, y } = problem(n, k, 3);
  const all = Array.from({ length: n }, (_, r) => r);

  it.each([0, 0.05, 1])('equals refitting without each row (ordinary and ridge, lambda %s)', (lambda) => {
    const fast = ridgeLooPredict(x, y, k, all, lambda, [k - 1], n);
    const slow = bruteLoo(x, y, k, n, lambda);
    fast.forEach((v, i) => expect(v).toBeCloseTo(slow[i]!, 8));
  });

  it('honours excluded columns and lambda = Infinity (intercept only: the mean of the other rows)', () => {
    const fast = ridgeLooPredict(x, y, k, all, 0, [k - 1], n, [1, 2]);
    const slow = bruteLoo(x, y, k, n, 0, [1, 2]);
    fast.forEach((v, i) => expect(v).toBeCloseTo(slow[i]!, 8));
    const sum = y.reduce((a, b) => a + b, 0);
    const mean = ridgeLooPredict(x, y, k, all, Infinity, [k - 1], n);
    mean.forEach((v, i) => expect(v).toBeCloseTo((sum - y[i]!) / (n - 1), 10));
  });

  it('leave-one-out predictions are worse than in-sample fits (the point of cross-validation)', () => {
    const beta = ridgeSolve(gram(x, y, k, 1, all), 0, [k - 1]);
    const fit = linearPredict(x, k, beta, 1, all);
    const loo = ridgeLooPredict(x, y, k, all, 0, [k - 1], n);
    const sse = (p: ArrayLike<number>) => Array.from(p).reduce((s, v, i) => s + (v - y[i]!) ** 2, 0);
    expect(sse(loo)).toBeGreaterThan(sse(fit));
  });
});
