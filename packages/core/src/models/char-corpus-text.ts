/** A corpus as vocabulary ids: its vocabulary, its encoding in one compact array, and its fingerprint. */
import { SeqcastError } from '../errors.js';
import { showChar, Vocabulary } from '../vocab.js';

/** A text as vocabulary ids, one per character (the narrowest array that holds the vocabulary). */
export type CorpusIds = Uint8Array | Uint16Array | Int32Array;

/**
 * The vocabulary of a (possibly very long) text without materialising one string per character:
 * its distinct code points sorted, as Vocabulary.fromText gives.
 *
 * @example
 * corpusVocabulary('hihello').chars;   // ['e', 'h', 'i', 'l', 'o']
 */
export function corpusVocabulary(text: string): Vocabulary {
  if (typeof text !== 'string' || text.length === 0) throw new SeqcastError('BAD_INPUT', 'cannot build a vocabulary from empty text');
  const seen = new Uint8Array(65536);
  const astral = new Set<number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        astral.add(text.codePointAt(i)!);
        i++;
        continue;
      }
    }
    seen[c] = 1;
  }
  const cps: number[] = [];
  for (let c = 0; c < 65536; c++) if (seen[c]) cps.push(c);
  // One push per code point: spreading a large set as arguments overflows the call stack.
  for (const cp of [...astral].sort((a, b) => a - b)) cps.push(cp);
  return new Vocabulary(cps.map((cp) => String.fromCodePoint(cp)));
}

/**
 * Ids of every character of `text` in a compact array (1 byte per character for vocabularies up to
 * 256). Characters outside the vocabulary are one UNKNOWN_CHAR error naming each of them (up to 10)
 * with its first position; `where` names the source, e.g. "--text".
 *
 * @example
 * encodeCorpus(Vocabulary.fromText('hihello'), 'hell');   // Uint8Array [1, 0, 3, 3]
 */
export function encodeCorpus(vocabulary: Vocabulary, text: string, where = 'text'): CorpusIds {
  const V = vocabulary.size;
  const table = new Int32Array(65536).fill(-1);
  const astral = new Map<number, number>();
  vocabulary.chars.forEach((c, id) => {
    const cp = c.codePointAt(0)!;
    if (c.length === 1) table[c.charCodeAt(0)] = id;
    else astral.set(cp, id);
  });
  const out = V <= 256 ? new Uint8Array(text.length) : V <= 65536 ? new Uint16Array(text.length) : new Int32Array(text.length);
  const unknown = new Map<string, number>();
  let n = 0;
  for (let i = 0; i < text.length; i++, n++) {
    const c = text.charCodeAt(i);
    let id = table[c]!;
    let ch: string | undefined;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = text.codePointAt(i)!;
        id = astral.get(cp) ?? -1;
        ch = String.fromCodePoint(cp);
        i++;
      }
    }
    if (id < 0) {
      ch ??= text[i]!;
      if (!unknown.has(ch)) unknown.set(ch, n);
      continue;
    }
    out[n] = id;
  }
  if (unknown.size > 0) {
    const list = [...unknown];
    const [firstChar, firstPos] = list[0]!;
    const shown = list.slice(0, 10).map(([c, p]) => `${showChar(c)} at position ${p}`);
    const more = list.length > 10 ? ` and ${list.length - 10} more` : '';
    const message =
      list.length === 1
        ? `character ${shown[0]} of ${where} is not in the model's vocabulary (${V} characters)`
        : `${list.length} characters of ${where} are not in the model's vocabulary (${V} characters): ${shown.join(', ')}${more}`;
    throw new SeqcastError('UNKNOWN_CHAR', message, { where: `${where}[${firstPos}]`, char: firstChar, position: firstPos, chars: list.map(([c]) => c) });
  }
  return out.subarray(0, n);
}

/** A cheap fingerprint of a corpus (length + FNV-1a over up to ~1M sampled ids): tells a resume it has the same text. */
export function fingerprint(ids: CorpusIds): string {
  const stride = Math.max(1, Math.floor(ids.length / 1_000_000));
  let h = 0x811c9dc5;
  for (let i = 0; i < ids.length; i += stride) h = Math.imul(h ^ ids[i]!, 0x01000193) >>> 0;
  return `${ids.length}:${h.toString(16)}`;
}
