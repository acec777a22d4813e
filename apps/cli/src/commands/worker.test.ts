// `seqcast worker` mistakes a user can make are one-line errors with an exit code, never a stack
// or a hang: no Redis URL, a URL that is not redis://, a Redis nobody answers at, and `serve
// --redis` with the same mistakes. (The worker at work is tested in apps/server's queue tests.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lastLine, runCli } from '../testing/run-cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'seqcast-worker-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('seqcast worker', () => {
  it('needs --redis (or SEQCAST_REDIS_URL) and --models', () => {
    const r = runCli(['worker', '--models', dir], { SEQCAST_REDIS_URL: undefined });
    expect(r.code).toBe(2);
    expect(lastLine(r.stderr)).toBe('seqcast: error: worker: --redis URL is required (or set SEQCAST_REDIS_URL)');
    const m = runCli(['worker', '--redis', 'redis://127.0.0.1:1']);
    expect(m.code).toBe(2);
    expect(lastLine(m.stderr)).toBe('seqcast: error: worker: --models is required');
  });

  it('names a URL that is not redis:// and a Redis that does not answer, on one line', () => {
    const bad = runCli(['worker', '--redis', 'http://example.com', '--models', dir]);
    expect(bad.code).toBe(2);
    expect(lastLine(bad.stderr)).toBe('seqcast: error: redisUrl must be a redis:// or rediss:// URL (received protocol http:)');
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const away = runCli(['worker', '--redis', 'redis://:secret@127.0.0.1:1', '--models', dir], {}, 30_000);
    expect(away.code).toBe(6);
    expect(away.stderr.trim().split('\n')).toHaveLength(1);
    expect(away.stderr).toMatch(/^seqcast: error: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\b/);
    expect(away.stderr).not.toContain('secret');
  });

  it('serve --redis refuses an unreachable Redis at start-up with the same line', () => {
    const r = runCli(['serve', '--models', dir, '--port', '0', '--redis', 'redis://127.0.0.1:1', '--quiet'], {}, 30_000);
    expect(r.code).toBe(6);
    expect(lastLine(r.stderr)).toMatch(/^seqcast: error: cannot reach Redis at redis:\/\/127\.0\.0\.1:1\b/);
  });
});
