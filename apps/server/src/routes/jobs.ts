/**
 * Training-job endpoints: submit (202 + Location), list, read, cancel, and follow a job's
 * progress as server-sent events.
 */
import type { Request, Response } from 'express';
import { SeqcastError } from '@seqcast/core';
import { isJobId } from '../jobs/disk-records.js';
import { IDEMPOTENCY_KEY_HOURS, idempotencyRequest } from '../jobs/idempotency.js';
import { TERMINAL_STATES, type JobRecord } from '../jobs/types.js';
import { responses } from '../schemas.js';
import type { JobRequest } from '../jobs/prepare.js';
import { route, type RouteContext } from './route.js';

const jobReply = { component: 'Job', schema: responses.job };

/** The 202 both submit routes answer (POST /v1/jobs and the CSV upload). */
export const jobAccepted = {
  status: 202,
  description: 'Accepted (its record is on the disk); poll the Location or follow its /events',
  headers: {
    Location: { schema: { type: 'string' } },
    'Idempotent-Replayed': {
      description: '`true` when an earlier submit with the same Idempotency-Key started this job',
      schema: { type: 'string', enum: ['true'] },
    },
  },
  body: jobReply,
} as const;

/** The refusals a submit can meet after its request was read. */
export const jobSubmitErrors = {
  '409': 'Too many jobs waiting, or the Idempotency-Key was used for a different request',
  '507': "The job's record could not be written (the models directory's disk is full); nothing was queued",
};

/** Submit a checked job request (with the request's Idempotency-Key) and point the answer at it. */
export async function submitJobAnswer(ctx: RouteContext, body: JobRequest, req: Request, res: Response): Promise<JobRecord> {
  const idempotency = idempotencyRequest(req.get('idempotency-key'), body);
  const { record, replayed } = await ctx.service.submitJob(body, idempotency);
  res.location(`/v1/jobs/${record.id}`);
  if (replayed) res.setHeader('Idempotent-Replayed', 'true');
  return record;
}

function jobNotFound(id: string): SeqcastError {
  return new SeqcastError('NOT_FOUND', `job ${JSON.stringify(id.slice(0, 80))} not found`, { where: 'id' });
}

/** The record of job `id`, or a 404 (ids that are not job ids are never looked up). */
async function jobOf(ctx: RouteContext, id: string): Promise<JobRecord> {
  const rec = isJobId(id) ? await ctx.jobs.get(id) : undefined;
  if (!rec) throw jobNotFound(id);
  return rec;
}

/** Stream `rec`'s updates to `res`: `progress` on every change, then `end` with the final record. */
function streamJob(ctx: RouteContext, rec: JobRecord, res: Response, early: readonly JobRecord[] = []): void {
  const { jobs, streams } = ctx;
  if (streams.size >= ctx.options.limits.maxEventStreams) {
    throw new SeqcastError('OVERLOADED', `${streams.size} event streams are open (server limit maxEventStreams); poll GET /v1/jobs/{id} or retry later`);
  }
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  let seq = 0;
  const send = (event: string, r: JobRecord) => {
    res.write(`event: ${event}\nid: ${++seq}\ndata: ${JSON.stringify(r)}\n\n`);
  };
  const stop = () => {
    jobs.off('update', onUpdate);
    clearInterval(ping);
    streams.delete(res);
  };
  const onUpdate = (r: JobRecord) => {
    if (r.id !== rec.id) return;
    send('progress', r);
    if (TERMINAL_STATES.includes(r.state)) {
      send('end', r);
      stop();
      res.end();
    }
  };
  // Keeps proxies from closing an idle stream while an epoch runs.
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  ping.unref();
  streams.add(res);
  res.req.on('close', stop);
  send('progress', rec);
  if (TERMINAL_STATES.includes(rec.state)) {
    send('end', rec);
    stop();
    res.end();
    return;
  }
  jobs.on('update', onUpdate);
  for (const r of early) if (streams.has(res)) onUpdate(r);
}

/**
 * Follow job `id`. Updates that arrive while its record is read (a Redis round trip in queue
 * mode) are kept and replayed after it, so a job that ends meanwhile still ends its stream.
 */
async function followJob(ctx: RouteContext, id: string, res: Response): Promise<void> {
  const early: JobRecord[] = [];
  const keep = (r: JobRecord) => void (r.id === id && early.push(r));
  ctx.jobs.on('update', keep);
  const rec = await jobOf(ctx, id).finally(() => ctx.jobs.off('update', keep));
  streamJob(ctx, rec, res, early);
}

export const jobRoutes = [
  route({
    method: 'get',
    path: '/v1/jobs',
    operationId: 'listJobs',
    auth: 'open',
    jobQueue: true,
    summary: 'Training jobs, newest first',
    reply: { status: 200, description: 'Jobs', body: { component: 'JobList', schema: responses.jobs } },
    handle: async (ctx) => ({ jobs: await ctx.jobs.list() }),
  }),

  route({
    method: 'post',
    path: '/v1/jobs',
    operationId: 'submitJob',
    auth: 'token',
    jobQueue: true,
    summary: 'Train a model from CSV or text content; the result is published as a new version of `name`',
    headers: {
      'Idempotency-Key': {
        description: `Optional, 1–255 visible ASCII characters. A resubmit with the same key within ${IDEMPOTENCY_KEY_HOURS} h answers the job the first submit started (with Idempotent-Replayed: true) and trains nothing; the same key with a different request is a 409`,
        schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
      },
    },
    body: { component: 'JobRequest', schema: (s) => s.job },
    reply: jobAccepted,
    errors: jobSubmitErrors,
    handle: async (ctx, { body, req, res }) => submitJobAnswer(ctx, body, req, res),
  }),

  route({
    method: 'get',
    path: '/v1/jobs/{id}',
    operationId: 'getJob',
    auth: 'open',
    jobQueue: true,
    summary: 'State, epoch, loss and ETA of a job',
    reply: { status: 200, description: 'The job', body: jobReply },
    handle: async (ctx, { params }) => jobOf(ctx, params.id),
  }),

  route({
    method: 'delete',
    path: '/v1/jobs/{id}',
    operationId: 'cancelJob',
    auth: 'token',
    jobQueue: true,
    summary: 'Cancel a queued or running job',
    reply: { status: 200, description: 'The job (state cancelled once it stops)', body: jobReply },
    handle: async (ctx, { params }) => {
      const rec = await jobOf(ctx, params.id);
      const cancelled = await ctx.jobs.cancel(rec.id);
      if (!cancelled) throw jobNotFound(params.id); // gone meanwhile
      return cancelled;
    },
  }),

  route({
    method: 'get',
    path: '/v1/jobs/{id}/events',
    operationId: 'jobEvents',
    auth: 'open',
    jobQueue: true,
    summary: 'Server-sent events: `progress` with the job record on every change, then `end` with the final record',
    reply: { status: 200, description: 'An event stream', body: { mediaType: 'text/event-stream', schema: { type: 'string' } } },
    errors: { '503': 'Too many event streams open (limit maxEventStreams); poll GET /v1/jobs/{id} instead' },
    handle: (ctx, { params, res }) => followJob(ctx, params.id, res),
  }),
];
