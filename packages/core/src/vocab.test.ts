import { describe, expect, it } from 'vitest';
import { SeqcastError } from './errors.js';
import { Vocabulary } from './vocab.js';

describe('Vocabulary', () => {
  it('is the sorted distinct characters, whatever order the text has', () => {
    const a = Vocabulary.fromText('hihello');
    expect(a.chars).toEqual(['e', 'h', 'i', 'l', 'o']);
    expect(Vocabulary.fromText('ollehih').chars).toEqual(a.chars);
    expect(Array.from(a.encode('hihell'))).toEqual([1, 2, 1, 0, 3, 3]);
    expect(a.decode([2, 1, 0, 3, 3, 4])).toBe('ihello');
  });

  it('treats astral characters (emoji) as one character each', () => {
    const v = Vocabulary.fromText('a😀b😀');
    expect(v.size).toBe(3);
    expect(v.decode(v.encode('😀ab'))).toBe('😀ab');
  });

  it('round-trips through JSON', () => {
    const v = Vocabulary.fromText("if you want to build a ship, don't");
    const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v)));
    expect(back.chars).toEqual(v.chars);
  });

  it('an unknown character is UNKNOWN_CHAR naming the character and its position', () => {
    const v = Vocabulary.fromText('hihello');
    let err: unknown;
    try {
      v.encode('hex', '--text');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SeqcastError);
    expect((err as SeqcastError).code).toBe('UNKNOWN_CHAR');
    expect((err as SeqcastError).message).toBe(`character "x" (U+0078) at position 2 of --text is not in the model's vocabulary (5 characters)`);
    expect(() => v.encode('h\n')).toThrow(/"\\n" \(U\+000A\) at position 1/);
  });

  it('rejects malformed saved vocabularies with BAD_MODEL naming the field', () => {
    expect(() => Vocabulary.fromJSON({ chars: 'abc' }, 'm/seqcast.json#extra.vocabulary')).toThrow(
      /m\/seqcast.json#extra.vocabulary: field "chars" must be an array/,
    );
    expect(() => Vocabulary.fromJSON({ chars: ['a', 'a'] })).toThrow(/entry 1 repeats "a"/);
    expect(() => Vocabulary.fromJSON({ chars: ['ab'] })).toThrow(/entry 0 must be exactly one character/);
    expect(() => Vocabulary.fromText('')).toThrow(SeqcastError);
  });
});
