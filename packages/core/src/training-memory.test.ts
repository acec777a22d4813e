// The memory model sizes every training's batch to the budget, and refuses what cannot fit.
import { afterEach, describe, expect, it } from 'vitest';
import { CharLM, charLMTrainingShape } from './models/char-lm.js';
import { planTrainingBatch, trainingStepBytes, TRAINING_MEMORY_ENV } from './training-memory.js';
import { isSeqcastError } from './errors.js';

const SHAPE = charLMTrainingShape({ cell: 'lstm', layers: 2, hidden: 256, seqLength: 50, vocabSize: 60 });

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isSeqcastError(e)) return `${e.code} ${e.message}`;
    throw e;
  }
  return 'no error';
}

afterEach(() => {
  delete process.env[TRAINING_MEMORY_ENV];
});

describe('planTrainingBatch', () => {
  it('caps the default batch (every window) so one step fits the budget', () => {
    const plan = planTrainingBatch(SHAPE, { windows: 60_000, budgetBytes: 512 * 2 ** 20 });
    expect(plan.batchSize).toBeLessThan(60_000);
    expect(plan.batchSize).toBe(plan.maxBatch);
    expect(plan.stepBytes).toBeLessThanOrEqual(512 * 2 ** 20);
    expect(trainingStepBytes(SHAPE, plan.batchSize + 1)).toBeGreaterThan(512 * 2 ** 20);
    // Small work is untouched: every window in one batch, as in the lecture.
    expect(planTrainingBatch(charLMTrainingShape({ cell: 'lstm', layers: 1, hidden: 5, seqLength: 6, vocabSize: 5 }), { windows: 1 }).batchSize).toBe(1);
  });

  it('refuses an explicit batch over the budget, and a model whose single window cannot fit, naming the option', () => {
    expect(refusal(() => planTrainingBatch(SHAPE, { windows: 60_000, batchSize: 50_000, budgetBytes: 512 * 2 ** 20 }))).toMatch(
      /^BAD_INPUT batchSize 50000 needs about \d+ MiB per training step, over the 512 MiB training memory budget; at most \d+ windows per batch fit \(or raise SEQCAST_TRAIN_MEMORY_MB\)$/,
    );
    const huge = charLMTrainingShape({ cell: 'gru', layers: 4, hidden: 4096, seqLength: 1000, vocabSize: 60 });
    expect(refusal(() => planTrainingBatch(huge, { windows: 10 }))).toMatch(
      /^BAD_INPUT hidden 4096 × layers 4 × seqLength 1000 needs about \d+ MiB for one training window/,
    );
  });

  it('reads the budget from SEQCAST_TRAIN_MEMORY_MB and rejects a bad value', () => {
    process.env[TRAINING_MEMORY_ENV] = '64';
    expect(planTrainingBatch(SHAPE, { windows: 60_000 }).budgetBytes).toBe(64 * 2 ** 20);
    process.env[TRAINING_MEMORY_ENV] = 'lots';
    expect(refusal(() => planTrainingBatch(SHAPE, { windows: 10 }))).toBe(
      'BAD_ARGUMENT SEQCAST_TRAIN_MEMORY_MB must be a positive number of MiB (received "lots")',
    );
  });

  it('CharLM.train uses the capped batch', async () => {
    process.env[TRAINING_MEMORY_ENV] = '4';
    const text = 'if you want to build a ship, '.repeat(10);
    const lm = await CharLM.train(text, { seqLength: 10, hidden: 32, epochs: 1 });
    const windows = text.length - 10;
    expect(lm.info!.batchSize).toBeLessThan(windows);
    expect(lm.info!.batchSize).toBe(planTrainingBatch(charLMTrainingShape(lm.config), { windows }).batchSize);
    lm.dispose();
  });
});
