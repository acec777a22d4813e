// `seqcast start` (= `pnpm start`): on an empty models directory it trains the demo models with
// progress shown, then serves them and prints its URL; on the next start it serves at once.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI } from '../testing/run-cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'seqcast-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `seqcast start` in `cwd` until it prints its URL; returns everything printed by then. */
function start(cwd: string): Promise<{ url: string; out: string; err: string; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'start', '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = / at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, out, err, stop: () => (child.kill('SIGTERM'), exit) });
    });
    void exit.then((code) => reject(new Error(`start exited ${code}: ${err}`)));
  });
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('seqcast start', () => {
  it('trains the demo models into ./models on first run, then serves them; later runs serve at once', async () => {
    const first = await start(dir);
    try {
      expect(first.out).toMatch(/has no models yet; training the demo models/);
      expect(first.out).toMatch(/hihell -> ihello/);
      expect(first.err).toMatch(/stock .*epoch/); // progress shown
      expect(
        readdirSync(path.join(dir, 'models'))
          .filter((n) => !n.startsWith('.'))
          .sort(),
      ).toEqual(['hihello', 'sentence', 'stock']);
      const models = (await (await fetch(`${first.url}/v1/models`)).json()) as { models: { name: string; kind: string }[] };
      expect(models.models.map((m) => `${m.name}:${m.kind}`)).toEqual(['hihello:chars', 'sentence:chars', 'stock:forecast']);
      const next = (await post(`${first.url}/v1/models/hihello/next`, { text: 'hihel', top: 1 })) as { next: { char: string }[] };
      expect(next.next[0]!.char).toBe('l');
      const gen = (await post(`${first.url}/v1/models/sentence/generate`, { prefix: 'want to ', length: 5, temperature: 0 })) as { text: string };
      expect(gen.text).toBe('build');
      const rows = Array.from({ length: 20 }, (_, i) => ({ Close: 100 + i }));
      const fc = (await post(`${first.url}/v1/models/stock/forecast`, { rows, steps: 5 })) as { forecast: number[] };
      expect(fc.forecast).toHaveLength(5);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await start(dir);
    try {
      expect(second.out).not.toMatch(/training/);
      expect(second.out).toMatch(/serving 3 models/);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
