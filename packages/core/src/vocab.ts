/**
 * Character vocabulary: the set of characters a CharLM knows, in a stable order (sorted by Unicode
 * code point, so the same text always gives the same ids on every machine), saved with the model.
 *
 * Characters are Unicode code points (an emoji is one character, not two UTF-16 halves).
 * Unknown characters are an error, not an <unk> token: a char model trained on a small text has
 * never seen the token, so mapping to it would silently give meaningless predictions. The error
 * (`UNKNOWN_CHAR`) names the character and its position.
 */
import { SeqcastError } from './errors.js';

/** The saved form of a vocabulary (in seqcast.json). */
export interface VocabularyJSON {
  chars: string[];
}

/** How a character is shown in messages: quoted, with escapes for invisible ones. */
export function showChar(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return `${JSON.stringify(c)} (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

/**
 * @example
 * const v = Vocabulary.fromText('hihello');   // chars: e h i l o
 * v.encode('hell');                            // Int32Array [1, 0, 3, 3]
 * v.decode([2, 1]);                            // "ih"
 * v.encode('hex');                             // throws UNKNOWN_CHAR: character "x" (U+0078) at position 2 ...
 */
export class Vocabulary {
  readonly chars: readonly string[];
  private readonly index: Map<string, number>;

  /** `chars` must be distinct single code points; their order is kept as given. */
  constructor(chars: readonly string[]) {
    const index = new Map<string, number>();
    chars.forEach((c, i) => {
      if (typeof c !== 'string' || Array.from(c).length !== 1) {
        throw new SeqcastError('BAD_INPUT', `vocabulary entry ${i} must be exactly one character (got ${JSON.stringify(c)})`, {
          where: `chars[${i}]`,
        });
      }
      if (index.has(c)) {
        throw new SeqcastError('BAD_INPUT', `vocabulary entry ${i} repeats ${showChar(c)}`, { where: `chars[${i}]` });
      }
      index.set(c, i);
    });
    if (chars.length === 0) throw new SeqcastError('BAD_INPUT', 'a vocabulary needs at least one character');
    this.chars = Object.freeze([...chars]);
    this.index = index;
  }

  /** The distinct characters of `text`, sorted by code point. */
  static fromText(text: string): Vocabulary {
    const set = new Set(Array.from(text));
    if (set.size === 0) throw new SeqcastError('BAD_INPUT', 'cannot build a vocabulary from empty text');
    return new Vocabulary([...set].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  /** Restore from `toJSON()` output; `where` names the source in error messages. */
  static fromJSON(json: unknown, where = 'vocabulary'): Vocabulary {
    const chars = (json as Partial<VocabularyJSON> | null)?.chars;
    if (!Array.isArray(chars)) {
      throw new SeqcastError('BAD_MODEL', `${where}: field "chars" must be an array of characters`, { where: `${where}.chars` });
    }
    try {
      return new Vocabulary(chars as string[]);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new SeqcastError('BAD_MODEL', `${where}: ${msg}`, { where: `${where}.chars` });
    }
  }

  toJSON(): VocabularyJSON {
    return { chars: [...this.chars] };
  }

  get size(): number {
    return this.chars.length;
  }

  has(c: string): boolean {
    return this.index.has(c);
  }

  /** Id of `c`, or -1. */
  indexOf(c: string): number {
    return this.index.get(c) ?? -1;
  }

  /**
   * Ids of every character of `text`. An unknown character throws UNKNOWN_CHAR naming it and its
   * position (code-point index); `where` prefixes the position, e.g. "--text".
   */
  encode(text: string, where = 'text'): Int32Array {
    const cs = Array.from(text);
    const ids = new Int32Array(cs.length);
    for (let i = 0; i < cs.length; i++) {
      const id = this.index.get(cs[i]!);
      if (id === undefined) {
        throw new SeqcastError(
          'UNKNOWN_CHAR',
          `character ${showChar(cs[i]!)} at position ${i} of ${where} is not in the model's vocabulary (${this.size} characters)`,
          { where: `${where}[${i}]`, char: cs[i], position: i },
        );
      }
      ids[i] = id;
    }
    return ids;
  }

  /** Characters for `ids` joined into a string. */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const c = this.chars[ids[i]!];
      if (c === undefined) throw new SeqcastError('BAD_ARGUMENT', `id ${ids[i]} is outside the vocabulary (0..${this.size - 1})`);
      s += c;
    }
    return s;
  }
}
