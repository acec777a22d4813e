/**
 * One server per models directory: a lock file (`<models>/.lock`, created exclusively, holding
 * the owner's pid) taken before anything in the directory is read or changed. A second server on
 * the same directory is refused at start-up, before it could mark the first one's running job
 * `interrupted` or remove its half-written versions. A lock left by a process that no longer
 * exists is taken over.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SeqcastError } from '@seqcast/core';

export const LOCK_FILE = '.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A held lock; `release` is idempotent. */
export interface ModelsLock {
  release(): Promise<void>;
}

/**
 * Take the lock on `modelsDir` (which must exist), or throw CONFLICT naming the holder.
 *
 * @example
 * const lock = await lockModelsDir('models');
 * await lock.release();
 */
export async function lockModelsDir(modelsDir: string): Promise<ModelsLock> {
  const file = path.join(modelsDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          await fs.rm(file, { force: true });
        },
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new SeqcastError('BAD_ARGUMENT', `cannot use models directory ${modelsDir} (${code ?? String(e)} on ${LOCK_FILE})`, { where: 'modelsDir' });
      }
      const pid = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new SeqcastError('CONFLICT', `models directory ${modelsDir} is in use by another seqcast server (pid ${pid})`, { where: 'modelsDir' });
      }
      await fs.rm(file, { force: true }); // stale: its process is gone
    }
  }
  throw new SeqcastError('CONFLICT', `models directory ${modelsDir} is in use by another seqcast server`, { where: 'modelsDir' });
}
