/**
 * Request and response schemas (zod), the single source for validation AND for the OpenAPI
 * document. Request schemas depend on the configured limits, so they are built per app.
 *
 * Validation failures become one-line 400s naming the JSON field, e.g.
 * `rows[3].close must be a number (received "abc")`.
 */
import { z } from 'zod';
import { reportedIssue, SeqcastError } from '@seqcast/core';
import { JOB_STATES } from './wire.js';
import { int, INT_MSG, jobSchemas } from './job-schemas.js';
import type { ResolvedOptions } from './options.js';
import type * as wire from './wire.js';

/** `rows[3].close` for the path ['rows', 3, 'close']. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') {
    const s = v.length > 40 ? `${v.slice(0, 40)}…` : v;
    return JSON.stringify(s);
  }
  return String(v);
}

const ARTICLE: Record<string, string> = {
  int: 'an integer',
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  object: 'an object',
  array: 'an array',
  boolean: 'a boolean',
};

/** One line for the first zod issue, naming the field. */
export function formatIssue(issue: z.core.$ZodIssue, root = 'body'): { message: string; where: string } {
  const where = issue.path.length ? fieldPath(issue.path) : root;
  const input = (issue as { input?: unknown }).input;
  // The models' options tables word their own rule ("must be a positive integer").
  if (issue.message.startsWith('must ') && input !== undefined) return { message: `${where} ${issue.message} (received ${describeValue(input)})`, where };
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return { message: `${where} is required`, where };
      const want = issue.message === INT_MSG ? 'an integer' : (ARTICLE[issue.expected] ?? issue.expected);
      return { message: `${where} must be ${want} (received ${describeValue(input)})`, where };
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      const what = issue.origin === 'string' ? `at most ${max} characters` : issue.origin === 'array' ? `at most ${max} items` : `<= ${max}`;
      // A custom message (the server limits) already names the field and the limit.
      if (!issue.message.startsWith('Too big')) return { message: issue.message, where };
      return { message: `${where} must be ${what}`, where };
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      const strict = issue.inclusive === false;
      const what =
        issue.origin === 'string'
          ? min <= 1
            ? 'non-empty'
            : `at least ${min} characters`
          : issue.origin === 'array'
            ? `at least ${min} item${min === 1 ? '' : 's'}`
            : `${strict ? '>' : '>='} ${min}`;
      return { message: `${where} must be ${what}`, where };
    }
    case 'unrecognized_keys':
      return {
        message: `${where === 'body' ? '' : `${where}: `}unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`,
        where,
      };
    case 'invalid_value':
      return { message: `${where} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`, where };
    case 'invalid_format':
      // Patterns carry their own message (e.g. the model-name rule).
      if (!issue.message.startsWith('Invalid')) return { message: issue.message, where };
      return { message: `${where} has an invalid format`, where };
    case 'invalid_union': {
      // A discriminated union with a bad discriminator ("Invalid discriminator value. Expected 'a' | 'b'").
      const m = /Expected (.*)$/.exec(issue.message);
      if (m) {
        // An optional discriminator (a panel job's `model`) lists "undefined" among the values: leave it out.
        const values = m[1]!.split(' | ').filter((v) => v !== "'undefined'");
        return { message: `${where} must be one of ${values.map((v) => v.replace(/'/g, '"')).join(', ')}`, where };
      }
      return { message: `${where}: ${issue.message}`, where };
    }
    default:
      return { message: `${where}: ${issue.message}`, where };
  }
}

/**
 * Parse `value` with `schema` or throw a 400 naming the first bad field.
 *
 * @example
 * const body = parseBody(schemas.next, req.body);   // throws SeqcastError('BAD_ARGUMENT', 'top must be an integer …')
 */
/**
 * Check the items of a panel body's `series` (see panelForecastShallow) `chunk` at a time, the
 * event loop turning between chunks; the first bad one is a 400 naming `series[i]…`, as the
 * whole-body check would.
 */
export async function checkPanelSeries(
  schema: RequestSchemas['panelSeries'],
  series: readonly unknown[],
  chunk: number,
  turn: () => Promise<void>,
): Promise<z.output<RequestSchemas['panelSeries']>[]> {
  const out: z.output<RequestSchemas['panelSeries']>[] = [];
  for (let from = 0; from < series.length; from += chunk) {
    if (from > 0) await turn();
    const part = series.slice(from, from + chunk);
    const r = z.array(schema).safeParse(part, { reportInput: true });
    if (!r.success) {
      const first = r.error.issues[0]!;
      const [i, ...rest] = first.path;
      const { message, where } = formatIssue({ ...first, path: ['series', from + (i as number), ...rest] });
      throw new SeqcastError('BAD_ARGUMENT', message, { where });
    }
    for (const s of r.data) out.push(s);
  }
  return out;
}

