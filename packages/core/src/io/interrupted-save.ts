/**
 * Finishing what a killed save left behind.
 *
 * `saveModelDir` writes a complete model into `.<name>.tmp-<pid>-<random>` beside the target,
 * and then, to replace a model, renames the old one to `.<name>.tmp-<pid>-<random>-old`, renames
 * the new one into place and removes the old one. rename() cannot replace a non-empty directory,
 * so there is a moment with no model at the target. A process killed in that moment leaves:
 *
 *   target missing, `…-old` present, temp present  -> the temp is complete (it was renamed only
 *                                                    after being written): roll forward to it
 *   target missing, `…-old` present, no temp       -> put the old model back
 *   target present, `…-old` present                -> the old model is a leftover: remove it
 *   temp present, no `…-old`                       -> an unfinished save: remove it
 *
 * Every model load and save runs this first, so the model is loadable again (old or new) on the
 * next use and leftovers go away. Entries of a live process are left alone (it is still saving);
 * names without a pid (written by older versions) count as abandoned.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The temp-directory prefix of a save of `target` by this process (mkdtemp adds 6 characters). */
export function saveTempPrefix(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-`);
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The name of the environment variable of {@link faultPoint} (tests only). */
export const FAULT_ENV = 'SEQCAST_TEST_KILL_AFTER';

/**
 * A test-only fault hook: when `SEQCAST_TEST_KILL_AFTER` names `step`, the process SIGKILLs
 * itself here, so tests can check that a crash at every step of a save leaves a loadable model.
 */
export function faultPoint(step: string): void {
  if (process.env[FAULT_ENV] === step) process.kill(process.pid, 'SIGKILL');
}

/** Remove a directory holding only a model's own `files` (never recursively: anything else keeps it). */
export async function removeOnlyFiles(dir: string, files: ReadonlySet<string>): Promise<void> {
  for (const f of await fs.readdir(dir)) {
    if (files.has(f)) await fs.unlink(path.join(dir, f));
  }
  await fs.rmdir(dir); // fails (and keeps everything) if anything else is in it
}

interface SaveLeftovers {
  pid: number | undefined;
  temp?: string;
  old?: string;
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Recover `target` from a save killed part-way (see the module comment). Best effort: what
 * cannot be read or moved is left as it is and never throws. Returns what was done, for logs.
 *
 * @example
 * await recoverInterruptedSave('models/hihello', MODEL_FILES);   // ['rolled forward to .hihello.tmp-4242-Ab12Cd']
 */
export async function recoverInterruptedSave(target: string, modelFiles: ReadonlySet<string>): Promise<string[]> {
  const done: string[] = [];
  const parent = path.dirname(path.resolve(target));
  const prefix = `.${path.basename(path.resolve(target))}.tmp-`;
  let names: string[];
  try {
    names = (await fs.readdir(parent)).filter((n) => n.startsWith(prefix));
  } catch {
    return done;
  }
  if (names.length === 0) return done;
  const groups = new Map<string, SaveLeftovers>();
  for (const name of names) {
    const m = /^(?:([1-9][0-9]*)-)?([A-Za-z0-9]{6})(-old)?$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const key = `${m[1] ?? ''}-${m[2]}`;
    const g = groups.get(key) ?? { pid: m[1] === undefined ? undefined : Number(m[1]) };
    if (m[3]) g.old = name;
    else g.temp = name;
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    if (g.pid !== undefined && (g.pid === process.pid || processAlive(g.pid))) continue; // still saving
    try {
      if (g.old && !(await exists(target))) {
        // The old model was moved aside and the new one not yet moved in.
        if (g.temp) {
          await fs.rename(path.join(parent, g.temp), target);
          done.push(`rolled forward to ${g.temp}`);
          g.temp = undefined;
        } else {
          await fs.rename(path.join(parent, g.old), target);
          done.push(`restored ${g.old}`);
          g.old = undefined;
        }
      }
      for (const leftover of [g.old, g.temp]) {
        if (leftover === undefined) continue;
        await removeOnlyFiles(path.join(parent, leftover), modelFiles);
        done.push(`removed ${leftover}`);
      }
    } catch {
      // Left for the next attempt (another process may be recovering the same target).
    }
  }
  return done;
}
