// The lecture demo (what `seqcast demo` and an empty `seqcast start` run): trains hihello and the
// sentence model, prints their predictions, saves them as loadable models `hihello` and `sentence`.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CharLM, LECTURE_SENTENCE } from '@seqcast/core';
import { afterAll, describe, expect, it } from 'vitest';
import { trainLectureDemo } from './lecture.js';

let tmp: string | undefined;
afterAll(async () => {
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('trainLectureDemo', () => {
  it('trains, prints and saves both lecture models', async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-demo-'));
    const lines: string[] = [];
    const r = await trainLectureDemo({ outDir: tmp, io: { out: (l) => lines.push(l), err: () => {} }, progress: false });
    expect(r.hihello.prediction).toBe('ihello');
    expect(r.sentence.accuracy).toBeGreaterThanOrEqual(0.99);
    expect(r.sentence.readBack).toHaveLength(LECTURE_SENTENCE.length - 1);
    expect(lines).toContain('  hihell -> ihello');
    expect(lines).toContain(`  ${r.sentence.readBack}`);
    expect(lines.find((l) => l.startsWith('sentence: 2-layer LSTM, seq 10, 500 epochs'))).toBeDefined();

    expect(r.hihello.dir).toBe(path.join(tmp, 'hihello'));
    const hihello = await CharLM.load(r.hihello.dir!);
    expect(hihello.predictString('hihell')).toBe('ihello');
    hihello.dispose();
    const sentence = await CharLM.load(path.join(tmp, 'sentence'));
    expect(sentence.evaluate(LECTURE_SENTENCE).accuracy).toBeCloseTo(r.sentence.accuracy, 10);
    sentence.dispose();
  });
});
