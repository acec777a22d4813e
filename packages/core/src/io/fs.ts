/** Small file-system helpers shared by the model and checkpoint readers. */
import { promises as fs } from 'node:fs';

/**
 * Whether anything exists at `p` (file, directory or link target); for error messages that tell
 * "does not exist" from "is not what we expected".
 *
 * @example
 * if (!(await pathExists(dir))) throw new SeqcastError('NOT_FOUND', `${dir} does not exist`);
 */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
