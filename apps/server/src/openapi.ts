/**
 * The OpenAPI 3.1 document served at /openapi.json, read off the route table (routes/) that also
 * drives routing and validation, with its schemas generated from the same zod schemas that
 * validate requests (z.toJSONSchema, JSON Schema 2020-12 — OpenAPI 3.1's dialect), so the
 * document cannot drift from what the server accepts and returns.
 */
import { z } from 'zod';
import { ANY_OF_IN_DOCUMENT } from './job-schemas.js';
import { createRequire } from 'node:module';
import { requestSchemas, responses } from './schemas.js';
import { ROUTES, PATH_PARAMS, pathParamNames, type Route } from './routes/index.js';
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
// Every 503 and 507 says when to come back (http/errors.ts sets the header on OVERLOADED and INSUFFICIENT_STORAGE).
const RETRY_STATUSES = new Set(['503', '507']);
const retryLater = (description: string): Json => ({
  ...problemResponse(description),
  headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } },
});
const QUEUE_AWAY = 'Queue mode: the job queue (Redis) is unreachable; predictions still work';

/**
 * Build the document of an app with these options (limits shape the request schemas) serving
 * these routes.
 *
 * @example
 * const doc = buildOpenApi(resolveOptions({ modelsDir: 'models' }));
 * doc.paths['/health'].get.responses['200'];
 */
export function buildOpenApi(opts: ResolvedOptions, routes: readonly Route[] = ROUTES): Json {
  const requests = requestSchemas(opts.limits);
  // Named schemas: every request and JSON response body of the table, plus Problem.
  const reg = z.registry<{ id: string }>();
  const named = new Map<string, z.ZodType>([['Problem', responses.problem]]);
  const bodies = new Map<Route, z.ZodType>();
  const name = (component: string, schema: z.ZodType): void => {
    const had = named.get(component);
    if (had && had !== schema) throw new Error(`OpenAPI component ${component} names two different schemas`);
    named.set(component, schema);
  };
  for (const r of routes) {
    if (r.body) {
      const schema = r.body.schema(requests);
      bodies.set(r, schema);
      name(r.body.component, schema);
    }
    if (r.reply.body && 'component' in r.reply.body) name(r.reply.body.component, r.reply.body.schema);
  }
  for (const [id, schema] of named) reg.add(schema, { id });
  const out = z.toJSONSchema(reg, {
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: 'any',
    // The panel jobs of the model kinds: `model` tells them apart, but the global model's may be
    // left out, which OpenAPI's oneOf (exactly one match) cannot say; anyOf can.
    override: (ctx) => {
      if (ANY_OF_IN_DOCUMENT.has(ctx.zodSchema) && ctx.jsonSchema.oneOf) {
        ctx.jsonSchema.anyOf = ctx.jsonSchema.oneOf;
        delete ctx.jsonSchema.oneOf;
      }
    },
  }) as { schemas: Record<string, Json> };
  // Component schemas live inside the document: no own $id / $schema.
  const schemas: Record<string, Json> = {};
  for (const [id, s] of Object.entries(out.schemas)) {
    const { $id: _id, $schema: _schema, ...rest } = s;
    schemas[id] = rest;
  }

  // Operations that take no input: a 4XX can only come from the server's general handling (an
  // unparsable request line, a proxy); it is still problem+json, which is what clients rely on.
  const anyClientError = { '4XX': problemResponse('A client error (this operation takes no input; the shape every 4XX has)') };
  const bodyErrors = {
    '400': problemResponse('Malformed JSON, a missing or wrongly typed field, or a value over a limit'),
    '413': problemResponse(`Body over the limit (${String(opts.bodyLimit)})`),
  };
  const uploadErrors = {
    '400': problemResponse('Not Content-Type text/csv, a bad query parameter, or a CSV the job cannot train on (its file line named)'),
    '413': problemResponse(`Upload over the limit (${opts.limits.maxUploadBytes} bytes, limit maxUploadBytes) or a CSV over maxCsvColumns / maxCsvCells`),
  };
  const authErrors = {
    '401': problemResponse('Missing or wrong bearer token'),
    '403': problemResponse('Switched off: the server runs without SEQCAST_TOKEN'),
  };

  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const params = pathParamNames(r.path).map((p) => {
      if (!(p in PATH_PARAMS)) throw new Error(`route ${r.method.toUpperCase()} ${r.path}: path parameter {${p}} is not in PATH_PARAMS`);
      return { name: p, ...(PATH_PARAMS[p as keyof typeof PATH_PARAMS] as { schema: Json; description?: string; notFound: string }) };
    });
    const item = (paths[r.path] ??= params.length
      ? {
          parameters: params.map((p) => ({
            name: p.name,
            in: 'path',
            required: true,
            ...(p.description ? { description: p.description } : {}),
            schema: p.schema,
          })),
        }
      : {});
    const reply = r.reply;
    const success: Json = { description: reply.description };
    if (reply.headers) success.headers = reply.headers;
    if (reply.body) {
      success.content = 'component' in reply.body ? json(ref(reply.body.component)) : { [reply.body.mediaType]: { schema: reply.body.schema } };
    }
    const errors: Json = {
      ...(r.body ? bodyErrors : {}),
      ...(r.upload ? uploadErrors : {}),
      ...(r.auth === 'token' ? authErrors : {}),
      // An unknown thing named in the path is a 404 (the innermost parameter names it).
      ...Object.fromEntries(params.slice(-1).map((p) => ['404', problemResponse(p.notFound)])),
      ...Object.fromEntries(
        Object.entries(r.errors ?? {}).map(([status, text]) => [status, RETRY_STATUSES.has(status) ? retryLater(text) : problemResponse(text)]),
      ),
    };
    if (r.jobQueue && opts.redisUrl !== undefined) {
      const busy = r.errors?.['503'];
      errors['503'] = retryLater(busy ? `${busy}. ${QUEUE_AWAY}` : QUEUE_AWAY);
    }
    const op: Json = {
      operationId: r.operationId,
      summary: r.summary,
      // Public operations say so explicitly (an empty requirement list), not by omission.
      security: r.auth === 'token' ? [{ bearer: [] }] : [],
    };
    const parameters = [
      ...Object.entries(r.query ?? {}).map(([queryName, q]) => ({ name: queryName, in: 'query', required: false, ...q })),
      ...Object.entries(r.headers ?? {}).map(([headerName, h]) => ({ name: headerName, in: 'header', required: false, ...h })),
    ];
    if (parameters.length) op.parameters = parameters;
    if (r.body) op.requestBody = { required: true, content: json(ref(r.body.component)) };
    if (r.upload) op.requestBody = { required: true, description: r.upload.description, content: { [r.upload.mediaType]: { schema: { type: 'string' } } } };
    op.responses = { [String(reply.status)]: success, ...(Object.keys(errors).length ? errors : anyClientError) };
    item[r.method] = op;
  }

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
    paths,
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The SEQCAST_TOKEN the server was started with' } },
    },
  };
}
