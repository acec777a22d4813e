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

/** A fraction strictly between 0 and 1 (a share of rows). */
export function fractionField(): z.ZodNumber {
  const msg = 'must be between 0 and 1';
  return z.number({ error: msg }).gt(0, { error: msg }).lt(1, { error: msg });
}

/**
 * The table with every default taken off and each field optional, the default kept in the
 * field's metadata (so a JSON Schema still shows it). For request schemas that record options
 * as given and leave the defaults to the library that parses them with the table itself.
 *
 * @example
 * z.strictObject(optionalFields(forecastOptionsSchema).shape)
 */
export function optionalFields<S extends z.ZodRawShape>(
  schema: z.ZodObject<S>,
): z.ZodObject<{ [K in keyof S]: z.ZodOptional<z.ZodType<Exclude<z.output<S[K]>, undefined>>> }> {
  const shape: Record<string, z.ZodType> = {};
  for (const [k, field] of Object.entries(schema.shape) as [string, z.ZodType][]) {
    const meta = field.meta() ?? {};
    const bare = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field instanceof z.ZodOptional ? (field.unwrap() as z.ZodType) : field;
    const def = field instanceof z.ZodDefault ? { default: field.def.defaultValue as unknown } : {};
    shape[k] = bare.optional().meta({ ...meta, ...def });
  }
  return z.object(shape) as never;
}

/**
 * The table with the upper bounds of some number fields lowered (a server's limits), each
 * field's default, optionality and description kept; `note` ends the message, e.g. "(server
 * limit)": `layers must be <= 4 (server limit)`.
 *
 * @example
 * capFields(charLMOptionsSchema, { layers: 4, hidden: 1024 }, '(server limit)')
 */
export function capFields<S extends z.ZodRawShape>(schema: z.ZodObject<S>, limits: { [K in keyof S]?: number }, note = ''): z.ZodObject<S> {
  const shape = { ...schema.shape } as unknown as Record<string, z.ZodType>;
  for (const [k, max] of Object.entries(limits) as [string, number | undefined][]) {
    const field = shape[k];
    if (max === undefined || !field) continue;
    const meta = field.meta() ?? {};
    const inner = field instanceof z.ZodDefault || field instanceof z.ZodOptional ? (field.unwrap() as z.ZodType) : field;
    if (!(inner instanceof z.ZodNumber)) throw new TypeError(`capFields: ${k} is not a number field`);
    let capped: z.ZodType = inner.max(max, { error: `must be <= ${max}${note ? ` ${note}` : ''}` });
    if (field instanceof z.ZodDefault) capped = capped.default(field.def.defaultValue as never);
    else if (field instanceof z.ZodOptional) capped = capped.optional();
    shape[k] = capped.meta(meta);
  }
  return z.object(shape) as never;
}

/**
 * Check one value with a table's field (an argument outside an options object): the value, or the
 * one-line BAD_ARGUMENT `parseOptions` gives, naming `name`.
 *
 * @example
 * const k = checkValue('top', intField(1), top);   // "top must be a positive integer (received 0)"
 */
export function checkValue<T>(name: string, field: z.ZodType<T>, value: unknown): T {
  return (parseOptions(z.object({ [name]: field }), { [name]: value }) as Record<string, T>)[name]!;
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
 * The issue to report: the first, except that a bound check on a number gives way to a tighter
 * bound of the same field. zod reports an integer's safe range (2^53 - 1) before the field's
 * own limit, so `top: 1e308` was told "<= 9007199254740991" where the limit is 1000.
 */
export function reportedIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  const first = issues[0]!;
  if (first.code !== 'too_big' && first.code !== 'too_small') return first;
  const samePath = (i: z.core.$ZodIssue) => i.path.length === first.path.length && i.path.every((k, j) => k === first.path[j]);
  let best = first;
  for (const i of issues) {
    if (i.code === 'too_big' && best.code === 'too_big' && samePath(i) && Number(i.maximum) < Number(best.maximum)) best = i;
    if (i.code === 'too_small' && best.code === 'too_small' && samePath(i) && Number(i.minimum) > Number(best.minimum)) best = i;
  }
  return best;
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
  const issue = reportedIssue(r.error.issues);
  const field = prefix + (issue.path.length ? issue.path.map(String).join('.') : 'options');
  const got = issue.code === 'unrecognized_keys' ? '' : ` (received ${JSON.stringify(valueAt(value, issue.path)) ?? 'undefined'})`;
  throw new SeqcastError('BAD_ARGUMENT', `${field} ${expected(issue)}${got}`, { where: field }, { cause: r.error });
}

/**
 * Check the given `values` of some fields of a table, no defaults filled: for a caller that
 * passes on only what it was given and leaves the defaults to the model (the CLI's flags, with
 * prefix '--': `--window must be a positive integer (received 0)`).
 */
export function checkFields<S extends z.ZodRawShape, K extends keyof S & string>(
  schema: z.ZodObject<S>,
  values: Partial<Record<K, unknown>>,
  prefix = '',
): { [P in K]?: Exclude<z.output<S[P]>, undefined> } {
  const mask = Object.fromEntries(Object.keys(values).map((k) => [k, true])) as Record<string, true>;
  return parseOptions(optionalFields(schema).pick(mask as never), values, prefix) as never;
}
