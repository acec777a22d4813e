// The bench divides a step's FLOPs by measureFmaPeak() to say how close to the hardware each side
// runs, so the probe must answer with a rate on every build and refuse nonsense durations.
import { describe, expect, it } from 'vitest';
import { kernelsInfo, measureFmaPeak } from './index.js';

const info = kernelsInfo();

describe('measureFmaPeak', () => {
  it.runIf(info.available)('measures a multiply-add rate on the compiled path, in GFLOP/s', () => {
    const peak = measureFmaPeak(20)!;
    // Any core this builds for does well over a GFLOP/s; a folded-away loop would read as
    // infinite or NaN, a broken timer as 0.
    expect(Number.isFinite(peak)).toBe(true);
    expect(peak).toBeGreaterThan(1);
  });

  it.runIf(!info.available)('is null without the native kernels', () => {
    expect(measureFmaPeak()).toBeNull();
  });

  it('refuses a duration outside 1..10000 ms in one line naming it', () => {
    for (const ms of [0, -5, Number.NaN, 20_000]) {
      expect(() => measureFmaPeak(ms)).toThrow(/^measureFmaPeak: ms must be between 1 and 10000 \(received/);
    }
  });
});
