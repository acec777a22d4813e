/**
 * The training-job request schemas (POST /v1/jobs): per-series forecast jobs, char LM jobs and
 * one panel job per registered model kind (@seqcast/forecast's registry), each kind's options
 * derived from its own options table under the server's limits. GET /v1/model-kinds shows the
 * page the same panel options schemas, so the form's fields and defaults are these.
 */
import { z } from 'zod';
import { capFields, cellNames, charLMOptionsSchema, intField, optionalFields } from '@seqcast/core';
import { DEFAULT_MODEL_KIND, forecastOptionsSchema, panelModelKinds, type ModelKindEntry } from '@seqcast/forecast';
import { MODEL_NAME_PATTERN } from './models/names.js';
import type { ResolvedOptions } from './options.js';

/** An integer whose type error says "integer" (zod reports a plain "number" otherwise). */
export const INT_MSG = 'expected an integer';
export function int() {
  return z.int({ error: (iss) => (iss.code === 'invalid_type' ? INT_MSG : undefined) });
}

/** Options a shared server leaves out of a kind's table: they bound memory and time per process (the global model's network size). */
const SERVER_HIDDEN: Readonly<Record<string, readonly string[]>> = {
  global: ['units', 'members', 'batchSize', 'steps', 'cell', 'learningRate', 'linearStart'],
};

/** Unions the OpenAPI document states as anyOf rather than oneOf (see openapi.ts). */
export const ANY_OF_IN_DOCUMENT = new WeakSet<object>();

type Field = z.ZodDefault<z.ZodNumber> | z.ZodOptional<z.ZodNumber>;

