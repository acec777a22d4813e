/**
 * What one endpoint is, in one value: method, path, auth rule, request body schema, the answer it
 * documents, and the handler. The route table (routes/index.ts) is a list of these; express
 * routing (mount.ts), body validation and the OpenAPI document (../openapi.ts) are all read off
 * it, so an endpoint cannot be served without being documented, or documented without existing.
 */
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { JobBackend } from '../jobs/backend.js';
import type { Metrics } from '../metrics.js';
import type { ModelRegistry } from '../models/registry.js';
import { MODEL_NAME_PATTERN } from '../models/names.js';
import type { ResolvedOptions } from '../options.js';
import type { RequestSchemas } from '../schemas.js';
import type { Service } from '../service.js';

export type Method = 'get' | 'post' | 'delete';

/** `{name}` and `{id}` of `/v1/models/{name}/…` as `{ name: string }`: handlers read typed params. */
export type PathParams<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? { [key in K]: string } & PathParams<Rest> : unknown;

/** The path parameters every route may use, documented once (a route's path names them). */
export const PATH_PARAMS = {
  name: {
    schema: { type: 'string', pattern: MODEL_NAME_PATTERN },
    description: 'Model name (an invalid name is answered 404 like an unknown one)',
    notFound: 'Unknown model (or not a valid model name)',
  },
  id: { schema: { type: 'string', format: 'uuid' }, notFound: 'Unknown job' },
} as const;
export type PathParamName = keyof typeof PATH_PARAMS;

/** A JSON body described by a zod schema, under this component name in the OpenAPI document. */
export interface NamedSchema<R extends z.ZodType = z.ZodType> {
  component: string;
  schema: R;
}

/** A body of another media type (an event stream, Prometheus text), with its JSON Schema. */
export interface RawBody {
  mediaType: string;
  schema: Record<string, unknown>;
}

/** The success answer of a route. */
export interface Reply<R extends z.ZodType | undefined = z.ZodType | undefined> {
  status: 200 | 202 | 204;
  description: string;
  /** JSON body (a named zod schema: the handler must return what it describes), or another media type; none for 204. */
  body?: R extends z.ZodType ? NamedSchema<R> : RawBody;
  /** Response headers, as OpenAPI header objects (e.g. a 202's Location). */
  headers?: Record<string, Record<string, unknown>>;
}

/** What a handler can reach: the app's parts, built once per app. */
export interface RouteContext {
  options: ResolvedOptions;
  service: Service;
  registry: ModelRegistry;
  jobs: JobBackend;
  metrics: Metrics;
  /** Open server-sent-event streams (ended when the app closes). */
  streams: Set<Response>;
  /** Milliseconds since the epoch when the app started. */
  started: number;
  /** The OpenAPI document of this app (built from the same table). */
  openapi(): Record<string, unknown>;
}

export interface HandlerInput<P extends string, B> {
  params: PathParams<P>;
  /** The body, validated by the route's schema (undefined for routes without one). */
  body: B;
  req: Request;
  res: Response;
}

/**
 * One endpoint.
 *
 * A handler returns the JSON body of its declared success status; one that answers by itself
 * (a stream, a non-JSON body, a 204) writes to `res` and returns nothing.
 */
export interface Route<
  P extends string = string,
  S extends z.ZodType | undefined = z.ZodType | undefined,
  R extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: Method;
  /** OpenAPI form: `/v1/models/{name}`. Express sees `/v1/models/:name`. */
  path: P;
  operationId: string;
  summary: string;
  /** `token`: off without SEQCAST_TOKEN (403), then `Authorization: Bearer <token>` (401). Checked before the body is read. */
  auth: 'open' | 'token';
  /** Request body: its schema is built from the server's limits; `parse` replaces the plain schema parse when one body has several shapes. */
  body?: {
    component: string;
    schema(requests: RequestSchemas): NonNullable<S>;
    parse?(requests: RequestSchemas, value: unknown): z.output<NonNullable<S>>;
  };
  reply: Reply<R>;
  /**
   * A non-JSON request body the handler reads from `req` itself (a CSV upload): its media type and
   * description for the document. The table attaches no body parser to such a route.
   */
  upload?: { mediaType: string; description: string };
  /** Query parameters the route reads, as OpenAPI parameter fields. */
  query?: Record<string, { description: string; required?: boolean; schema: Record<string, unknown> }>;
  /** Request headers the route reads, as OpenAPI parameter fields (`description`, `schema`); all optional. */
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
  /** Problem answers besides those the table derives (400/413 for a body, 401/403 for `token`, 404 for a path parameter). */
  errors?: Record<string, string>;
  /** Reads or writes job records: in queue mode (a Redis URL) it answers 503 while Redis is unreachable. */
  jobQueue?: true;
  handle(ctx: RouteContext, input: HandlerInput<P, S extends z.ZodType ? z.output<S> : undefined>): HandlerResult<R>;
}

/**
 * What a JSON route's handler returns when it wrote its (declared) answer itself, a slice at a
 * time (http/chunked-json.ts), instead of keeping the whole value alive until it is sent.
 */
export class Answered {
  private readonly answered = true;
}
export const ANSWERED = new Answered();

/** A JSON reply's handler returns its body (checked against the reply schema) or {@link ANSWERED}; others answer through `res`. */
export type HandlerResult<R> = R extends z.ZodType ? z.input<R> | typeof ANSWERED | Promise<z.input<R> | typeof ANSWERED> : void | Promise<void>;

/**
 * Declare a route with its types checked: params from the path, the body from its schema, and
 * the handler's result against the reply's schema.
 *
 * @example
 * route({ method: 'get', path: '/v1/models/{name}', operationId: 'getModel', auth: 'open', summary: 'One served model',
 *         reply: { status: 200, description: 'The model', body: { component: 'Model', schema: responses.model } },
 *         handle: async (ctx, { params }) => describeModel(await ctx.registry.get(params.name)) });
 */
export function route<P extends string, S extends z.ZodType | undefined = undefined, R extends z.ZodType | undefined = undefined>(r: Route<P, S, R>): Route {
  return r as unknown as Route;
}

/** `/v1/models/{name}` -> `/v1/models/:name`. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** The parameter names of a path, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}
