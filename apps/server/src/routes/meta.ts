/**
 * The server's own endpoints: liveness, CSV parsing for the web page, metrics and the OpenAPI
 * document.
 */
import { backendInfo, SeqcastError } from '@seqcast/core';
import { parseCsvForDisplay } from '../csv.js';
import { sendJsonPieces, slicedJson } from '../http/chunked-json.js';
import { responses, type RequestSchemas } from '../schemas.js';
import type { ParsedCsv } from '../wire.js';
import { ANSWERED, route, type RouteContext } from './route.js';
import type { z } from 'zod';

/** A CSV body read as a training job does, or as the served forecast model `body.model` reads it. */
function readCsvBody(ctx: RouteContext, body: z.output<RequestSchemas['csv']>): Promise<ParsedCsv> {
  if (body.model === undefined) {
    if (body.future !== undefined)
      throw new SeqcastError('BAD_ARGUMENT', 'future: give "model" too (the future file is read as that model reads it)', { where: 'future' });
    return parseCsvForDisplay(body.csv, body.csvOptions ?? {}, body.idColumn, ctx.options.limits);
  }
  if ((body.future === undefined) !== (body.steps === undefined)) {
    const [given, needed] = body.future === undefined ? ['steps', 'future'] : ['future', 'steps'];
    throw new SeqcastError('BAD_ARGUMENT', `${needed}: required with "${given}"`, { where: needed });
  }
  const future = body.future !== undefined ? { text: body.future, steps: body.steps! } : undefined;
  const other = body.csvOptions !== undefined ? 'csvOptions' : body.idColumn !== undefined ? 'idColumn' : null;
  if (other) throw new SeqcastError('BAD_ARGUMENT', `${other}: leave it out with "model" (the model's saved read layout decides)`, { where: other });
  const name = body.model;
  return ctx.registry.use(name, (m) => {
    if (m.adapter.kind === 'chars')
      throw new SeqcastError('BAD_ARGUMENT', `model "${name}" is a chars model; "model" needs a forecast model`, { where: 'model' });
    return m.adapter.readCsv(body.csv, ctx.options.limits, future);
  });
}

export const metaRoutes = [
  route({
    method: 'get',
    path: '/health',
    operationId: 'health',
    auth: 'open',
    summary: 'Liveness: backend and number of served models',
    reply: { status: 200, description: 'Up', body: { component: 'Health', schema: responses.health } },
    handle: (ctx) => {
      const counts = ctx.jobs.counts();
      return {
        status: 'ok' as const,
        backend: backendInfo()?.name ?? 'unknown',
        models: ctx.registry.size,
        jobs: { running: counts.running, queued: counts.queued, mode: ctx.jobs.mode },
        uptimeSeconds: Math.round((Date.now() - ctx.started) / 1000),
      };
    },
  }),

  route({
    method: 'post',
    path: '/v1/csv',
    operationId: 'parseCsv',
    auth: 'open',
    summary:
      'Parse CSV content exactly as a training job does (numeric columns oldest first, file lines; a panel split by its id column), or as a served forecast model reads it (`model`)',
    body: { component: 'CsvRequest', schema: (s) => s.csv },
    reply: { status: 200, description: 'The series of the file', body: { component: 'CsvResponse', schema: responses.csv } },
    errors: { '503': 'Too many inference and CSV requests running and waiting (limits maxConcurrentInference, maxInferenceQueue); retry after Retry-After' },
    handle: async (ctx, { body, res }) => {
      // Reading the CSV and making its answer (~10 MB of JSON for a 1 MB CSV) pass the inference
      // gate: both are sliced, but every request in flight runs a slice per turn of the event loop
      // and keeps its rows alive through every young-generation GC, so unbounded they made
      // /health wait for all of them. The answer is written outside the gate (a slow reader holds
      // no slot).
      const answer = await ctx.service.gate.run(async () => ({ status: 200, pieces: await slicedJson(await readCsvBody(ctx, body)) }));
      await sendJsonPieces(res, answer);
      return ANSWERED;
    },
  }),

  route({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    auth: 'open',
    summary: 'Prometheus metrics',
    reply: { status: 200, description: 'Prometheus text format', body: { mediaType: 'text/plain', schema: { type: 'string' } } },
    handle: async (ctx, { res }) => {
      res.type(ctx.metrics.contentType).send(await ctx.metrics.text());
    },
  }),

  route({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    auth: 'open',
    summary: 'This document',
    reply: { status: 200, description: 'OpenAPI 3.1', body: { mediaType: 'application/json', schema: { type: 'object' } } },
    handle: (ctx, { res }) => {
      res.json(ctx.openapi());
    },
  }),
];
