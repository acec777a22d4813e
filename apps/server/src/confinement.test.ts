// The server stays inside its models directory: symlinks are never followed out of it, leftovers
// never stop a start, and a second server cannot touch the first one's directory.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CharLM } from '@seqcast/core';
import { createApp } from './app.js';
import { startServer, type RunningServer } from './server.js';
import { tmpDir, trainHihello } from './testing/fixtures.js';
import { memoryLogger } from './logger.js';
import type { JobRecord } from './jobs/types.js';

const TOKEN = 'confine';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const models = tmpDir();
const outside = tmpDir('seqcast-outside-');
let lm: CharLM;
let server: RunningServer;

beforeAll(async () => {
  lm = await trainHihello();
  await lm.save(path.join(models.dir, 'inside'));
  await lm.save(path.join(outside.dir, 'secret'));
  // A linked model directory, a model whose files link out, and a name linked to an empty dir.
  await fs.symlink(path.join(outside.dir, 'secret'), path.join(models.dir, 'linked'));
  await fs.mkdir(path.join(models.dir, 'filelinks'));
  for (const f of ['model.json', 'weights.bin', 'seqcast.json']) {
    await fs.symlink(path.join(outside.dir, 'secret', f), path.join(models.dir, 'filelinks', f));
  }
  // A model whose model.json reaches its weights through a linked sub-directory (break 5).
  await lm.save(path.join(models.dir, 'sublink'));
  const manifest = JSON.parse(await fs.readFile(path.join(models.dir, 'sublink', 'model.json'), 'utf8'));
  manifest.weightsManifest[0].paths = ['./w/weights.bin'];
  await fs.writeFile(path.join(models.dir, 'sublink', 'model.json'), JSON.stringify(manifest));
  await fs.rm(path.join(models.dir, 'sublink', 'weights.bin'));
  await fs.symlink(path.join(outside.dir, 'secret'), path.join(models.dir, 'sublink', 'w'));
  await fs.mkdir(path.join(outside.dir, 'sink'));
  await fs.symlink(path.join(outside.dir, 'sink'), path.join(models.dir, 'sink'));
  server = await startServer({ modelsDir: models.dir, port: 0, token: TOKEN, logger: false });
});
afterAll(async () => {
  await server?.close();
  lm.dispose();
  models.cleanup();
  outside.cleanup();
});

