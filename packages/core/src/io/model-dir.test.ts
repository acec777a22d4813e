// The library's save path never removes what it did not create (the CLI's --out checks sit on this).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tf } from '../internals.js';
import { checkSaveTarget, loadLayersModelDir, readModelMetadata, saveModelDir } from './model-dir.js';
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

describe('more networks in one model directory (an ensemble)', () => {
  it('saves member networks in the same atomic save, loads each by name, and a replace removes them', async () => {
    const d = path.join(tmp, 'ensemble');
    const other = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [3] })] });
    try {
      await saveModelDir(d, model, meta, { networks: { 'member-1': other } });
      expect((await fs.readdir(d)).sort()).toEqual(['member-1.model.json', 'member-1.weights.bin', 'model.json', 'seqcast.json', 'weights.bin']);
      const main = await loadLayersModelDir(d);
      const member = await loadLayersModelDir(d, 'member-1');
      // Each network comes back with its own shapes and weights.
      expect(main.inputs[0]!.shape).toEqual([null, 2]);
      expect(member.inputs[0]!.shape).toEqual([null, 3]);
      expect(Array.from(member.getWeights()[0]!.dataSync())).toEqual(Array.from(other.getWeights()[0]!.dataSync()));
      main.dispose();
      member.dispose();
      // A single-network model replaces the ensemble: the members' files go with the old model.
      await saveModelDir(d, model, meta, { overwrite: true });
      expect((await fs.readdir(d)).sort()).toEqual(['model.json', 'seqcast.json', 'weights.bin']);
      expect(await errorOf(loadLayersModelDir(d, 'member-1'))).toMatch(/^BAD_MODEL .*member-1\.model\.json is missing/);
      expect(await errorOf(saveModelDir(path.join(tmp, 'bad-name'), model, meta, { networks: { '../x': other } }))).toMatch(/^INTERNAL .*member-<k>/);
    } finally {
      other.dispose();
    }
  });
});

