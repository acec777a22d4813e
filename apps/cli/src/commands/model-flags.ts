/**
 * CLI flags derived from the model registry: every registered kind's options table becomes
 * `--kebab-case` flags (`learningRate` → `--learning-rate`), parsed and range-checked by the
 * table itself, so a new model's options reach `forecast train --model` and `forecast backtest`
 * without a line here.
 */
import { checkFields, SeqcastError, isSeqcastError } from '@seqcast/core';
import { MODEL_KINDS, type ModelKindEntry } from '@seqcast/forecast';
import type { Flags } from '../args.js';

/** `learningRate` → `learning-rate`. */
export function flagName(option: string): string {
  return option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The option names of every registered kind's table, with their flags. */
function allOptions(): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of MODEL_KINDS) for (const o of Object.keys(k.options.shape)) out.set(flagName(o), o);
  return out;
}

/** parseArgs specs for every model option flag (all strings; the tables parse them). */
export function modelOptionFlagSpecs(): Record<string, { type: 'string' }> {
  return Object.fromEntries([...allOptions().keys()].map((f) => [f, { type: 'string' as const }]));
}

/** The flags that are model options and were given. */
export function givenModelFlags(flags: Flags): string[] {
  return [...allOptions().keys()].filter((f) => flags[f] !== undefined);
}

/** A zod field's definition, as far as the flags need it (no zod import in the CLI). */
interface FieldDef {
  def: { type: string; innerType?: FieldDef };
}

/** The field's type under optional/default wrappers: 'number', 'boolean', 'string', 'enum', … */
function bareType(field: FieldDef): string {
  let f = field;
  while ((f.def.type === 'optional' || f.def.type === 'default') && f.def.innerType) f = f.def.innerType;
  return f.def.type;
}

/** A flag's text as the field's type: numbers, true/false, or the text. */
function flagValue(field: FieldDef, flag: string, text: string): unknown {
  const type = bareType(field);
  if (type === 'number') {
    const n = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(n))
      throw new SeqcastError('BAD_ARGUMENT', `--${flag} must be a number (received "${text}")`, { where: `--${flag}` });
    return n;
  }
  if (type === 'boolean') {
    if (text !== 'true' && text !== 'false')
      throw new SeqcastError('BAD_ARGUMENT', `--${flag} must be true or false (received "${text}")`, { where: `--${flag}` });
    return text === 'true';
  }
  return text;
}

/**
 * The options of `kinds` given as flags, per kind, checked by each kind's table (only the flags
 * given; defaults stay the table's). A model flag that none of `kinds` takes is refused, naming it.
 */
export function modelOptionsFromFlags(flags: Flags, kinds: readonly ModelKindEntry[]): Record<string, Record<string, unknown>> {
  const options = allOptions();
  const given = givenModelFlags(flags);
  for (const f of given) {
    const key = options.get(f)!;
    if (!kinds.some((k) => key in k.options.shape)) {
      const names = kinds.map((k) => k.kind).join(', ');
      throw new SeqcastError('BAD_ARGUMENT', `--${f} is not an option of ${kinds.length === 1 ? 'model' : 'models'} ${names}`, { where: `--${f}` });
    }
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const k of kinds) {
    const shape = k.options.shape as unknown as Record<string, FieldDef>;
    const values: Record<string, unknown> = {};
    for (const f of given) {
      const key = options.get(f)!;
      if (shape[key]) values[key] = flagValue(shape[key], f, String(flags[f]));
    }
    try {
      out[k.kind] = checkFields(k.options, values, '--');
    } catch (e) {
      // The table names the option; the user typed its flag.
      if (isSeqcastError(e)) {
        const key = e.message.match(/^--(\w+)/)?.[1];
        if (key) throw new SeqcastError('BAD_ARGUMENT', e.message.replace(`--${key}`, `--${flagName(key)}`), { where: `--${flagName(key)}` });
      }
      throw e;
    }
  }
  return out;
}

/** One line per kind for `--help`: its name, summary and option flags. */
export function modelKindsHelp(): string {
  return MODEL_KINDS.map((k) => {
    const flags = Object.keys(k.options.shape).map((o) => `--${flagName(o)}`);
    return `  ${k.kind.padEnd(13)} ${k.summary}${flags.length ? ` (options: ${flags.join(' ')})` : ''}`;
  }).join('\n');
}
