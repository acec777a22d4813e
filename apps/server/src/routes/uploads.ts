/**
 * Training from a CSV upload: `POST /v1/jobs/csv` takes the file itself as a `text/csv` body
 * (read as it arrives, up to `maxUploadBytes`) and the rest of the job — kind, name, options,
 * csvOptions — in the query, then submits it exactly as `POST /v1/jobs` does (same schema, same
 * checks, same record). A plain body rather than multipart: one file and a few small fields need
 * no part parser, curl sends it with `--data-binary @file`, a browser with `fetch(url, { body:
 * file })`, and nothing but the CSV is ever buffered.
 */
import type { Request } from 'express';
import { SeqcastError } from '@seqcast/core';
import { readCsvUpload } from '../http/csv-upload.js';
import { IDEMPOTENCY_KEY_HOURS } from '../jobs/idempotency.js';
import { parseBody, requestSchemas, type RequestSchemas } from '../schemas.js';
import type { ResolvedOptions } from '../options.js';
import { jobAccepted, jobSubmitErrors, submitJobAnswer } from './jobs.js';
import { route } from './route.js';

const schemaCache = new WeakMap<ResolvedOptions['limits'], RequestSchemas>();
function schemasOf(limits: ResolvedOptions['limits']): RequestSchemas {
  let s = schemaCache.get(limits);
  if (!s) schemaCache.set(limits, (s = requestSchemas(limits)));
  return s;
}

/** Query parameters holding JSON objects (the job request's nested fields). */
const JSON_FIELDS = ['options', 'csvOptions'] as const;
const QUERY_FIELDS = new Set(['kind', 'model', 'name', ...JSON_FIELDS]);

/** The job request's fields besides the CSV, from the query; errors name `query.<field>`. */
function jobFieldsOf(req: Request): Record<string, unknown> {
  const query = req.query as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    const where = `query.${key}`;
    if (!QUERY_FIELDS.has(key)) {
      throw new SeqcastError('BAD_ARGUMENT', `${where}: unknown query parameter (the job's fields are kind, model, name, options and csvOptions)`, { where });
    }
    if (typeof value !== 'string') throw new SeqcastError('BAD_ARGUMENT', `${where}: give it once, as a plain value`, { where });
    if (!(JSON_FIELDS as readonly string[]).includes(key)) {
      fields[key] = value;
      continue;
    }
    try {
      fields[key] = JSON.parse(value);
    } catch (e) {
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new SeqcastError('BAD_ARGUMENT', `${where} must be a JSON object, URL-encoded (${why})`, { where });
    }
  }
  if (fields.kind === 'chars') {
    throw new SeqcastError('BAD_ARGUMENT', 'query.kind: chars jobs send their text in a JSON body to POST /v1/jobs; uploads are CSV files (forecast, panel)', {
      where: 'query.kind',
    });
  }
  return fields;
}

/** A job request's validation error, its field moved from the body to the query (`options.horizon` -> `query.options.horizon`). */
function inQuery(e: unknown): unknown {
  const where = e instanceof SeqcastError ? e.details.where : undefined;
  if (!(e instanceof SeqcastError) || where === undefined || where === 'body') return e;
  const message = e.message.startsWith(where) ? `query.${e.message}` : e.message;
  return new SeqcastError(e.code, message, { ...e.details, where: `query.${where}` });
}

export const uploadRoutes = [
  route({
    method: 'post',
    path: '/v1/jobs/csv',
    operationId: 'submitCsvJob',
    auth: 'token',
    jobQueue: true,
    summary:
      'Train a forecast or panel model from a CSV file sent as the body (text/csv, up to maxUploadBytes, 64 MiB by default; no JSON body limit); the rest of the job request comes in the query. Answers as POST /v1/jobs',
    upload: {
      mediaType: 'text/csv',
      description: "The training CSV file as it is (UTF-8, or UTF-16 with a byte-order mark); the job's `csv` field",
    },
    query: {
      kind: { description: 'Job kind', required: true, schema: { type: 'string', enum: ['forecast', 'panel'] } },
      model: { description: 'Panel jobs: the registered model kind to train (GET /v1/model-kinds); default global', schema: { type: 'string' } },
      name: { description: 'Model name the result is published under (as in JobRequest)', required: true, schema: { type: 'string' } },
      options: {
        description:
          'The job\'s `options` as JSON, URL-encoded (as in JobRequest), e.g. `{"target":"Close","horizon":5}`, or a panel with covariates `{"target":"sales","horizon":28,"futureFeatures":["promo"],"staticFeatures":["store_type"]}`',
        required: true,
        schema: { type: 'string' },
      },
      csvOptions: { description: "The job's `csvOptions` as JSON, URL-encoded (as in JobRequest)", schema: { type: 'string' } },
    },
    headers: {
      'Idempotency-Key': {
        description: `Optional, as for POST /v1/jobs (a resubmit with the same key within ${IDEMPOTENCY_KEY_HOURS} h answers the first job)`,
        schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
      },
    },
    reply: jobAccepted,
    errors: jobSubmitErrors,
    handle: async (ctx, { req, res }) => {
      const schema = schemasOf(ctx.options.limits).job;
      const fields = jobFieldsOf(req);
      // The query is checked before a byte of the body is read: a wrong option costs no upload.
      try {
        parseBody(schema, { ...fields, csv: '-' });
      } catch (e) {
        throw inQuery(e);
      }
      const csv = await readCsvUpload(req, ctx.options.limits.maxUploadBytes);
      return submitJobAnswer(ctx, parseBody(schema, { ...fields, csv }), req, res);
    },
  }),
];
