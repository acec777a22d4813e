// The verdict lines `forecast train` and `forecast backtest` print about Naive2: one function for
// both, so the same errors give the same verdict; what was shipped is said, never contradicted.
import { describe, expect, it } from 'vitest';
import type { Naive2Verdict } from '@seqcast/forecast';
import { verdictLine } from './forecast-panel.js';

const v = (verdict: Naive2Verdict['verdict'], owa: number, low: number, high: number): Naive2Verdict => ({ verdict, owa, low, high });
const network = { partner: 'naive2', weight: 1 } as const;
const where = 'on the last horizon of the training series';

describe('verdictLine', () => {
  it('says the model beats Naive2 only when the whole band is below 1, with the band', () => {
    expect(verdictLine(v('better', 0.81, 0.77, 0.85), network, where)).toBe(
      'the model beats Naive2 on the last horizon of the training series (OWA 0.810, 90% band 0.770–0.850 over series).',
    );
  });

  it('says there is no measurable difference when the band straddles 1, whichever side the OWA is on', () => {
    expect(verdictLine(v('same', 1.004, 0.98, 1.03), network, 'over 1 backtest window(s)')).toBe(
      'no measurable difference from Naive2 over 1 backtest window(s) (OWA 1.004, 90% band 0.980–1.030 over series).',
    );
  });

  it('warns loudly when the model is worse beyond noise, and says what was shipped', () => {
    const line = verdictLine(v('worse', 1.2, 1.1, 1.3), { partner: 'theta', weight: 0.5 }, where);
    expect(line).toMatch(/^WARNING: the model is WORSE than Naive2 on the last horizon/);
    expect(line).toContain("the forecasts shipped are the network's (weight 0.5) combined with Theta's (weight 0.5)");
  });

  it("when the forecasts shipped are Naive2's, says so instead of advising Naive2", () => {
    const line = verdictLine(v('same', 1, 1, 1), { partner: 'naive2', weight: 0 }, where);
    expect(line).toBe(
      "the forecasts shipped are Naive2's (the network did not beat it on its validation stretch), so they score as Naive2 on the last horizon of the training series (OWA 1.000).",
    );
    expect(line).not.toMatch(/WORSE|prefer/);
  });
});
