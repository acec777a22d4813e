// The library's save path never removes what it did not create (the CLI's --out checks sit on this).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../internals.js';
import { checkSaveTarget, saveModelDir } from './model-dir.js';
import { isSeqcastError } from '../errors.js';

/** `CODE message` of what `p` rejects with. */
async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isSeqcastError(e)) return `${e.code} ${e.message}`;
    throw e;
  }
  return 'no error';
}

let tmp: string;
let model: tf.LayersModel;
const meta = { kind: 'test', config: {}, extra: {} };

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-model-dir-'));
  model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
});
afterAll(async () => {
  model.dispose();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('saveModelDir', () => {
  it('refuses a directory with other files, a file and a symlink, leaving them untouched', async () => {
    const d = path.join(tmp, 'user');
    await fs.mkdir(d);
    await fs.writeFile(path.join(d, 'keep.txt'), 'k');
    expect(await errorOf(saveModelDir(d, model, meta, { overwrite: true }))).toMatch(/^CONFLICT .*user is not empty and is not a seqcast model directory/);
    expect(await fs.readdir(d)).toEqual(['keep.txt']);
    const f = path.join(tmp, 'file');
    await fs.writeFile(f, 'f');
    expect(await errorOf(saveModelDir(f, model, meta, { overwrite: true }))).toMatch(/^CONFLICT .*exists and is not a directory/);
    expect(await fs.readFile(f, 'utf8')).toBe('f');
    await fs.symlink(d, path.join(tmp, 'ln'));
    expect(await errorOf(checkSaveTarget(path.join(tmp, 'ln'), { overwrite: true }))).toMatch(/^CONFLICT .*is a symbolic link/);
    expect((await fs.readdir(tmp)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('replaces a model only with overwrite, and then only its own files', async () => {
    const m = path.join(tmp, 'm');
    expect((await checkSaveTarget(m)).state).toBe('absent');
    await saveModelDir(m, model, meta);
    expect(await errorOf(saveModelDir(m, model, meta))).toMatch(/^CONFLICT .*already holds a seqcast model/);
    expect((await checkSaveTarget(m, { overwrite: true })).state).toBe('model');
    await saveModelDir(m, model, meta, { overwrite: true });
    expect((await fs.readdir(m)).sort()).toEqual(['model.json', 'seqcast.json', 'weights.bin']);
    await fs.writeFile(path.join(m, 'notes.md'), 'n');
    expect(await errorOf(saveModelDir(m, model, meta, { overwrite: true }))).toMatch(/other files \(notes\.md\)/);
    expect(await fs.readFile(path.join(m, 'notes.md'), 'utf8')).toBe('n');
  });
});
