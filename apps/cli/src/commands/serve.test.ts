// `seqcast serve` as a user runs it (the built CLI in a child process): prints its URL, serves,
// and on SIGTERM stops accepting, finishes the in-flight request, marks the running job
// interrupted and exits 0. Flag mistakes are one-line errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CharLM } from '@seqcast/core';
import { CLI, lastLine, runCli } from '../testing/run-cli.js';

const TOKEN = 'serve-test-token';
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'seqcast-serve-'));
  const lm = await CharLM.train('hihello', { seqLength: 6, epochs: 60, learningRate: 0.1, seed: 777 });
  await lm.save(path.join(dir, 'models', 'hihello'));
  lm.dispose();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Start `seqcast serve ...` and resolve with the URL it prints. */
function serve(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = / at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, exit });
    });
    void exit.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

function refused(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port), u.hostname);
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

describe('seqcast serve', () => {
  it('prints its URL and serves the directory on 127.0.0.1', async () => {
    const { child, url, exit } = await serve(['--models', path.join(dir, 'models'), '--port', '0', '--quiet']);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = (await (await fetch(`${url}/health`)).json()) as { status: string; models: number };
      expect(health).toMatchObject({ status: 'ok', models: 1 });
    } finally {
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    }
  });

  it('SIGTERM: stops accepting, finishes the in-flight request, marks the running job interrupted, exits 0', async () => {
    const models = path.join(dir, 'models');
    const { child, url, exit } = await serve(['--models', models, '--port', '0', '--quiet'], { SEQCAST_TOKEN: TOKEN });
    // A long training job, running: batches of one window make ~100,000 steps (a minute or more).
    const text = 'if you want to build a ship, '.repeat(4);
    const submit = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'chars', name: 'longjob', text, options: { seqLength: 8, epochs: 1000, batchSize: 1 } }),
    });
    expect(submit.status).toBe(202);
    const { id } = (await submit.json()) as { id: string };
    for (const t0 = Date.now(); ;) {
      const r = (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as { state: string; step: number };
      if (r.state === 'running' && r.step > 0) break;
      if (Date.now() - t0 > 30_000) throw new Error('job did not start');
      await new Promise((res) => setTimeout(res, 50));
    }
    // An in-flight request: headers and half the body sent before the signal, the rest after.
    const body = JSON.stringify({ text: 'hihel', top: 2 });
    const u = new URL(url);
    const inflight = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          method: 'POST',
          path: '/v1/models/hihello/next',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let t = '';
          res.on('data', (d: Buffer) => (t += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: t }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 8));
      setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(async () => {
          // No longer accepting (polled: a loaded machine may take a moment to deliver the signal).
          let closed = false;
          for (const t0 = Date.now(); !closed && Date.now() - t0 < 3000;) {
            closed = await refused(url);
            if (!closed) await new Promise((r) => setTimeout(r, 50));
          }
          try {
            expect(closed).toBe(true);
          } catch (e) {
            reject(e);
          }
          req.end(body.slice(8));
        }, 200);
      }, 100);
    });
    const res = await inflight;
    expect(res.status).toBe(200);
    expect((JSON.parse(res.text) as { next: { char: string }[] }).next[0]!.char).toBe('l');
    expect(await exit).toBe(0);
    const rec = JSON.parse(readFileSync(path.join(models, '.jobs', `${id}.json`), 'utf8')) as { state: string; error: { code: string } };
    expect(rec).toMatchObject({ state: 'interrupted', error: { code: 'INTERRUPTED' } });
  });

  it('flag mistakes and a busy port are one-line errors', async () => {
    const none = runCli(['serve']);
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe('seqcast: error: serve: --models is required');
    const port = runCli(['serve', '--models', dir, '--port', 'http']);
    expect(port.code).toBe(2);
    expect(port.stderr.trim()).toBe('seqcast: error: --port must be an integer (received "http")');
    const { child, url, exit } = await serve(['--models', path.join(dir, 'models'), '--port', '0', '--quiet']);
    try {
      // Another models directory (this one is locked by the running server).
      const busy = runCli(['serve', '--models', path.join(dir, 'other-models'), '--port', new URL(url).port, '--quiet']);
      expect(busy.code).toBe(8);
      // (stderr may start with the backend's one-line report)
      expect(lastLine(busy.stderr)).toBe(`seqcast: error: port ${new URL(url).port} on 127.0.0.1 is already in use`);
      expect(busy.stderr).not.toMatch(/\bat .*\.js:\d+/);
      // The same models directory: refused before anything in it is touched.
      const locked = runCli(['serve', '--models', path.join(dir, 'models'), '--port', '0', '--quiet']);
      expect(locked.code).toBe(8);
      expect(lastLine(locked.stderr)).toMatch(/^seqcast: error: models directory .*models is in use by another seqcast server \(pid \d+\)$/);
    } finally {
      child.kill('SIGTERM');
      await exit;
    }
  });
});
