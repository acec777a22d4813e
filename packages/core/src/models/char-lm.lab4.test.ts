// Lab 12-4 (500 epochs, as in the lecture): two stacked LSTM layers + a dense softmax layer read the
// long sentence back: >= 0.99 next-character accuracy, where lab 12-3 stays lower (char-lm.lab3.test.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kernelStatus } from '../nn/kernels.js';
import { CharLM } from './char-lm.js';
import { LECTURE_SENTENCE } from './lecture-sentence.js';

describe('lab 12-4: stacked LSTM + softmax', () => {
  it('reaches >= 0.99 next-character accuracy on the "build a ship" sentence', async () => {
    const lm = await CharLM.train(LECTURE_SENTENCE, { seqLength: 10, epochs: 500, learningRate: 0.1, seed: 777, layers: 2 });
    const e = lm.evaluate(LECTURE_SENTENCE);
    expect(e.windows).toBe(LECTURE_SENTENCE.length - 10);
    expect(e.predictions).toBe(LECTURE_SENTENCE.length - 1);
    expect(e.accuracy).toBeGreaterThanOrEqual(0.99);
    expect(lm.info!.loss).toBeLessThan(0.5);
    // evaluate()'s TSDoc example shows this run's figures (as do README.md and docs/core.md): keep it true.
    const doc = /lm\.evaluate\(sentence\);\s+\/\/ \{ accuracy: ([\d.]+)…, loss: ([\d.]+)…/.exec(readFileSync(new URL('./char-lm.ts', import.meta.url), 'utf8'));
    expect(doc, 'the evaluate() example in char-lm.ts').not.toBeNull();
    expect(e.accuracy.toFixed(6)).toMatch(new RegExp(`^${doc![1]!.replace('.', '\\.')}`));
    expect(e.loss.toFixed(6)).toMatch(new RegExp(`^${doc![2]!.replace('.', '\\.')}`));
    // evaluate() is the lecture's read-back: the first window's predictions, then the last
    // character predicted for each later window.
    const L = 10;
    let readBack = lm.predictString(LECTURE_SENTENCE.slice(0, L));
    for (let i = 1; i + L < LECTURE_SENTENCE.length; i++) readBack += lm.predictString(LECTURE_SENTENCE.slice(i, i + L)).at(-1);
    const correct = Array.from(readBack).filter((c, i) => c === LECTURE_SENTENCE[i + 1]).length;
    expect(readBack).toHaveLength(LECTURE_SENTENCE.length - 1);
    expect(correct / readBack.length).toBeCloseTo(e.accuracy, 10);
    console.log(
      `lab 12-4: accuracy ${e.accuracy.toFixed(3)}, training loss ${lm.info!.loss.toFixed(3)}, ${lm.info!.elapsedMs} ms (${lm.info!.backend}, kernels ${kernelStatus().path})\n${readBack}`,
    );
    lm.dispose();
  });
});
