// CSV bodies are parsed within the server's limits: a wide or long CSV is a 413 naming the limit
// before its columns are built, on `/v1/csv` (no token) and on job submission alike.
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './server.js';
import { tmpDir } from './testing/fixtures.js';
import type { ServerLimits } from './options.js';

const TOKEN = 'csv-limits-token';
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

function post(url: string, route: string, body: unknown): Promise<Response> {
  return fetch(`${url}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const ones = (n: number): string => new Array<string>(n).fill('1').join(',');

describe('break 1: a CSV body is parsed within maxCsvColumns and maxCsvCells', () => {
  it("the issue's 1 MB body of 499,990 columns is a 413 naming maxCsvColumns, and /health answers", async () => {
    const s = await server();
    const res = await post(s.url, '/v1/csv', { csv: `${ones(499_990)}\n` });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe('TOO_LARGE');
    expect(body.detail).toBe('<text>:1: 499990 columns, over the limit of 1000 columns (server limit maxCsvColumns)');
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  it('a long CSV over maxCsvCells is a 413 on /v1/csv and on a job; within it, it parses', async () => {
    const s = await server({ maxCsvCells: 1000 });
    const csv = 'Date,Close\n' + Array.from({ length: 600 }, (_, i) => `2020-01-01T${String(i % 24).padStart(2, '0')}:00:00Z,${i}`).join('\n') + '\n';
    const res = await post(s.url, '/v1/csv', { csv });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { detail: string }).detail).toBe(
      '<text>:502: more than 1000 cells (500 rows × 2 columns so far), over the limit (server limit maxCsvCells)',
    );
    const job = await post(s.url, '/v1/jobs', { kind: 'forecast', name: 'long', csv, options: { target: 'Close', window: 5, horizon: 1, epochs: 1 } });
    expect(job.status).toBe(413);
    expect(((await job.json()) as { where: string }).where).toBe('server limit maxCsvCells');
    const panel = await post(s.url, '/v1/jobs', {
      kind: 'panel',
      name: 'longpanel',
      csv: 'id,y\n' + Array.from({ length: 600 }, (_, i) => `s${i % 3},${i}`).join('\n') + '\n',
      options: { target: 'y', horizon: 1 },
    });
    expect(panel.status).toBe(413);
    const small = await post(s.url, '/v1/csv', { csv: 'a,b\n1,2\n3,4\n' });
    expect(small.status).toBe(200);
  });
});
