/**
 * The OpenAPI 3.1 document served at /openapi.json, generated from the same zod schemas that
 * validate requests (z.toJSONSchema, JSON Schema 2020-12 — OpenAPI 3.1's dialect), so the
 * document cannot drift from what the server accepts and returns.
 */
import { z } from 'zod';
import { createRequire } from 'node:module';
import { responses, type RequestSchemas } from './schemas.js';
import { MODEL_NAME_PATTERN } from './models/names.js';
import type { ResolvedOptions } from './options.js';

const require = createRequire(import.meta.url);
const pkg = require('../package.json') as { version: string; description: string };

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json): Json => ({ 'application/json': { schema } });
const problemResponse = (description: string): Json => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});

/**
 * Build the document for an app with these request schemas and options.
 *
 * @example
 * const doc = buildOpenApi(requestSchemas(opts.limits), opts);
 * doc.paths['/health'].get.responses['200'];
 */
export function buildOpenApi(requests: RequestSchemas, opts: ResolvedOptions): Json {
  const reg = z.registry<{ id: string }>();
  const named: Record<string, z.ZodType> = {
    Problem: responses.problem,
    Health: responses.health,
    Model: responses.model,
    ModelList: responses.models,
    NextRequest: requests.next,
    NextResponse: responses.next,
    GenerateRequest: requests.generate,
    GenerateResponse: responses.generate,
    ForecastRequest: z.union([requests.forecast, requests.panelForecast]),
    ForecastResponse: z.union([responses.forecast, responses.panelForecast]),
    JobRequest: requests.job,
    Job: responses.job,
    JobList: responses.jobs,
    CsvRequest: requests.csv,
    CsvResponse: responses.csv,
  };
  for (const [id, schema] of Object.entries(named)) reg.add(schema, { id });
  const out = z.toJSONSchema(reg, {
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: 'any',
  }) as { schemas: Record<string, Json> };
  // Component schemas live inside the document: no own $id / $schema.
  const schemas: Record<string, Json> = {};
  for (const [id, s] of Object.entries(out.schemas)) {
    const { $id: _id, $schema: _schema, ...rest } = s;
    schemas[id] = rest;
  }

  const nameParam = {
    name: 'name',
    in: 'path',
    required: true,
    description: 'Model name (an invalid name is answered 404 like an unknown one)',
    schema: { type: 'string', pattern: MODEL_NAME_PATTERN },
  };
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
  const bearer = [{ bearer: [] }];
  // Public operations say so explicitly (an empty requirement list), not by omission.
  const open: Json[] = [];
  // Operations that take no input: a 4XX can only come from the server's general handling (an
  // unparsable request line, a proxy); it is still problem+json, which is what clients rely on.
  const anyClientError = { '4XX': problemResponse('A client error (this operation takes no input; the shape every 4XX has)') };
  const common = {
    '400': problemResponse('Malformed JSON, a missing or wrongly typed field, or a value over a limit'),
    '413': problemResponse(`Body over the limit (${String(opts.bodyLimit)})`),
  };
  const auth = {
    '401': problemResponse('Missing or wrong bearer token'),
    '403': problemResponse('Switched off: the server runs without SEQCAST_TOKEN'),
  };
  const notFound = problemResponse('Unknown model (or not a valid model name)');

  return {
    openapi: '3.1.0',
    info: {
      title: 'seqcast',
      version: pkg.version,
      description: `${pkg.description}. Every error is application/problem+json (RFC 9457).`,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    paths: {
      '/health': {
        get: {
          operationId: 'health',
          security: open,
          summary: 'Liveness: backend and number of served models',
          responses: { '200': { description: 'Up', content: json(ref('Health')) }, ...anyClientError },
        },
      },
      '/v1/models': {
        get: {
          operationId: 'listModels',
          security: open,
          summary: 'Served models with version, training metrics and input contract',
          responses: { '200': { description: 'Models', content: json(ref('ModelList')) }, ...anyClientError },
        },
      },
      '/v1/models/{name}': {
        parameters: [nameParam],
        get: {
          operationId: 'getModel',
          security: open,
          summary: 'One served model',
          responses: { '200': { description: 'The model', content: json(ref('Model')) }, '404': notFound },
        },
        delete: {
          operationId: 'deleteModel',
          summary: 'Stop serving a model and delete every version of it',
          security: bearer,
          responses: { '204': { description: 'Deleted' }, ...auth, '404': notFound },
        },
      },
      '/v1/models/{name}/next': {
        parameters: [nameParam],
        post: {
          operationId: 'next',
          security: open,
          summary: 'Most likely next characters after `text` (chars models)',
          requestBody: { required: true, content: json(ref('NextRequest')) },
          responses: { '200': { description: 'Candidates, most likely first', content: json(ref('NextResponse')) }, ...common, '404': notFound },
        },
      },
      '/v1/models/{name}/generate': {
        parameters: [nameParam],
        post: {
          operationId: 'generate',
          security: open,
          summary: 'Continue `prefix` by `length` characters (chars models; same seed, same text)',
          requestBody: { required: true, content: json(ref('GenerateRequest')) },
          responses: { '200': { description: 'The continuation only', content: json(ref('GenerateResponse')) }, ...common, '404': notFound },
        },
      },
      '/v1/models/{name}/forecast': {
        parameters: [nameParam],
        post: {
          operationId: 'forecast',
          security: open,
          summary: 'Next `steps` values of the target from the last `window` rows (forecast models), or of every series with intervals (panel models: a `series` body)',
          requestBody: { required: true, content: json(ref('ForecastRequest')) },
          responses: { '200': { description: 'Forecast in original units', content: json(ref('ForecastResponse')) }, ...common, '404': notFound },
        },
      },
      '/v1/csv': {
        post: {
          operationId: 'parseCsv',
          security: open,
          summary: 'Parse CSV content exactly as a training job does (numeric columns oldest first, file lines; a panel split by its id column)',
          requestBody: { required: true, content: json(ref('CsvRequest')) },
          responses: { '200': { description: 'The series of the file', content: json(ref('CsvResponse')) }, ...common },
        },
      },
      '/v1/jobs': {
        get: {
          operationId: 'listJobs',
          security: open,
          summary: 'Training jobs, newest first',
          responses: { '200': { description: 'Jobs', content: json(ref('JobList')) }, ...anyClientError },
        },
        post: {
          operationId: 'submitJob',
          summary: 'Train a model from CSV or text content; the result is published as a new version of `name`',
          security: bearer,
          requestBody: { required: true, content: json(ref('JobRequest')) },
          responses: {
            '202': {
              description: 'Accepted; poll the Location or follow its /events',
              headers: { Location: { schema: { type: 'string' } } },
              content: json(ref('Job')),
            },
            ...common,
            ...auth,
            '409': problemResponse('Too many jobs waiting'),
          },
        },
      },
      '/v1/jobs/{id}': {
        parameters: [idParam],
        get: {
          operationId: 'getJob',
          security: open,
          summary: 'State, epoch, loss and ETA of a job',
          responses: { '200': { description: 'The job', content: json(ref('Job')) }, '404': problemResponse('Unknown job') },
        },
        delete: {
          operationId: 'cancelJob',
          summary: 'Cancel a queued or running job',
          security: bearer,
          responses: { '200': { description: 'The job (state cancelled once it stops)', content: json(ref('Job')) }, ...auth, '404': problemResponse('Unknown job') },
        },
      },
      '/v1/jobs/{id}/events': {
        parameters: [idParam],
        get: {
          operationId: 'jobEvents',
          security: open,
          summary: 'Server-sent events: `progress` with the job record on every change, then `end` with the final record',
          responses: {
            '200': { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            '404': problemResponse('Unknown job'),
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          security: open,
          summary: 'Prometheus metrics',
          responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...anyClientError },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          security: open,
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) }, ...anyClientError },
        },
      },
    },
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The SEQCAST_TOKEN the server was started with' } },
    },
  };
}
