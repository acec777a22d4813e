// Break 3 (issue 28): no argument list as long as the input. Spreading an array of ~130,000+
// values into a call (`push(...a)`, `Math.max(...a)`) overflows V8's stack; these inputs pass it.
import { describe, expect, it } from 'vitest';
import { corpusVocabulary } from './models/char-corpus.js';
import { padSequences } from './nn/sequence.js';

describe('break 3: long inputs without argument spreading', () => {
  it('padSequences takes 300,000 sequences', () => {
    const seqs = Array.from({ length: 300_000 }, (_, i) => [i % 7, 1].slice(0, 1 + (i % 2)));
    const p = padSequences(seqs);
    expect(p.batch).toBe(300_000);
    expect(p.steps).toBe(2);
  });

  it('corpusVocabulary takes a text of 200,000 distinct astral characters', () => {
    let text = '';
    for (let i = 0; i < 200_000; i++) text += String.fromCodePoint(0x10000 + i);
    const v = corpusVocabulary('ab' + text);
    expect(v.size).toBe(200_002);
    expect(v.chars[2]).toBe(String.fromCodePoint(0x10000));
  });
});