describe('a save on a full disk', () => {
  /** An fs error as node raises it (`code` set). */
  const ioError = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

  it.each(['ENOSPC', 'EDQUOT'])('%s while writing the weights is INSUFFICIENT_STORAGE naming the directory; the old model is kept', async (code) => {
    const m = path.join(tmp, `full-${code}`);
    await saveModelDir(m, model, { ...meta, extra: { generation: 1 } });
    const before = await fs.readFile(path.join(m, 'weights.bin'));
    const real = fs.writeFile.bind(fs);
    const spy = vi.spyOn(fs, 'writeFile').mockImplementation((file, data, opts) => {
      if (String(file).endsWith('weights.bin')) return Promise.reject(ioError(code));
      return real(file, data, opts);
    });
    try {
      const e = await errorOf(saveModelDir(m, model, { ...meta, extra: { generation: 2 } }, { overwrite: true }));
      expect(e).toBe(
        `INSUFFICIENT_STORAGE cannot save a model at ${m} (${code}: ${code === 'ENOSPC' ? 'no space left on the device' : 'disk quota exceeded'}); nothing at ${m} was changed; free space in ${tmp} and retry`,
      );
    } finally {
      spy.mockRestore();
    }
    expect((await readModelMetadata(m)).extra).toEqual({ generation: 1 });
    expect(await fs.readFile(path.join(m, 'weights.bin'))).toEqual(before);
    expect((await fs.readdir(tmp)).filter((n) => n.includes('.tmp-'))).toEqual([]); // no temp directory left behind
    (await loadLayersModelDir(m)).dispose();
  });

  it('out of inodes (ENOSPC from the temp directory) is INSUFFICIENT_STORAGE too', async () => {
    const m = path.join(tmp, 'inodes');
    await saveModelDir(m, model, meta);
    // Over an existing model the first mkdtemp is the save's temp directory.
    const spy = vi.spyOn(fs, 'mkdtemp').mockRejectedValueOnce(ioError('ENOSPC'));
    try {
      expect(await errorOf(saveModelDir(m, model, meta, { overwrite: true }))).toMatch(/^INSUFFICIENT_STORAGE cannot save a model at .*inodes \(ENOSPC: /);
    } finally {
      spy.mockRestore();
    }
    expect((await readModelMetadata(m)).kind).toBe('test');
  });

  it('other write errors stay BAD_ARGUMENT', async () => {
    const m = path.join(tmp, 'eio');
    const spy = vi.spyOn(fs, 'writeFile').mockRejectedValueOnce(ioError('EIO'));
    try {
      expect(await errorOf(saveModelDir(m, model, meta))).toBe(`BAD_ARGUMENT cannot save a model at ${m} (EIO)`);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('loading reads only regular files inside the model directory', () => {
  it('break 5: refuses a model whose weights path goes through a linked sub-directory', async () => {
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'seqcast-outside-'));
    try {
      const src = path.join(tmp, 'src5');
      await saveModelDir(src, model, meta);
      await fs.copyFile(path.join(src, 'weights.bin'), path.join(outside, 'weights.bin'));
      const m = path.join(tmp, 'linked-sub');
      await saveModelDir(m, model, meta);
      const json = JSON.parse(await fs.readFile(path.join(m, 'model.json'), 'utf8'));
      json.weightsManifest[0].paths = ['./w/weights.bin'];
      await fs.writeFile(path.join(m, 'model.json'), JSON.stringify(json));
      await fs.symlink(outside, path.join(m, 'w'));
      expect(await errorOf(loadLayersModelDir(m))).toMatch(/^BAD_MODEL .*linked-sub\/w is a symbolic link; a model's files and folders must not be links$/);
      // The same sub-directory as a real one loads (the check is about links, not layout).
      await fs.unlink(path.join(m, 'w'));
      await fs.mkdir(path.join(m, 'w'));
      await fs.copyFile(path.join(outside, 'weights.bin'), path.join(m, 'w', 'weights.bin'));
      (await loadLayersModelDir(m)).dispose();
      // A linked file at the end of the path, and a path climbing out, are refused as before.
      await fs.rm(path.join(m, 'w'), { recursive: true });
      await fs.mkdir(path.join(m, 'w'));
      await fs.symlink(path.join(outside, 'weights.bin'), path.join(m, 'w', 'weights.bin'));
      expect(await errorOf(loadLayersModelDir(m))).toMatch(/^BAD_MODEL .*w\/weights.bin is a symbolic link/);
      json.weightsManifest[0].paths = ['../src5/weights.bin'];
      await fs.writeFile(path.join(m, 'model.json'), JSON.stringify(json));
      expect(await errorOf(loadLayersModelDir(m))).toMatch(/^BAD_MODEL .*model.json points outside its directory \(\.\.\/src5\/weights.bin\)$/);
    } finally {
      await fs.rm(outside, { recursive: true, force: true });
    }
  });

  it('refuses oversized files by their size before reading them (sparse files, no disk used)', async () => {
    const m = path.join(tmp, 'big');
    await saveModelDir(m, model, meta);
    const weights = path.join(m, 'weights.bin');
    const expected = (await fs.stat(weights)).size;
    // 3 GiB: too big for one read; it used to be reported as "missing".
    await fs.truncate(weights, 3 * 1024 ** 3);
    expect(await errorOf(loadLayersModelDir(m))).toBe(
      `BAD_MODEL weights file ${weights} is 3.0 GiB (3221225472 bytes), expected ${expected} bytes (corrupt?); nothing was read`,
    );
    // 1.5 GiB: refused on its size, not read in full first.
    await fs.truncate(weights, 1.5 * 1024 ** 3);
    expect(await errorOf(loadLayersModelDir(m))).toMatch(
      /^BAD_MODEL weights file .* is 1\.5 GiB \(1610612736 bytes\), expected \d+ bytes \(corrupt\?\); nothing was read$/,
    );
    await fs.truncate(weights, expected);
    (await loadLayersModelDir(m)).dispose();
    // The JSON files have a limit of their own.
    await fs.truncate(path.join(m, 'seqcast.json'), 3 * 1024 ** 3);
    expect(await errorOf(readModelMetadata(m))).toMatch(
      /^BAD_MODEL .*big\/seqcast.json is 3\.0 GiB \(3221225472 bytes\), over the 64\.0 MiB \(67108864 bytes\) limit for this file; it was not read$/,
    );
    await fs.truncate(path.join(m, 'model.json'), 100 * 1024 ** 2);
    expect(await errorOf(loadLayersModelDir(m))).toMatch(/model.json is 100\.0 MiB .* over the 64\.0 MiB .* limit/);
  });

  it('refuses a manifest describing weights over the 2 GiB limit without opening them', async () => {
    const m = path.join(tmp, 'huge-manifest');
    await saveModelDir(m, model, meta);
    const json = JSON.parse(await fs.readFile(path.join(m, 'model.json'), 'utf8'));
    json.weightsManifest[0].weights[0].shape = [65536, 16384];
    await fs.writeFile(path.join(m, 'model.json'), JSON.stringify(json));
    expect(await errorOf(loadLayersModelDir(m))).toMatch(
      /model.json describes 4\.0 GiB \(4294967300 bytes\) of weights, over the 2\.0 GiB \(2147483647 bytes\) limit$/,
    );
  });
});

describe('a save killed while replacing a model', () => {
  it('break 7: is rolled forward (or back) by the next load; a live save is left alone', async () => {
    const parent = await fs.mkdtemp(path.join(tmp, 'killed-'));
    const target = path.join(parent, 'm');
    // Killed between the renames (no pid in the name: an older version's save counts as dead).
    await saveModelDir(path.join(parent, '.m.tmp-AbC123-old'), model, { ...meta, extra: { which: 'old' } });
    await saveModelDir(path.join(parent, '.m.tmp-AbC123'), model, { ...meta, extra: { which: 'new' } });
    expect((await readModelMetadata<unknown, { which: string }>(target)).extra.which).toBe('new');
    expect(await fs.readdir(parent)).toEqual(['m']);
    // Killed after the old model was moved aside by a save whose temp is gone: put back.
    await fs.rename(target, path.join(parent, '.m.tmp-XyZ789-old'));
    expect((await readModelMetadata<unknown, { which: string }>(target)).extra.which).toBe('new');
    expect(await fs.readdir(parent)).toEqual(['m']);
    // A save of a live process (the parent of this one) is still running: nothing is touched.
    const live = `.m.tmp-${process.ppid}-Live12`;
    await fs.rename(target, path.join(parent, `${live}-old`));
    expect(await errorOf(readModelMetadata(target))).toMatch(/^NOT_FOUND model directory .*m does not exist$/);
    expect(await fs.readdir(parent)).toEqual([`${live}-old`]);
  });
});
