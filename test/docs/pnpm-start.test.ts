/**
 * README: "SIGTERM drains and exits 0", and `pnpm start` is how the README starts the server. The
 * root script execs node, so the signal reaches seqcast itself and pnpm reports its exit code
 * (a shell in between would die of the signal: 143 / 130).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'seqcast-pnpm-start-'));

beforeAll(() => {
  const r = spawnSync(
    process.execPath,
    [path.join(REPO, 'apps/cli/dist/main.js'), 'chars', 'train', '--inline', 'hihello', '--seq', '6', '--epochs', '5', '--out', path.join(dir, 'hihello')],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `pnpm start` in its own process group; `signal` once it serves, to the group for SIGINT (as Ctrl-C does). */
function startAndStop(signal: 'SIGTERM' | 'SIGINT'): Promise<{ code: number | null; signal: string | null; out: string }> {
  const child = spawn('pnpm', ['start', '--', '--models', dir, '--port', '0', '--quiet'], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let sent = false;
  const onData = (d: Buffer) => {
    out += d.toString();
    if (!sent && /serving 1 model from/.test(out)) {
      sent = true;
      process.kill(signal === 'SIGINT' ? -child.pid! : child.pid!, signal);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig, out })));
}

describe('pnpm start', () => {
  it('exits 0 on SIGTERM', async () => {
    const r = await startAndStop('SIGTERM');
    expect(r, r.out.slice(-800)).toMatchObject({ code: 0, signal: null });
  });

  it('exits 0 on Ctrl-C (SIGINT to the process group)', async () => {
    const r = await startAndStop('SIGINT');
    expect(r, r.out.slice(-800)).toMatchObject({ code: 0, signal: null });
  });
});
