// The models-directory lock: exactly one of many processes racing for a stale lock gets it.
// The racers are separate processes (the built lock module), released together by one "go".
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tmpDir } from '../testing/fixtures.js';
import { lockModelsDir, LOCK_FILE } from './lock.js';

const LOCK_MODULE = pathToFileURL(path.resolve(__dirname, '../../dist/models/lock.js')).href;
const RACERS = 6;
const dirs: { cleanup(): void }[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));

/** Waits for "go" on stdin, takes the lock, prints the outcome, holds it until stdin ends. */
const RACER = `
const { lockModelsDir } = await import(${JSON.stringify(LOCK_MODULE)});
process.stdout.write('ready\\n');
let input = '';
process.stdin.on('data', async (d) => {
  input += d;
  if (input !== 'go\\n') return;
  try {
    await lockModelsDir(process.argv[1]);
    process.stdout.write('won\\n');
  } catch (e) {
    process.stdout.write((e.code ?? 'ERROR ' + e.message) + '\\n');
  }
});
`;

function lines(child: ChildProcess): AsyncIterator<string> {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      queue.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    wake?.();
  });
  child.once('close', (code) => {
    queue.push(`exited (${String(code)})`); // a racer that died is an outcome, not a hang
    wake?.();
  });
  return {
    async next() {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      return { value: queue.shift()!, done: false };
    },
  };
}

/** Start RACERS processes on `dir`, release them at once, and return what each one got. */
async function race(dir: string): Promise<string[]> {
  const children = Array.from({ length: RACERS }, () =>
    spawn(process.execPath, ['--input-type=module', '-e', RACER, dir], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  try {
    const outputs = children.map(lines);
    for (const out of outputs) expect((await out.next()).value).toBe('ready');
    for (const c of children) c.stdin!.write('go\n');
    return await Promise.all(outputs.map(async (out) => (await out.next()).value));
  } finally {
    for (const c of children) c.stdin!.end();
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  }
}

/** The pid of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

describe('models directory lock', () => {
  // One round per kind of stale lock (each spawns RACERS processes: slow on a busy machine).
  const setups: [string, (dir: string) => Promise<void>][] = [
    [
      'a lock whose holder died',
      async (dir) => {
        const lock = await lockModelsDir(dir);
        await lock.release();
        await fs.writeFile(path.join(dir, LOCK_FILE, '1'), `${deadPid()}\n`);
      },
    ],
    ['a released lock', async (dir) => (await lockModelsDir(dir)).release()],
    ["an older version's lock file whose holder died", (dir) => fs.writeFile(path.join(dir, LOCK_FILE), `${deadPid()}\n`)],
  ];
  it.each(setups)(
    'break 6: of many processes taking over %s at once, exactly one wins',
    async (_what, setup) => {
      const dir = tmpDir();
      dirs.push(dir);
      await setup(dir.dir);
      const outcomes = await race(dir.dir);
      expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
      expect(outcomes.filter((o) => o !== 'won')).toEqual(Array(RACERS - 1).fill('CONFLICT'));
    },
    180_000,
  );

  it('a live holder is named; its release lets the next one in; a stale holder is taken over', async () => {
    const dir = tmpDir();
    dirs.push(dir);
    const lock = await lockModelsDir(dir.dir);
    await expect(lockModelsDir(dir.dir)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `models directory ${dir.dir} is in use by another seqcast server (pid ${process.pid})`,
    });
    await lock.release();
    await lock.release(); // idempotent
    const next = await lockModelsDir(dir.dir);
    await next.release();
    // A holder that died: taken over, and only the newest generation is left behind.
    const files = await fs.readdir(path.join(dir.dir, LOCK_FILE));
    await fs.writeFile(path.join(dir.dir, LOCK_FILE, String(Number(files[0]) + 1)), `${deadPid()}\n`);
    const taken = await lockModelsDir(dir.dir);
    expect(await fs.readdir(path.join(dir.dir, LOCK_FILE))).toEqual([String(Number(files[0]) + 2)]);
    await taken.release();
  });

  it('works where hard links are not supported (exclusive create instead)', async () => {
    const dir = tmpDir();
    dirs.push(dir);
    const fsp = (await import('node:fs')).promises;
    const spy = vi.spyOn(fsp, 'link').mockRejectedValue(Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' }));
    try {
      const lock = await lockModelsDir(dir.dir);
      await expect(lockModelsDir(dir.dir)).rejects.toMatchObject({ code: 'CONFLICT' });
      await lock.release();
      await (await lockModelsDir(dir.dir)).release();
      expect(spy).toHaveBeenCalled();
      expect((await fs.readdir(path.join(dir.dir, LOCK_FILE))).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});
