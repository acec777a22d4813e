/**
 * The CLI's side of safe saving: every command that writes a model checks its `--out` before any
 * work, so a refusal (a user's directory, a file, a model without `--force`) costs nothing and
 * touches nothing.
 */
import { checkSaveTarget, isSeqcastError, SeqcastError } from '@seqcast/core';

/** Refuse an unsafe `--out` (see checkSaveTarget) with a one-line error naming the flag. */
export async function checkOut(out: string, save: { overwrite: boolean }, flag = '--out'): Promise<void> {
  try {
    await checkSaveTarget(out, save);
  } catch (e) {
    if (!isSeqcastError(e)) throw e;
    const message = e.message.replace('(replace it with --force / overwrite: true)', '(pass --force to replace it)');
    throw new SeqcastError(e.code, `${flag} ${message}`, { where: flag }, { cause: e });
  }
}
