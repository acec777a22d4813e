/**
 * Reading the files of a model directory without leaving it and without reading more than the
 * model can need.
 *
 * Every path component under the model directory is checked with lstat (a linked sub-directory
 * would read whatever it points at), and the file itself is opened with O_NOFOLLOW, so a link
 * swapped in after the check is refused too. Sizes are checked on the open file before a byte
 * is read: a huge or sparse file is refused at once with its size and the limit, never read into
 * memory first (and never reported as "missing" because it is too big to read in one call).
 */
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SeqcastError } from '../errors.js';

/** Largest JSON file of a model (`model.json`, `seqcast.json`, `checkpoint.json`). */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
/** Largest weights of one model (all its weights files together), and of a checkpoint's tensors. */
export const MAX_WEIGHTS_BYTES = 2 * 1024 * 1024 * 1024 - 1;

/** "3.0 GB (3221225472 bytes)": a size a reader can compare with a limit. */
export function formatBytes(n: number): string {
  const units: [number, string][] = [
    [1024 ** 3, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [size, unit] of units) {
    if (n >= size) return `${(n / size).toFixed(1)} ${unit} (${n} bytes)`;
  }
  return `${n} bytes`;
}

/** Why a model file cannot be opened: missing, a link, not a regular file. */
export class MissingModelFile extends SeqcastError {
  constructor(readonly file: string) {
    super('BAD_MODEL', `${file} is missing`, { where: file });
  }
}

/** An open regular file inside a model directory and its size. */
export interface ModelFile {
  file: string;
  size: number;
  handle: fs.FileHandle;
}

function linkError(p: string): SeqcastError {
  return new SeqcastError('BAD_MODEL', `${p} is a symbolic link; a model's files and folders must not be links`, { where: p });
}

/**
 * Open `relative` (e.g. `weights.bin`, `./w/weights.bin`) inside `dir`. Refused (BAD_MODEL,
 * naming the path): a path that climbs out of `dir` or is absolute, any component under `dir`
 * that is a symbolic link, a component that is not a directory, a file that is not a regular
 * file. A missing file throws {@link MissingModelFile}. The caller closes the handle.
 */
export async function openModelFile(dir: string, relative: string, where = dir): Promise<ModelFile> {
  const normal = path.normalize(relative);
  if (path.isAbsolute(normal) || normal === '..' || normal.startsWith(`..${path.sep}`)) {
    throw new SeqcastError('BAD_MODEL', `${where} points outside its directory (${relative})`, { where });
  }
  const parts = normal.split(path.sep).filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw new SeqcastError('BAD_MODEL', `${where} names no file (${JSON.stringify(relative)})`, { where });
  let cur = dir;
  for (const part of parts.slice(0, -1)) {
    cur = path.join(cur, part);
    const st = await fs.lstat(cur).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw new MissingModelFile(path.join(dir, normal));
      throw new SeqcastError('BAD_MODEL', `${cur} cannot be read (${e.code ?? 'error'})`, { where: cur });
    });
    if (st.isSymbolicLink()) throw linkError(cur);
    if (!st.isDirectory()) throw new SeqcastError('BAD_MODEL', `${cur} is not a directory`, { where: cur });
  }
  const file = path.join(cur, parts.at(-1)!);
  let handle: fs.FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO planted as a model file must not hang; no effect on regular files.
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw linkError(file);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new MissingModelFile(file);
    throw new SeqcastError('BAD_MODEL', `${file} cannot be read (${code ?? 'error'})`, { where: file }, { cause: e });
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new SeqcastError('BAD_MODEL', `${file} is not a regular file`, { where: file });
    return { file, size: st.size, handle };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** Read the whole of an open model file into `into` at `offset` (exactly `size` bytes). */
export async function readInto(f: ModelFile, into: Buffer, offset: number): Promise<void> {
  let done = 0;
  while (done < f.size) {
    const { bytesRead } = await f.handle.read(into, offset + done, f.size - done, done);
    if (bytesRead === 0) throw new SeqcastError('BAD_MODEL', `${f.file} was truncated while being read`, { where: f.file });
    done += bytesRead;
  }
}

/**
 * Read a model's file whole, refusing it before reading when it is over `maxBytes`.
 *
 * @example
 * const text = (await readModelFile('models/hihello', 'seqcast.json', MAX_MODEL_JSON_BYTES)).toString('utf8');
 */
export async function readModelFile(dir: string, relative: string, maxBytes: number): Promise<Buffer> {
  const f = await openModelFile(dir, relative);
  try {
    if (f.size > maxBytes) {
      throw new SeqcastError('BAD_MODEL', `${f.file} is ${formatBytes(f.size)}, over the ${formatBytes(maxBytes)} limit for this file; it was not read`, {
        where: f.file,
      });
    }
    const buf = Buffer.allocUnsafe(f.size);
    await readInto(f, buf, 0);
    return buf;
  } finally {
    await f.handle.close();
  }
}