describe('symlinks in the models directory', () => {
  it('a linked model, or one whose files link out, is neither listed nor served (404)', async () => {
    const list = (await (await fetch(`${server.url}/v1/models`)).json()) as { models: { name: string }[] };
    expect(list.models.map((m) => m.name)).toEqual(['inside']);
    for (const name of ['linked', 'filelinks', 'sink']) {
      expect((await fetch(`${server.url}/v1/models/${name}`)).status).toBe(404);
      const next = await fetch(`${server.url}/v1/models/${name}/next`, { method: 'POST', headers: auth, body: JSON.stringify({ text: 'hi' }) });
      expect(next.status).toBe(404);
    }
  });

  it('break 5: a model reading its weights through a linked sub-directory is neither listed nor served (404)', async () => {
    const list = (await (await fetch(`${server.url}/v1/models`)).json()) as { models: { name: string }[] };
    expect(list.models.map((m) => m.name)).not.toContain('sublink');
    expect((await fetch(`${server.url}/v1/models/sublink`)).status).toBe(404);
    const next = await fetch(`${server.url}/v1/models/sublink/next`, { method: 'POST', headers: auth, body: JSON.stringify({ text: 'hi' }) });
    expect(next.status).toBe(404);
  });

  it('deleting a linked name removes nothing outside; training under it is refused (409), nothing written outside', async () => {
    expect((await fetch(`${server.url}/v1/models/linked`, { method: 'DELETE', headers: auth })).status).toBe(404);
    expect((await fs.readdir(path.join(outside.dir, 'secret'))).sort()).toEqual(['model.json', 'seqcast.json', 'weights.bin']);
    const res = await fetch(`${server.url}/v1/jobs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ kind: 'chars', name: 'sink', text: 'hihello', options: { seqLength: 3, epochs: 2 } }),
    });
    expect(res.status).toBe(409);
    expect(await fs.readdir(path.join(outside.dir, 'sink'))).toEqual([]);
  });
});

describe('start-up and the directory lock', () => {
  it("a second server on the same directory is refused and leaves the first one's job records alone", async () => {
    const id = randomUUID();
    const rec = {
      id,
      name: 'x',
      kind: 'chars',
      state: 'running',
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
      step: 0,
      steps: 1,
      unit: 'epoch',
      epoch: 0,
      epochs: 1,
      loss: null,
      elapsedMs: 0,
      etaMs: null,
      options: {},
      model: null,
      error: null,
    } satisfies JobRecord;
    const file = path.join(models.dir, '.jobs', `${id}.json`);
    await fs.writeFile(file, JSON.stringify(rec)); // as if the first server's job were running
    await expect(startServer({ modelsDir: models.dir, port: server.port, logger: false })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/^models directory .* is in use by another seqcast server \(pid \d+\)$/),
    });
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toMatchObject({ state: 'running' });
    await fs.rm(file);
  });

  it('a leftover .deleted-* it cannot remove is skipped with a warning; the start succeeds', async () => {
    const dir = tmpDir();
    try {
      await lm.save(path.join(dir.dir, 'm'));
      await fs.mkdir(path.join(dir.dir, '.deleted-old-1234'));
      const fsp = (await import('node:fs')).promises;
      const rm = fsp.rm.bind(fsp);
      const spy = vi.spyOn(fsp, 'rm').mockImplementation(async (p, o) => {
        if (String(p).includes('.deleted-')) throw Object.assign(new Error('EACCES: permission denied, unlink'), { code: 'EACCES' });
        return rm(p, o);
      });
      const logger = memoryLogger();
      try {
        const app = await createApp({ modelsDir: dir.dir, logger });
        expect(app.registry.list().map((m) => m.name)).toEqual(['m']);
        expect(logger.entries.some((e) => e.msg === 'could not remove a deleted model; skipped')).toBe(true);
        await app.close();
      } finally {
        spy.mockRestore();
      }
    } finally {
      dir.cleanup();
    }
  });

  it('break 7: a model a killed `--force` left aside is served again after a start, and the leftovers are gone', async () => {
    const dir = tmpDir();
    try {
      // A save killed between its renames: old model aside, the complete new one not yet in place.
      const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
      await lm.save(path.join(dir.dir, `.m.tmp-${deadPid}-AbC123-old`));
      await lm.save(path.join(dir.dir, `.m.tmp-${deadPid}-AbC123`));
      // An older version's names (no pid): an old model aside with nothing to roll forward to.
      await lm.save(path.join(dir.dir, '.n.tmp-XyZ789-old'));
      const logger = memoryLogger();
      const app = await createApp({ modelsDir: dir.dir, logger });
      try {
        expect(app.registry.list().map((m) => m.name)).toEqual(['m', 'n']);
        expect((await fs.readdir(dir.dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
        expect(logger.entries.filter((e) => e.msg === 'repaired an interrupted model save').map((e) => e.did)).toEqual([
          `rolled forward to .m.tmp-${deadPid}-AbC123`,
          `removed .m.tmp-${deadPid}-AbC123-old`,
          'restored .n.tmp-XyZ789-old',
        ]);
      } finally {
        await app.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  it('serve --models on a file is one line, exit 2', () => {
    const cli = path.resolve(__dirname, '../../cli/dist/main.js');
    const r = spawnSync(process.execPath, [cli, 'serve', '--models', '/etc/passwd', '--port', '0'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('seqcast: error: models directory /etc/passwd is not a directory');
  });
});