export function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  if (value === undefined) {
    throw new SeqcastError('BAD_ARGUMENT', 'request body must be a JSON object (send Content-Type: application/json)', { where: 'body' });
  }
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  const { message, where } = formatIssue(reportedIssue(r.error.issues));
  throw new SeqcastError('BAD_ARGUMENT', message, { where });
}

const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().optional(),
    code: z.string(),
    where: z.string().optional(),
    requestId: z.string().optional(),
  })
  .meta({ description: 'RFC 9457 problem details' });

const inputContract = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('chars'), vocabulary: z.array(z.string()) }),
  z.object({
    kind: z.literal('forecast'),
    features: z.array(z.string()),
    target: z.string(),
    window: z.int(),
    horizon: z.int(),
    season: z.int(),
    context: z.int().meta({ description: 'Rows of history a forecast request needs' }),
    newestFirst: z.boolean().meta({ description: 'The training CSV listed its newest row first (POST /v1/csv with "model" reads a file so)' }),
  }),
  z.object({
    kind: z.literal('panel'),
    target: z.string(),
    horizon: z.int(),
    season: z.int(),
    covariates: z
      .object({ past: z.array(z.string()), future: z.array(z.string()), static: z.array(z.string()), calendar: z.array(z.string()) })
      .optional()
      .meta({
        description:
          'Columns each row of a series must carry (past, future-known, static), and the future-known ones each `future` row must carry; calendar inputs come from `times`. Absent: the target alone',
      }),
  }),
]);

const modelQuality = z
  .object({
    metric: z
      .enum(['mase', 'owa'])
      .meta({ description: 'mase: one-step MASE (per-series forecasters); owa: OWA relative to Naive2 = 1 (panel models); lower is better' }),
    on: z.string().nullable().meta({ description: 'Where the score was measured; null without a validation stretch' }),
    model: z.number().nullable().meta({ description: "The served forecasts' score" }),
    baselines: z.record(z.string(), z.number()).meta({ description: "Each baseline's score on the same stretch" }),
    ships: z.string().meta({ description: "What the served forecasts are: the network, a mix, or a baseline's own" }),
    worseThanNaive2: z.boolean().optional().meta({ description: 'Panel models: scored worse than Naive2 on the validation stretch' }),
    summary: z.string(),
  })
  .meta({ description: "A forecasting model's validation score against its baselines" });

const modelDescription = z.object({
  name: z.string(),
  kind: z.enum(['chars', 'forecast', 'panel']),
  version: z.int().min(1),
  versions: z.array(z.int()),
  created: z.string(),
  metrics: z.record(z.string(), z.unknown()),
  input: inputContract,
  quality: modelQuality.nullable().meta({ description: 'Validation score against the baselines; null for chars models' }),
});

const jobRecord = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['chars', 'forecast', 'panel']),
  modelKind: z.string().optional().meta({ description: 'Panel jobs: the registered model kind trained (GET /v1/model-kinds)' }),
  state: z.enum(JOB_STATES),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  step: z
    .int()
    .meta({ description: 'Training steps finished (0 before the first): epochs of a chars or forecast job, optimizer steps of a panel job (see unit)' }),
  steps: z.int().meta({ description: 'Training steps planned (a panel job may stop before them: see stoppedBy)' }),
  unit: z.string().meta({ description: 'What a step is: epoch (chars and forecast jobs) or step (an optimizer step: panel jobs)' }),
  epoch: z.int().meta({ deprecated: true, description: 'Deprecated: the same as step; removed in the next release' }),
  epochs: z.int().meta({ deprecated: true, description: 'Deprecated: the same as steps; removed in the next release' }),
  loss: z.number().nullable(),
  elapsedMs: z.number(),
  etaMs: z.number().nullable(),
  options: z.record(z.string(), z.unknown()),
  model: z.object({ name: z.string(), version: z.int() }).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  stoppedBy: z
    .enum(['steps', 'time'])
    .optional()
    .meta({ description: 'Finished panel jobs: time = the time budget (options.minutes) ended training before its planned `steps`; steps = all ran' }),
});

const interval = z.object({ lower: z.array(z.number()), upper: z.array(z.number()) });

