// Phase one keeps its best checkpoint on the held-out stretch: a network that overfits short noisy
// series ships the earlier weights (and says so); one that keeps improving ships its final ones.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '@seqcast/core';
import { leakedTensors } from '@seqcast/core/testing';
import type { Panel } from '@seqcast/data';
import { describe, expect, it } from 'vitest';
import { syntheticCollection } from '../../synthetic-collection.js';
import { CHECKPOINTS, earlyStopLine, MemberCheckpoints, phaseTwoSteps, RESTORE_MARGIN } from './early-stop.js';
import { GlobalForecaster } from './forecaster.js';
import type { GlobalInfo } from './info.js';

/** `n` short series: a level and a trend under heavy noise, nothing a network should memorise. */
function noisyShort(n: number, length: number, seed: number): Panel {
  const r = seededRandom(seed);
  const series = Array.from({ length: n }, (_, i) => {
    const level = 50 + 100 * r();
    const slope = (r() - 0.3) * 4;
    const values = Float64Array.from({ length }, (_, t) => level + slope * t + 16 * (r() + r() + r() - 1.5));
    return { id: `s${i}`, values, times: null, features: {}, lines: null };
  });
  return { target: 'y', idColumn: 'id', timeColumn: null, features: [], series, source: '<memory>' };
}

describe('MemberCheckpoints', () => {
  const run = (scores: number[]) => {
    const v = tf.variable(tf.scalar(0));
    let at = 0;
    const c = new MemberCheckpoints([v], () => scores[at]!);
    const steps = 80;
    for (let s = 1; s <= steps; s++) {
      tf.tidy(() => v.assign(tf.scalar(s)));
      // Scores are read in order, one per checkpoint reached.
      const before = c.scores.length;
      c.offer(s, s / steps);
      if (c.scores.length > before) at++;
    }
    const kept = c.finish(steps);
    const value = v.dataSync()[0]!;
    v.dispose();
    return { kept, value };
  };

  it('scores every eighth of phase one and restores the best weights when clearly better than the final ones', () => {
    const { kept, value } = run([0.9, 0.8, 0.85, 0.9, 0.95, 1, 1, 1]);
    expect(kept.scores.map((s) => s.step)).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    expect(CHECKPOINTS).toHaveLength(7);
    expect(kept).toMatchObject({ steps: 80, kept: 20, keptOwa: 0.8, finalOwa: 1 });
    expect(value).toBe(20);
  });

  it('keeps the final weights when the best is within the noise margin of them, or is them', () => {
    const close = run([1, 1 - RESTORE_MARGIN / 2, 1, 1, 1, 1, 1, 1]);
    expect(close.kept).toMatchObject({ kept: 80, keptOwa: 1, finalOwa: 1 });
    expect(close.value).toBe(80);
    const improving = run([1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]);
    expect(improving.kept).toMatchObject({ kept: 80, keptOwa: 0.3 });
    expect(improving.value).toBe(80);
  });

  it('phase two shrinks in proportion to the steps phase one kept', () => {
    expect(phaseTwoSteps(800, 3200, 3200)).toBe(800);
    expect(phaseTwoSteps(800, 400, 3200)).toBe(100);
    expect(phaseTwoSteps(800, 1, 3200)).toBe(1);
    expect(phaseTwoSteps(0, 400, 3200)).toBe(0);
  });
});

describe('early stopping in GlobalForecaster.fit', () => {
  it('a network that overfits short noisy series ships an earlier checkpoint, better on the held-out stretch, and says so (no tensor leaked)', async () => {
    const panel = noisyShort(12, 16, 1);
    const spec = { horizon: 4, season: 1 };
    let info: GlobalInfo | null = null;
    let last = { step: 0, steps: 0 };
    const leaked = await leakedTensors(async () => {
      const model = new GlobalForecaster({ ...spec, steps: 400, units: 32, batchSize: 32, seed: 0 });
      await model.fit(panel, spec, { onProgress: (p) => (last = p) });
      info = model.info();
      model.dispose();
    }, 1);
    expect(leaked).toBe(0);
    const v = info!.validation!;
    const [c] = v.checkpoints!;
    expect(c!.steps).toBe(320);
    expect(c!.kept).toBeLessThan(c!.steps);
    expect(c!.keptOwa).toBeLessThan(c!.finalOwa * (1 - RESTORE_MARGIN));
    // Validation (separate code) scores the network it was handed: the kept weights, not the final ones.
    expect(v.modelOwa).toBeCloseTo(c!.keptOwa, 6);
    // Phase two fine-tunes in proportion: 80 planned steps × kept / 320.
    expect(info!.steps).toBe(320 + Math.round((80 * c!.kept) / 320));
    // Progress still ends at the steps planned (a job's record reads it): the skipped ones are not to come.
    expect(last).toMatchObject({ step: 400, steps: 400 });
    expect(earlyStopLine([info!])).toBe(
      `early stopping: phase one kept an earlier checkpoint, better on the validation stretch: step ${c!.kept} of 320 (OWA ${c!.keptOwa.toFixed(3)} vs ${c!.finalOwa.toFixed(3)} at the end)`,
    );
  }, 60_000);

  it('a network that keeps improving ships its final weights and the whole phase two', async () => {
    const panel = syntheticCollection(1, { series: 30, kind: 'weekly-steps', length: [200, 300], intermittent: 0 });
    const spec = { horizon: 13, season: 1 };
    const model = new GlobalForecaster({ ...spec, steps: 200, units: 16, batchSize: 64, seed: 0 });
    await model.fit(panel, spec);
    const info = model.info();
    const [c] = info.validation!.checkpoints!;
    expect(c!.kept).toBe(160);
    expect(c!.scores.at(-1)!.owa).toBeLessThan(c!.scores[0]!.owa);
    expect(info.steps).toBe(200);
    expect(earlyStopLine([info])).toBeNull();
    model.dispose();
  }, 60_000);

  it('a model saved before early stopping loads without the field and reports nothing about it', async () => {
    const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'main-6f2a5a2', 'global-lstm');
    const model = await GlobalForecaster.load(dir);
    expect(model.info().validation?.checkpoints).toBeUndefined();
    expect(earlyStopLine([model.info()])).toBeNull();
    model.dispose();
  });
});
