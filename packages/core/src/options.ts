/**
 * Options tables: each model declares its options once, as a zod schema holding every field's
 * type, range, default and description; `parseOptions` fills the defaults and turns the first
 * problem into a one-line BAD_ARGUMENT naming the field, what it must be and what was received.
 * zod because the server already validates requests and writes its OpenAPI document with it, so
 * these tables can serve the library, the server and its documentation alike (one dialect).
 */
import { z } from 'zod';
import { SeqcastError } from './errors.js';
import { cellNames, hasCell } from './nn/cells/registry.js';

/** An integer field in [min, max] (messages as the rest of seqcast words them). */
export function intField(min: number, max = Number.MAX_SAFE_INTEGER): z.ZodNumber {
  const low = min === 1 ? 'must be a positive integer' : `must be an integer >= ${min}`;
  return z
    .number({ error: low })
    .int({ error: low })
    .min(min, { error: low })
    .max(max, { error: `must be an integer <= ${max}` });
}

/** A number > 0 and at most `max`. */
export function positiveField(max = Number.MAX_VALUE): z.ZodNumber {
  return z
    .number({ error: 'must be a positive number' })
    .positive({ error: 'must be a positive number' })
    .max(max, { error: `must be a number <= ${max}` });
}

/** A registered recurrent cell's name (checked when parsed, so cells registered later count). */
export function cellField(): z.ZodType<string> {
  return z.string().refine(hasCell, {
    error: () =>
      `must be one of ${cellNames()
        .map((n) => `"${n}"`)
        .join(', ')}`,
  });
}

function expected(issue: z.core.$ZodIssue): string {
  if (issue.message.startsWith('must ')) return issue.message;
  switch (issue.code) {
    case 'too_small':
      return `must be ${issue.origin === 'number' ? 'a number' : issue.origin} ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return `must be ${issue.origin === 'number' ? 'a number' : issue.origin} ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'must be an integer' : `must be ${issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}`;
    case 'unrecognized_keys':
      return `has no option ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    default:
      return issue.message.startsWith('must') ? issue.message : `is invalid (${issue.message})`;
  }
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/**
 * Parse `value` with an options table: defaults filled in, or a BAD_ARGUMENT for the first
 * problem, e.g. `seqLength must be a number >= 1 (received 0)` with `where: 'seqLength'`.
 * `prefix` is put before field names (e.g. `'config.'`).
 *
 * @example
 * const o = parseOptions(regressorFitOptions, { epochs: 20 });   // { epochs: 20, learningRate: 0.005, ... }
 */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = prefix + (issue.path.length ? issue.path.map(String).join('.') : 'options');
  const got = issue.code === 'unrecognized_keys' ? '' : ` (received ${JSON.stringify(valueAt(value, issue.path)) ?? 'undefined'})`;
  throw new SeqcastError('BAD_ARGUMENT', `${field} ${expected(issue)}${got}`, { where: field }, { cause: r.error });
}
