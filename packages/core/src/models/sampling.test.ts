// sampleLogits: temperature 0 is argmax, top-k and top-p (nucleus) never draw outside their sets,
// and within them the draws follow the probabilities.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { sampleLogits } from './sampling.js';

const P = [0.5, 0.3, 0.15, 0.05];
const logp = Float32Array.from(P, Math.log);

function counts(o: { temperature: number; topK: number; topP: number }, n = 4000): number[] {
  const rand = seededRandom(11);
  const c = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) c[sampleLogits(logp, o, rand)]! += 1;
  return c;
}

describe('sampleLogits', () => {
  it('temperature 0 always picks the most likely id', () => {
    expect(counts({ temperature: 0, topK: 4, topP: 1 })).toEqual([4000, 0, 0, 0]);
  });

  it('top-p keeps the smallest most-likely set holding P of the mass', () => {
    // 0.5 + 0.3 = 0.8 < 0.9, so the nucleus is {0, 1, 2}; id 3 never comes.
    const c = counts({ temperature: 1, topK: 4, topP: 0.9 });
    expect(c[3]).toBe(0);
    expect(c[0]! / 4000).toBeCloseTo(0.5 / 0.95, 1);
    expect(c[2]).toBeGreaterThan(0);
    // P below the top probability: only the most likely id.
    expect(counts({ temperature: 1, topK: 4, topP: 0.4 })).toEqual([4000, 0, 0, 0]);
  });

  it('top-k keeps the K most likely ids, and P = 1 leaves sampling unchanged', () => {
    const c = counts({ temperature: 1, topK: 2, topP: 1 });
    expect(c[2]! + c[3]!).toBe(0);
    expect(c[0]! / 4000).toBeCloseTo(0.5 / 0.8, 1);
    expect(counts({ temperature: 1, topK: 4, topP: 1 })[3]! / 4000).toBeCloseTo(0.05, 1);
  });
});