/** Request schemas of training jobs, built from the server's limits. */
export function jobSchemas(limits: ResolvedOptions['limits']) {
  const name = z.string().regex(new RegExp(MODEL_NAME_PATTERN), {
    error: `name must be 1-64 letters, digits, "_" or "-", starting with a letter or digit`,
  });
  /** A table's field under a server cap (the table's default kept for the document and the form). */
  const capped = (field: Field, max: number, error: string) =>
    field
      .unwrap()
      .max(max, { error })
      .optional()
      .meta({ ...field.meta(), ...(field instanceof z.ZodDefault ? { default: field.def.defaultValue as number } : {}) });
  const serverEpochs = (field: Field) => capped(field, limits.maxEpochs, `options.epochs must be <= ${limits.maxEpochs} (server limit)`);
  const serverFeatures = z.array(z.string().min(1)).max(64).optional().meta({ description: 'Input columns besides the target (at most 64)' });
  const columns = (description: string) => z.array(z.string().min(1)).max(64).optional().meta({ description });
  /** A panel job's covariates (models that read them: the global model; any other kind refuses them at submit). */
  const panelCovariates = {
    features: columns(
      'Past covariates: columns known up to the forecast origin, read beside the target in every input window (at most 64; text columns are categorical)',
    ),
    futureFeatures: columns(
      "Future-known covariates: columns known in advance (a planned promotion); a forecast then needs their values for each step ahead (the panel forecast's series[i].future)",
    ),
    staticFeatures: columns('Static covariates: columns constant within each series (a store type; numeric or text)'),
    calendar: z.enum(['auto', 'on', 'off']).optional().meta({
      description:
        'Position in day / week / year from a date time column as inputs: auto (those the season does not show, the history covers twice and the data shows an effect at), on (every one the frequency makes meaningful), off',
      default: 'auto',
    }),
  };
  /** A table's cell field as the registered names (so the document lists them). */
  const cellEnum = (field: z.ZodDefault<z.ZodType<string>>) =>
    z
      .enum(cellNames() as [string, ...string[]])
      .optional()
      .meta({ ...field.meta(), default: field.def.defaultValue });
  const csvOptions = z.strictObject({
    delimiter: z.enum([',', ';', '\t']).optional(),
    newestFirst: z.boolean().optional(),
    dateColumn: z.string().nullable().optional(),
    missing: z.enum(['error', 'drop', 'ffill']).optional(),
  });
  const forecastJob = z.strictObject({
    kind: z.literal('forecast'),
    name,
    csv: z.string().min(1).meta({ description: 'CSV content (never a path or URL)' }),
    csvOptions: csvOptions.optional(),
    // SeriesForecaster.fit's own table; the CSV reading options (newestFirst, missing) come in csvOptions,
    // and the CLI's records of how it read the file (timeColumns, frequency) are not options here.
    options: optionalFields(forecastOptionsSchema)
      .omit({ newestFirst: true, missing: true, timeColumns: true, frequency: true })
      .extend({
        target: forecastOptionsSchema.shape.target,
        features: serverFeatures,
        epochs: serverEpochs(forecastOptionsSchema.shape.epochs),
        cell: cellEnum(forecastOptionsSchema.shape.cell),
      })
      .strict()
      .meta({ description: 'SeriesForecaster.fit options (see @seqcast/forecast)' }),
  });
  const charsOptions = capFields(charLMOptionsSchema, { seqLength: 1000, layers: 4, hidden: 1024, learningRate: 10, batchSize: 100_000 }, '(server limit)');
  const charsJob = z.strictObject({
    kind: z.literal('chars'),
    name,
    text: z.string().min(2).meta({ description: 'Training text (content, never a path or URL)' }),
    // CharLM.train's own table under the server's limits (its defaults shown in the document).
    options: optionalFields(charsOptions)
      .extend({
        seqLength: charsOptions.shape.seqLength,
        epochs: serverEpochs(charLMOptionsSchema.shape.epochs),
        cell: cellEnum(charLMOptionsSchema.shape.cell),
      })
      .strict()
      .meta({ description: 'CharLM.train options (see @seqcast/core)' }),
  });
  const panelCsvOptions = z
    .strictObject({
      delimiter: z.enum([',', ';', '\t']).optional(),
      idColumn: z.string().min(1).nullable().optional(),
      timeColumn: z.string().min(1).nullable().optional(),
      missing: z.enum(['error', 'drop', 'ffill']).optional(),
      short: z.enum(['skip', 'error']).optional(),
    })
    .optional();
  /** A kind's job options: its table (as given, defaults left to the model) under the server's caps, plus the panel's columns and the spec. */
  const panelOptions = (k: ModelKindEntry) => {
    const hidden = Object.fromEntries((SERVER_HIDDEN[k.kind] ?? []).map((o) => [o, true as const]));
    const shape = k.options.shape as Record<string, z.ZodType>;
    const caps: Record<string, z.ZodType> = {};
    if (shape.epochs) caps.epochs = serverEpochs(shape.epochs as Field);
    if (shape.minutes) caps.minutes = capped(shape.minutes as Field, 120, 'options.minutes must be <= 120 (server limit)');
    if (shape.cell && !hidden.cell) caps.cell = cellEnum(shape.cell as z.ZodDefault<z.ZodType<string>>);
    return optionalFields(k.options)
      .omit(hidden as never)
      .extend({
        target: z.string().min(1).meta({ description: 'Column to forecast' }),
        ...panelCovariates,
        horizon: intField(1, 1000).meta({ description: 'Steps ahead H the model forecasts' }),
        season: intField(1, 1000).optional().meta({ description: 'Seasonal period m (1 = none)', default: 1 }),
        ...caps,
      })
      .strict()
      .meta({ description: `${k.summary} (options of model kind "${k.kind}"; target and horizon are required)` });
  };
  const panelJob = (k: ModelKindEntry) =>
    z.strictObject({
      kind: z.literal('panel'),
      model: (k.kind === DEFAULT_MODEL_KIND ? z.literal(k.kind).optional() : z.literal(k.kind)).meta({
        description: `The registered model kind to train (GET /v1/model-kinds); default ${DEFAULT_MODEL_KIND}`,
      }),
      name,
      csv: z.string().min(1).meta({ description: 'Long-format CSV content (never a path or URL)' }),
      csvOptions: panelCsvOptions,
      options: panelOptions(k),
    });
  const panelKinds = panelModelKinds();
  const panelJobs = panelKinds.map(panelJob) as unknown as [ReturnType<typeof panelJob>, ...ReturnType<typeof panelJob>[]];
  const panel = z.discriminatedUnion('model', panelJobs);
  ANY_OF_IN_DOCUMENT.add(panel);
  const job = z.discriminatedUnion('kind', [forecastJob, panel, charsJob]);
  /** Per panel kind, its job options schema (what GET /v1/model-kinds documents). */
  const panelOptionsByKind = Object.fromEntries(panelKinds.map((k) => [k.kind, panelOptions(k)]));
  return { job, csvOptions, panelOptionsByKind };
}
