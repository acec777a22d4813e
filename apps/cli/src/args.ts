/**
 * Flag parsing for the CLI: a thin layer over node:util's parseArgs that turns every mistake
 * (unknown flag, missing value, not a number) into a one-line SeqcastError naming the flag.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SeqcastError } from '@seqcast/core/errors';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;
export type Flags = Record<string, string | boolean | undefined>;

/** Parse `argv` against `spec`; unknown flags and stray positionals are errors. */
export function parseFlags(argv: string[], spec: FlagSpec, command: string): Flags {
  // `--epochs -1`: a negative number after a flag that takes a value is that value (parseArgs
  // would call it ambiguous), so the range check can say what is wrong with it.
  const args = argv.map((a, i) => {
    const prev = argv[i - 1];
    const name = prev?.startsWith('--') ? prev.slice(2) : undefined;
    return name !== undefined && spec[name]?.type === 'string' && /^-\d/.test(a) ? `\u0000${a}` : a;
  });
  const joined: string[] = [];
  for (const a of args) {
    if (a.startsWith('\u0000')) joined[joined.length - 1] = `${joined[joined.length - 1]}=${a.slice(1)}`;
    else joined.push(a);
  }
  try {
    const { values } = parseArgs({ args: joined, options: { ...spec, debug: { type: 'boolean' } }, strict: true, allowPositionals: false });
    return values as Flags;
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    throw new SeqcastError('BAD_ARGUMENT', `${command}: ${msg.replace(/^TypeError.*?: /, '')}`, {}, { cause: e });
  }
}

export function requireString(flags: Flags, name: string, command: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || v === '') {
    throw new SeqcastError('BAD_ARGUMENT', `${command}: --${name} is required`, { where: `--${name}` });
  }
  return v;
}

export function optionalString(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
}

/** The given flags among `names` as numbers (a model's options table then checks their ranges). */
export function numberFlags<K extends string>(flags: Flags, names: readonly K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const n of names) {
    const v = optionalNumber(flags, n);
    if (v !== undefined) out[n] = v;
  }
  return out;
}

/** A numeric flag, or `undefined` when absent; a bad value names the flag and what was received. */
export function optionalNumber(flags: Flags, name: string, rule: NumberRule = {}): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const n = Number(text);
  const expected = rule.integer ? 'an integer' : 'a number';
  if (text === '' || !Number.isFinite(n) || (rule.integer && !Number.isInteger(n))) {
    throw new SeqcastError('BAD_ARGUMENT', `--${name} must be ${expected} (received "${text}")`, { where: `--${name}` });
  }
  if (rule.min !== undefined && n < rule.min) {
    throw new SeqcastError('BAD_ARGUMENT', `--${name} must be >= ${rule.min} (received ${n})`, { where: `--${name}` });
  }
  if (rule.max !== undefined && n > rule.max) {
    throw new SeqcastError('BAD_ARGUMENT', `--${name} must be <= ${rule.max} (received ${n})`, { where: `--${name}` });
  }
  return n;
}

/**
 * A list of column names given as one flag value, comma-separated. A name with a comma (or
 * quotes) is written in double quotes as in CSV: `--features '"Close, USD",Open'`; `""` inside
 * quotes is one quote. Unquoted names are trimmed; an unclosed quote or an empty list is an
 * error naming the flag.
 *
 * @example
 * columnList('"Close, USD", Open', '--features');   // ['Close, USD', 'Open']
 */
export function columnList(value: string | undefined, flag: string): string[] | undefined {
  if (value === undefined) return undefined;
  const names: string[] = [];
  let i = 0;
  for (;;) {
    while (value[i] === ' ') i++;
    let name: string;
    if (value[i] === '"') {
      name = '';
      let j = i + 1;
      for (;;) {
        const q = value.indexOf('"', j);
        if (q < 0) {
          throw new SeqcastError('BAD_ARGUMENT', `${flag}: the quote at character ${i + 1} is not closed (received ${JSON.stringify(value)})`, { where: flag });
        }
        name += value.slice(j, q);
        if (value[q + 1] === '"') {
          name += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      while (value[j] === ' ') j++;
      if (j < value.length && value[j] !== ',') {
        throw new SeqcastError('BAD_ARGUMENT', `${flag}: expected a comma after the quoted name ${JSON.stringify(name)} (received ${JSON.stringify(value)})`, {
          where: flag,
        });
      }
      i = j;
    } else {
      const end = value.indexOf(',', i);
      name = (end < 0 ? value.slice(i) : value.slice(i, end)).trim();
      i = end < 0 ? value.length : end;
    }
    if (name !== '') names.push(name);
    if (i >= value.length) break;
    i++; // the comma
  }
  if (!names.length) throw new SeqcastError('BAD_ARGUMENT', `${flag} must list column names separated by commas`, { where: flag });
  return names;
}
