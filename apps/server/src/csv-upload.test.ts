// Issue 29 item 4: training files stream in as a text/csv body (POST /v1/jobs/csv) instead of a
// JSON string under the 1 MB body limit; a 20 MB panel trains with the default limits, and every
// too-large answer names the limit and how to raise it.
import * as http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './server.js';
import { tmpDir } from './testing/fixtures.js';
import type { ServerLimits } from './options.js';
import type { JobRecord } from './jobs/types.js';

const TOKEN = 'upload-token';
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function server(limits: ServerLimits = {}): Promise<RunningServer> {
  const tmp = tmpDir();
  const s = await startServer({ modelsDir: tmp.dir, port: 0, token: TOKEN, logger: false, limits });
  cleanups.push(
    () => tmp.cleanup(),
    () => s.close(),
  );
  return s;
}

/** The upload URL for these job fields (options and csvOptions as JSON). */
function uploadUrl(base: string, fields: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) q.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  return `${base}/v1/jobs/csv?${q}`;
}

function upload(base: string, fields: Record<string, unknown>, csv: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(uploadUrl(base, fields), {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/csv', ...headers },
    body: csv,
  });
}

/**
 * A long-format panel of `series` daily series (`id,date,y`), `rows` rows each, seasonal with
 * noise; ~22 bytes a row.
 */
function panelCsv(series: number, rows: number): string {
  const days = Array.from({ length: rows }, (_, d) => new Date(Date.UTC(2000, 0, 1 + d)).toISOString().slice(0, 10));
  const parts = ['id,date,y\n'];
  let seed = 7;
  for (let s = 0; s < series; s++) {
    const id = `s${String(s).padStart(3, '0')}`;
    const level = 50 + (s % 40);
    const lines: string[] = [];
    for (let d = 0; d < rows; d++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const y = level + 10 * Math.sin((2 * Math.PI * d) / 7) + (seed / 2 ** 32) * 4;
      lines.push(`${id},${days[d]},${y.toFixed(2)}`);
    }
    parts.push(lines.join('\n'), '\n');
  }
  return parts.join('');
}

async function waitFor(base: string, id: string, done: (r: JobRecord) => boolean, timeoutMs = 100_000): Promise<JobRecord> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = (await (await fetch(`${base}/v1/jobs/${id}`)).json()) as JobRecord;
    if (done(r) || Date.now() > until) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}

describe('issue 29 item 4: training CSVs are uploaded as the body (POST /v1/jobs/csv)', () => {
  it('a 20 MB panel CSV trains with the default limits (the JSON route refuses it naming --body-limit)', { timeout: 180_000 }, async () => {
    const s = await server();
    const csv = panelCsv(250, 3800);
    expect(csv.length).toBeGreaterThan(20_000_000);
    const options = { target: 'y', horizon: 7, season: 7, minutes: 0.02 };

    const asJson = await fetch(`${s.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'panel', name: 'big', csv, options }),
    });
    expect(asJson.status).toBe(413);
    expect(((await asJson.json()) as { detail: string }).detail).toBe(
      'request body is over the 1mb limit; start the server with --body-limit BYTES to raise it',
    );

    const res = await upload(s.url, { kind: 'panel', name: 'big', options, csvOptions: { idColumn: 'id', timeColumn: 'date' } }, csv);
    const job = (await res.json()) as JobRecord;
    expect(res.status, JSON.stringify(job)).toBe(202);
    expect(res.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
    expect(job).toMatchObject({ kind: 'panel', name: 'big', state: expect.stringMatching(/^(queued|running)$/) });
    const done = await waitFor(s.url, job.id, (r) => r.state !== 'queued' && r.state !== 'running');
    expect(done, JSON.stringify(done.error)).toMatchObject({ state: 'succeeded', model: { name: 'big', version: 1 } });
    const model = await fetch(`${s.url}/v1/models/big`);
    expect(model.status).toBe(200);
    expect(((await model.json()) as { kind: string }).kind).toBe('panel');
  });

  it('an upload over maxUploadBytes is a 413 naming the limit and the flag, whether declared or counted as it arrives', async () => {
    const s = await server({ maxUploadBytes: 1000 });
    const csv = 'id,y\n' + Array.from({ length: 400 }, (_, i) => `s${i % 4},${i}`).join('\n') + '\n';
    const expected = 'CSV upload is over the 1000-byte limit (server limit maxUploadBytes); start the server with --limit maxUploadBytes=BYTES to raise it';
    const declared = await upload(s.url, { kind: 'panel', name: 'p', options: { target: 'y', horizon: 1 } }, csv);
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { detail: string }).detail).toBe(expected);

    // Chunked, no Content-Length: refused once the count passes the limit, without reading the rest.
    const u = new URL(uploadUrl(s.url, { kind: 'panel', name: 'p', options: { target: 'y', horizon: 1 } }));
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          method: 'POST',
          path: `${u.pathname}${u.search}`,
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/csv' },
        },
        (r) => {
          let body = '';
          r.on('data', (c: Buffer) => (body += c));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write(csv); // ~3 KB, and the upload is never ended: only the limit can answer it
    });
    expect(answer.status).toBe(413);
    expect((JSON.parse(answer.body) as { detail: string }).detail).toBe(expected);
  });

  it('a wrong query or Content-Type is a 400 naming it, before the body is read; no token is a 401', async () => {
    const s = await server();
    const csv = 'id,y\na,1\n';
    const detail = async (r: Response) => {
      const p = (await r.json()) as { detail: string; where: string };
      return `${r.status} ${p.where}: ${p.detail}`;
    };
    expect(await detail(await upload(s.url, { kind: 'panel', name: 'p', options: { target: 'y' } }, csv))).toMatch(
      /^400 query\.options\.horizon: query\.options\.horizon /,
    );
    expect(await detail(await upload(s.url, { kind: 'panel', name: 'p', options: '{target:y}' }, csv))).toMatch(
      /^400 query\.options: query\.options must be a JSON object, URL-encoded \(/,
    );
    expect(await detail(await upload(s.url, { kind: 'panel', name: 'p', options: { target: 'y', horizon: 1 }, epochs: 3 }, csv))).toBe(
      "400 query.epochs: query.epochs: unknown query parameter (the job's fields are kind, model, name, options and csvOptions)",
    );
    expect(await detail(await upload(s.url, { kind: 'chars', name: 'c', options: { seqLength: 2 } }, csv))).toMatch(
      /^400 query\.kind: query\.kind: chars jobs send their text in a JSON body to POST \/v1\/jobs/,
    );
    expect(
      await detail(await upload(s.url, { kind: 'panel', name: 'p', options: { target: 'y', horizon: 1 } }, csv, { 'content-type': 'application/json' })),
    ).toBe('400 Content-Type: send the CSV file as the body with Content-Type: text/csv (received "application/json")');
    const anonymous = await fetch(uploadUrl(s.url, { kind: 'panel', name: 'p', options: { target: 'y', horizon: 1 } }), {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    expect(anonymous.status).toBe(401);
  });

  it('a CSV the job cannot train on names its file line, as on POST /v1/jobs', async () => {
    const s = await server();
    const csv = 'id,y\n' + Array.from({ length: 40 }, (_, i) => `s${i % 2},${i === 17 ? 'abc' : i}`).join('\n') + '\n';
    const r = await upload(s.url, { kind: 'panel', name: 'p', options: { target: 'y', horizon: 1 } }, csv);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { detail: string }).detail).toMatch(/^<text>:19: /);
  });
});
