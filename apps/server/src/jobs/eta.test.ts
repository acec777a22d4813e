import { describe, expect, it } from 'vitest';
import { jobEtaMs } from './eta.js';

describe('job ETA', () => {
  it("a panel job's ETA is capped by its time budget (options.minutes), not only its step pace", () => {
    // 10 of 4,000 steps in 30 s: the pace says 3.3 hours; a 1-minute budget ends it in 30 s.
    expect(jobEtaMs('panel', { minutes: 1 }, { step: 10, steps: 4000, elapsedMs: 30_000 })).toBe(30_000);
    // Without minutes, the default budget (8 minutes) caps it.
    expect(jobEtaMs('panel', {}, { step: 10, steps: 4000, elapsedMs: 30_000 })).toBe(450_000);
    // A fast job keeps its pace estimate.
    expect(jobEtaMs('panel', { minutes: 5 }, { step: 3000, steps: 4000, elapsedMs: 30_000 })).toBe(10_000);
  });

  it('other jobs: the step pace; nothing before the first step', () => {
    expect(jobEtaMs('chars', { minutes: 1 }, { step: 10, steps: 100, elapsedMs: 1000 })).toBe(9000);
    expect(jobEtaMs('forecast', {}, { step: 0, steps: 100, elapsedMs: 1000 })).toBeNull();
  });
});