/** Response schemas (fixed). */
export const responses = {
  problem,
  health: z.object({
    status: z.literal('ok'),
    backend: z.string(),
    models: z.int().min(0),
    jobs: z.object({
      running: z.int(),
      queued: z.int(),
      mode: z.enum(['embedded', 'queue']).meta({ description: 'embedded: this server trains; queue: workers on a Redis queue do (docs/scale.md)' }),
    }),
    uptimeSeconds: z.number(),
  }),
  model: modelDescription,
  models: z.object({ models: z.array(modelDescription) }),
  next: z.object({ next: z.array(z.object({ char: z.string(), p: z.number().min(0).max(1) })) }),
  generate: z.object({ text: z.string() }),
  forecast: z.object({ forecast: z.array(z.number()) }),
  panelForecast: z.object({
    target: z.string(),
    steps: z.int(),
    forecasts: z.array(
      z.object({
        id: z.string(),
        dates: z.array(z.string()).optional().meta({ description: "Time of each forecast step, continuing the request's `times` at the series' frequency" }),
        values: z.array(z.number()),
        intervals: z.object({ '80': interval, '95': interval }).optional(),
      }),
    ),
  }),
  job: jobRecord,
  jobs: z.object({ jobs: z.array(jobRecord) }),
  modelKinds: z.object({
    kinds: z.array(
      z.object({
        kind: z.string().meta({ description: "A panel job's `model`" }),
        name: z.string().meta({ description: 'Its column in `seqcast forecast backtest`' }),
        summary: z.string(),
        default: z.boolean().meta({ description: 'The kind a panel job without `model` trains' }),
        options: z.record(z.string(), z.unknown()).meta({ description: "JSON Schema of the job's `options` for this kind, each property with its default" }),
      }),
    ),
  }),
  csv: z.object({
    columns: z.array(z.string()),
    dateColumn: z.string().nullable(),
    idColumn: z.string().nullable(),
    ignored: z.array(z.string()),
    delimiter: z.string(),
    droppedRows: z.int(),
    series: z.array(
      z.object({
        id: z.string().nullable(),
        rows: z.int(),
        dates: z.array(z.string()).nullable(),
        lines: z.array(z.int()).meta({ description: '1-based file line of each row' }),
        values: z.record(z.string(), z.array(z.number())),
        labels: z
          .record(z.string(), z.array(z.string()))
          .optional()
          .meta({ description: "A panel model's text (categorical) covariate columns: each row's level name" }),
        future: z
          .record(z.string(), z.array(z.union([z.number(), z.string()])))
          .optional()
          .meta({
            description:
              "With `future` in the request: the next `steps` values of the model's future-known columns (send them as the panel forecast's series[i].future)",
          }),
      }),
    ),
  }),
};

