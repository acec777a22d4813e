/**
 * One server per models directory: a lock taken before anything in the directory is read or
 * changed. A second server on the same directory is refused at start-up, before it could mark the
 * first one's running job `interrupted` or remove its half-written versions. A lock left by a
 * process that no longer exists is taken over.
 *
 * The lock is a directory `<models>/.lock/` of numbered generations: the highest number is the
 * lock, holding its owner's pid (or `free` once released). Taking the lock means creating the
 * next number, and only when the highest one is free or its process is gone. Files appear whole
 * (written aside, then hard-linked into place) and link() fails when the name exists, so of any
 * number of processes taking over the same stale lock exactly one creates the next generation.
 * The winner then checks that no higher number exists (a slow taker may re-create a number
 * already cleaned up; a lower number never wins) and removes the lower ones. On a filesystem
 * without hard links a generation is created exclusively (O_EXCL) and its pid written after; a
 * reader waits up to a second for an empty generation to get its pid. Read-then-remove of
 * one lock file is not atomic: two servers could both take it (issue 28, break 6).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SeqcastError } from '@seqcast/core';
import { processAlive } from '@seqcast/core/internals';

/** The lock directory inside the models directory (a plain file there is an older version's lock). */
export const LOCK_FILE = '.lock';
const FREE = 'free';
const GENERATION_RE = /^[1-9][0-9]{0,14}$/;

/** A held lock; `release` is idempotent. */
export interface ModelsLock {
  release(): Promise<void>;
}

function inUse(modelsDir: string, pid?: number): SeqcastError {
  const holder = pid === undefined ? '' : ` (pid ${pid})`;
  return new SeqcastError('CONFLICT', `models directory ${modelsDir} is in use by another seqcast server${holder}`, { where: 'modelsDir' });
}

function cannotUse(modelsDir: string, e: unknown): SeqcastError {
  const code = (e as NodeJS.ErrnoException).code;
  return new SeqcastError('BAD_ARGUMENT', `cannot use models directory ${modelsDir} (${code ?? String(e)} on ${LOCK_FILE})`, { where: 'modelsDir' });
}

/** A live pid read from `file`, or undefined when it is free, stale, or gone. */
async function liveHolder(file: string): Promise<number | undefined> {
  let text = '';
  // Empty: a writer without hard links (see createGeneration) has not written its pid yet.
  for (let wait = 0; wait < 20 && text === ''; wait++) {
    if (wait > 0) await new Promise((r) => setTimeout(r, 50));
    text = (await fs.readFile(file, 'utf8').catch(() => FREE)).trim();
  }
  const pid = Number(text);
  return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : undefined;
}

/**
 * Create generation `file` holding our pid, all at once (link of a written file); false when it
 * exists. Where hard links are not supported, an exclusive create followed by the write.
 */
async function createGeneration(lockDir: string, file: string): Promise<boolean> {
  const tmp = await aside(lockDir, `${process.pid}\n`);
  try {
    await fs.link(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
  try {
    await fs.writeFile(file, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

async function generations(lockDir: string): Promise<number[]> {
  return (await fs.readdir(lockDir)).filter((n) => GENERATION_RE.test(n)).map(Number);
}

/** Write `text` to a temp file beside the generations and return its path. */
async function aside(lockDir: string, text: string): Promise<string> {
  const tmp = path.join(lockDir, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.writeFile(tmp, text, { flag: 'wx' });
  return tmp;
}

/** Lower generations, and temp files of processes killed while writing one. */
async function removeLeftovers(lockDir: string, mine: number): Promise<void> {
  for (const name of await fs.readdir(lockDir)) {
    const writer = /^\.tmp-([1-9][0-9]*)-/.exec(name)?.[1];
    const old = GENERATION_RE.test(name) && Number(name) < mine;
    if (old || (writer !== undefined && !processAlive(Number(writer)))) await fs.unlink(path.join(lockDir, name)).catch(() => undefined);
  }
}

/** An older version's lock (a plain `.lock` file with a pid): respected while its process lives. */
async function retireLegacyLock(modelsDir: string, lockDir: string): Promise<void> {
  const st = await fs.lstat(lockDir).catch(() => undefined);
  if (!st || st.isDirectory()) return;
  if (!st.isFile()) throw cannotUse(modelsDir, Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }));
  const pid = await liveHolder(lockDir);
  if (pid !== undefined) throw inUse(modelsDir, pid);
  // unlink() never removes a directory: a lock directory made meanwhile by another taker stays.
  await fs.unlink(lockDir).catch(() => undefined);
}

/**
 * Take the lock on `modelsDir` (which must exist), or throw CONFLICT naming the holder.
 *
 * @example
 * const lock = await lockModelsDir('models');
 * await lock.release();
 */
export async function lockModelsDir(modelsDir: string): Promise<ModelsLock> {
  const lockDir = path.join(modelsDir, LOCK_FILE);
  try {
    await retireLegacyLock(modelsDir, lockDir);
    await fs.mkdir(lockDir).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    for (let attempt = 0; attempt < 100; attempt++) {
      const top = Math.max(0, ...(await generations(lockDir)));
      if (top > 0) {
        const pid = await liveHolder(path.join(lockDir, String(top)));
        if (pid !== undefined) throw inUse(modelsDir, pid);
      }
      const mine = top + 1;
      const file = path.join(lockDir, String(mine));
      if (!(await createGeneration(lockDir, file))) continue; // another process took `mine` first
      if (Math.max(...(await generations(lockDir))) !== mine) {
        await fs.unlink(file).catch(() => undefined); // a re-created old number: not the lock
        continue;
      }
      await removeLeftovers(lockDir, mine);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          // Replaced whole (rename), never removed: the highest generation must stay the highest.
          const free = await aside(lockDir, `${FREE}\n`);
          await fs.rename(free, file);
        },
      };
    }
  } catch (e) {
    if (e instanceof SeqcastError) throw e;
    throw cannotUse(modelsDir, e);
  }
  throw inUse(modelsDir);
}
