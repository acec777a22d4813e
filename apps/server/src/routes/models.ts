/**
 * Model endpoints: list, describe and delete served models; next characters, generation and
 * forecasts. Handlers only unpack the validated request and call the Service.
 */
import { SeqcastError } from '@seqcast/core';
import { describeModel } from '../models/registry.js';
import { sampleCsvFor } from '../models/sample.js';
import { checkPanelSeries, parseBody, requestSchemas, responses, type RequestSchemas } from '../schemas.js';
import { chunkedJson, sendJsonPieces } from '../http/chunked-json.js';
import { PANEL_CHUNK, turn } from '../models/inference.js';
import type { ResolvedOptions } from '../options.js';
import { ANSWERED, route } from './route.js';
import { z } from 'zod';

const schemaCache = new WeakMap<ResolvedOptions['limits'], RequestSchemas>();
/** The request schemas of a server's limits (built once per server). */
function schemasOf(limits: ResolvedOptions['limits']): RequestSchemas {
  let s = schemaCache.get(limits);
  if (!s) schemaCache.set(limits, (s = requestSchemas(limits)));
  return s;
}

const BUSY = 'Too many inference requests running and waiting (limits maxConcurrentInference, maxInferenceQueue); retry after Retry-After seconds';

export const modelRoutes = [
  route({
    method: 'get',
    path: '/v1/models',
    operationId: 'listModels',
    auth: 'open',
    summary: 'Served models with version, training metrics and input contract',
    reply: { status: 200, description: 'Models', body: { component: 'ModelList', schema: responses.models } },
    handle: (ctx) => ({ models: ctx.registry.list().map(describeModel) }),
  }),

  route({
    method: 'get',
    path: '/v1/models/{name}',
    operationId: 'getModel',
    auth: 'open',
    summary: 'One served model',
    reply: { status: 200, description: 'The model', body: { component: 'Model', schema: responses.model } },
    handle: async (ctx, { params }) => describeModel(await ctx.registry.get(params.name)),
  }),

  route({
    method: 'delete',
    path: '/v1/models/{name}',
    operationId: 'deleteModel',
    auth: 'token',
    summary: 'Stop serving a model and delete every version of it',
    reply: { status: 204, description: 'Deleted' },
    handle: async (ctx, { params }) => {
      await ctx.registry.remove(params.name);
    },
  }),

  route({
    method: 'get',
    path: '/v1/models/{name}/sample.csv',
    operationId: 'sampleCsv',
    auth: 'open',
    summary: "A sample CSV in a forecast model's own columns (seeded synthetic data; a panel model's covariate columns included), to try the model with",
    query: {
      future: {
        description:
          "`1`: the sample's future file instead (panel models trained with future-known covariates): the id, time and future-known columns for the model's horizon",
        schema: { type: 'string', enum: ['1'] },
      },
    },
    reply: { status: 200, description: 'CSV text', body: { mediaType: 'text/csv', schema: { type: 'string' } } },
    handle: async (ctx, { params, req, res }) => {
      const future = req.query.future;
      if (future !== undefined && future !== '1') throw new SeqcastError('BAD_ARGUMENT', 'query.future must be 1 (or left out)', { where: 'query.future' });
      const csv = await ctx.registry.use(params.name, (m) => sampleCsvFor(m, future === '1'));
      res.type('text/csv').send(csv);
    },
  }),

  route({
    method: 'post',
    path: '/v1/models/{name}/next',
    operationId: 'next',
    auth: 'open',
    summary: 'Most likely next characters after `text` (chars models)',
    body: { component: 'NextRequest', schema: (s) => s.next },
    reply: { status: 200, description: 'Candidates, most likely first', body: { component: 'NextResponse', schema: responses.next } },
    errors: { '503': BUSY },
    handle: async (ctx, { params, body }) => ({ next: await ctx.service.next(params.name, body.text, body.top) }),
  }),

  route({
    method: 'post',
    path: '/v1/models/{name}/generate',
    operationId: 'generate',
    auth: 'open',
    summary: 'Continue `prefix` by `length` characters (chars models; same seed, same text)',
    body: { component: 'GenerateRequest', schema: (s) => s.generate },
    reply: { status: 200, description: 'The continuation only', body: { component: 'GenerateResponse', schema: responses.generate } },
    errors: { '503': BUSY },
    handle: async (ctx, { params, body, res }) => {
      const { prefix, length, ...gen } = body;
      // A client that hangs up stops its generation (and frees its slot) at the next slice.
      const gone = new AbortController();
      res.once('close', () => gone.abort(new SeqcastError('BAD_ARGUMENT', 'client closed the request')));
      return { text: await ctx.service.generate(params.name, prefix, length, gen, gone.signal) };
    },
  }),

  route({
    method: 'post',
    path: '/v1/models/{name}/forecast',
    operationId: 'forecast',
    auth: 'open',
    summary:
      'Next `steps` values of the target from the last `window` rows (forecast models), or of every series with intervals (panel models: a `series` body)',
    body: {
      component: 'ForecastRequest',
      schema: (s) => z.union([s.forecast, s.panelForecast]),
      // A "series" body is for panel models; anything else keeps the one-series contract and its
      // errors (a union's parse would report the mismatch of both shapes at once).
      // A panel body's series are checked by the handler a chunk at a time (checkPanelSeries).
      parse: (s, value) =>
        value && typeof value === 'object' && 'series' in value
          ? (parseBody(s.panelForecastShallow, value) as z.output<typeof s.panelForecast>)
          : parseBody(s.forecast, value),
    },
    reply: {
      status: 200,
      description: 'Forecast in original units',
      body: { component: 'ForecastResponse', schema: z.union([responses.forecast, responses.panelForecast]) },
    },
    errors: { '503': BUSY },
    handle: async (ctx, { params, body, res }) => {
      if (!('series' in body)) return { forecast: await ctx.service.forecast(params.name, body.rows, body.steps) };
      // One inference slot for the whole panel request — checking its series, the forecasts and
      // making the ~7 MB answer — so at most maxConcurrentInference of them work at a time; the
      // answer is written after the slot is given back (a slow reader holds none).
      const answer = await ctx.service.gate.run(async () => {
        const series = await checkPanelSeries(schemasOf(ctx.options.limits).panelSeries, body.series as readonly unknown[], PANEL_CHUNK, turn);
        const forecasts = await ctx.service.forecastPanel(params.name, series, body.steps);
        return { status: 200, pieces: await chunkedJson({ ...forecasts }, 'forecasts', PANEL_CHUNK) };
      });
      await sendJsonPieces(res, answer);
      return ANSWERED;
    },
  }),
];
