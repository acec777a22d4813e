// Confusing answers of issue 28: a body or field mistake is told what is wrong and the real limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './server.js';
import { tmpDir } from './testing/fixtures.js';

const TOKEN = 'answers-token';
const tmp = tmpDir();
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ modelsDir: tmp.dir, port: 0, token: TOKEN, logger: false });
});
afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

async function problem(path: string, body: string, token = false): Promise<{ status: number; detail: string; where: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${TOKEN}` } : {}) };
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers, body });
  const p = (await res.json()) as { detail: string; where: string };
  return { status: res.status, detail: p.detail, where: p.where };
}

describe('confusing answers: the server names the real mistake', () => {
  it('a null (or other non-object) JSON body is told the body must be a JSON object, not that it is invalid JSON', async () => {
    expect(await problem('/v1/csv', 'null')).toEqual({ status: 400, detail: 'request body must be a JSON object (received null)', where: 'body' });
    expect((await problem('/v1/csv', '5')).detail).toBe('request body must be a JSON object (received 5)');
    expect((await problem('/v1/csv', '{"csv": ')).detail).toMatch(/^request body is not valid JSON \(/);
  });

  it('top: 1e308 is told the limit of 1000, not the safe-integer range', async () => {
    expect(await problem('/v1/models/any/next', '{"text":"ab","top":1e308}')).toEqual({ status: 400, detail: 'top must be <= 1000', where: 'top' });
  });

  it('a job whose text has 20,000 distinct characters is told its vocabulary is the cause, and how many fit', async () => {
    let text = '';
    for (let i = 0; i < 20_000; i++) text += String.fromCharCode(0x4e00 + i);
    const p = await problem('/v1/jobs', JSON.stringify({ kind: 'chars', name: 'wide', text: text + text, options: { seqLength: 10, epochs: 1 } }), true);
    expect(p.status).toBe(400);
    expect(p.where).toBe('text');
    expect(p.detail).toMatch(
      /^text has 20000 distinct characters \(its vocabulary\); .* at most \d+ distinct characters fit at options\.hidden = the vocabulary size \(the default\), options\.layers 1, options\.seqLength 10 /,
    );
  });
});