/** Request schemas, built from the server's limits. */
export function requestSchemas(limits: ResolvedOptions['limits']) {
  const text = (field: string) => z.string().max(limits.maxTextLength, { error: `${field} must be at most ${limits.maxTextLength} characters (server limit)` });
  const next = z.strictObject({
    text: text('text').min(1),
    top: int().min(1).max(1000).optional().meta({ description: 'How many candidates (default 5; at most the vocabulary size)' }),
  });
  const generate = z.strictObject({
    prefix: text('prefix').min(1),
    length: z
      .int()
      .min(1)
      .max(limits.maxLength, { error: `length must be <= ${limits.maxLength} (server limit)` }),
    temperature: z.number().min(0).max(100).optional().meta({ description: '0 = always the most likely character; default 1' }),
    topK: int().min(1).optional(),
    topP: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .meta({ description: 'Nucleus sampling: only the most likely characters holding this much probability; default 1' }),
    seed: int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional()
      .meta({ description: 'Same seed, same text' }),
  });
  const forecast = z.strictObject({
    rows: z
      .array(z.record(z.string(), z.number()))
      .min(1)
      .max(limits.maxRows, { error: `rows must have at most ${limits.maxRows} items (server limit)` })
      .meta({ description: 'Oldest first; each row has a number for every feature of the model' }),
    steps: z
      .int()
      .min(1)
      .max(limits.maxSteps, { error: `steps must be <= ${limits.maxSteps} (server limit)` })
      .optional()
      .meta({ description: "Values to forecast (default: the model's horizon)" }),
  });
  const panelSeries = z.strictObject({
    id: z.string().min(1),
    rows: z
      .array(z.record(z.string(), z.union([z.number(), z.string().max(256)])))
      .min(1)
      .max(limits.maxRows, { error: `rows must have at most ${limits.maxRows} items (server limit)` })
      .meta({
        description:
          "Oldest first; each row has a number for the model's target and a value for each of its covariate columns (`input.covariates`: numbers, or level names for categorical ones)",
      }),
    times: z
      .array(z.string().max(64))
      .max(limits.maxRows, { error: `times must have at most ${limits.maxRows} items (server limit)` })
      .optional()
      .meta({
        description:
          "Time cell of each row (dates or integers), oldest first; the answer then carries the forecast `dates` at the series' own frequency (business days stay Mon–Fri). A model with calendar inputs (`input.covariates.calendar`) needs them: the forecast steps' positions in the day / week / year come from these dates",
      }),
    future: z
      .array(z.record(z.string(), z.union([z.number(), z.string().max(256)])))
      .max(limits.maxSteps, { error: `future must have at most ${limits.maxSteps} items (server limit)` })
      .optional()
      .meta({
        description:
          'Models trained with future-known covariates: one row per forecast step (at least `steps`), each with a value for every future-known column, e.g. `[{"promo": 1}, {"promo": 0}]`',
      }),
  });
  const panelForecast = z
    .strictObject({
      series: z.array(panelSeries).min(1).max(10_000, { error: 'series must have at most 10000 items (server limit)' }),
      steps: z
        .int()
        .min(1)
        .max(limits.maxSteps, { error: `steps must be <= ${limits.maxSteps} (server limit)` })
        .optional()
        .meta({ description: "Values to forecast per series (default: the model's horizon)" }),
    })
    .meta({ description: 'Panel models (any registered kind): many series, one model' });
  // The same body with its series left unchecked: the server checks them a chunk at a time
  // (checkPanelSeries), as one pass over 10,000 series holds the event loop for ~50-300 ms.
  const panelForecastShallow = panelForecast.extend({
    series: z.array(z.unknown()).min(1).max(10_000, { error: 'series must have at most 10000 items (server limit)' }),
  });
  const { job, csvOptions } = jobSchemas(limits);
  const csv = z.strictObject({
    csv: z.string().min(1).meta({ description: 'CSV content (never a path or URL)' }),
    csvOptions: csvOptions.optional(),
    idColumn: z
      .string()
      .min(1)
      .nullable()
      .optional()
      .meta({ description: 'Text column that names the series of a panel (default: the first text column; null: one series)' }),
    model: z.string().min(1).optional().meta({
      description:
        "Read the file as this forecast model's `forecast predict` does, with its saved read layout (newest-first rows, missing policy, a panel's id and time columns); excludes csvOptions and idColumn",
    }),
    future: z.string().min(1).optional().meta({
      description:
        "With `model` (a panel model trained with future-known covariates): the future file's CSV content (its id and time columns and the future-known columns for the next `steps` steps of each series, no target), read as `forecast predict --future` reads it; each series of the answer gets its `future` values",
    }),
    steps: int()
      .min(1)
      .max(limits.maxSteps, { error: `steps must be <= ${limits.maxSteps} (server limit)` })
      .optional()
      .meta({ description: 'With `future`: the steps the forecast will ask for (each series needs that many future rows)' }),
  });
  return { next, generate, forecast, panelForecast, panelSeries, panelForecastShallow, job, csv };
}

export type RequestSchemas = ReturnType<typeof requestSchemas>;

// Compile-time: each wire type (wire.ts, what apps/web reads) is exactly what its schema accepts or
// returns; a drift fails the build. (The job record the server stores is wire's JobRecord itself.)
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Out<K extends keyof typeof responses> = z.output<(typeof responses)[K]>;
type In<K extends keyof RequestSchemas> = z.input<RequestSchemas[K]>;
const wireMatchesSchemas: [
  Same<Out<'health'>, wire.Health>,
  Same<Out<'model'>, wire.ModelDescription>,
  Same<Out<'models'>, wire.ModelList>,
  Same<Out<'next'>, wire.NextResponse>,
  Same<Out<'generate'>, wire.GenerateResponse>,
  Same<Out<'forecast'>, wire.SeriesForecastResponse>,
  Same<Out<'panelForecast'>, wire.PanelForecastResponse>,
  Same<Out<'job'>, wire.JobRecord>,
  Same<Out<'jobs'>, wire.JobList>,
  Same<Out<'modelKinds'>, wire.ModelKindList>,
  Same<Out<'csv'>, wire.ParsedCsv>,
  Same<In<'next'>, wire.NextRequest>,
  Same<In<'generate'>, wire.GenerateRequest>,
  Same<In<'forecast'>, wire.SeriesForecastRequest>,
  Same<In<'panelForecast'>, wire.PanelForecastRequest>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
void wireMatchesSchemas;
