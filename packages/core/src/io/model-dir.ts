/**
 * Model directories: the standard tfjs layers format (`model.json` + `weights.bin`, loadable by
 * stock `tf.loadLayersModel`) plus one `seqcast.json` metadata file describing what the model is.
 *
 * Writes are atomic: everything goes to a temporary sibling directory which is renamed over the
 * target, so a crash mid-save never leaves a half-written model and an existing model is only
 * replaced by a complete one. Replacing takes two renames (rename() cannot replace a non-empty
 * directory); a process killed between them is recovered at the next load or save of the target
 * (see interrupted-save.ts). Reads validate the metadata and name the file that is wrong, never
 * follow a link under the model directory, and check sizes before reading (model-files.ts).
 *
 * Saving never removes anything it did not create. A target that exists must be an empty
 * directory, or (with `overwrite`) a seqcast model directory holding only a model's own files;
 * anything else (a file, a symlink, a directory with other files) is refused with a CONFLICT
 * naming it. `checkSaveTarget` runs the same check up front, so callers can refuse before
 * spending minutes on training.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';
import { pathExists } from './fs.js';
import { faultPoint, recoverInterruptedSave, removeOnlyFiles, saveTempPrefix } from './interrupted-save.js';
import {
  formatBytes,
  MAX_MODEL_JSON_BYTES,
  MAX_WEIGHTS_BYTES,
  MissingModelFile,
  openModelFile,
  readInto,
  readModelFile,
  type ModelFile,
} from './model-files.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const METADATA_JSON = 'seqcast.json';
/** Bump when the metadata layout changes incompatibly. */
export const FORMAT_VERSION = 1;

/** What every seqcast model directory records about itself. */
export interface ModelMetadata<C = unknown, E = unknown> {
  /** Always "seqcast": tells our directories from foreign ones. */
  format: 'seqcast';
  formatVersion: number;
  /** Model kind, e.g. "chars" or "forecast". */
  kind: string;
  /** ISO time the model was saved. */
  created: string;
  /** The model's own configuration (what `fromConfig` needs). */
  config: C;
  /** Kind-specific extras: vocabulary, training info, metrics. */
  extra: E;
}

/** Options of {@link saveModelDir} and the models' `save`. */
export interface SaveOptions {
  /**
   * Replace an existing seqcast model directory at the target. Default false: an existing model
   * is refused. Never applies to anything that is not a model (those are always refused).
   */
  overwrite?: boolean;
}

/** A training checkpoint saved beside a model (corpus training: the state needed to resume). */
export const CHECKPOINT_FILES: readonly string[] = ['checkpoint.json', 'checkpoint.bin'];

/**
 * More networks in one model directory (an ensemble's members): network `name` is stored as
 * `<name>.model.json` + `<name>.weights.bin` beside the main `model.json` + `weights.bin`.
 * Names are `member-<k>` so a replaceable directory's files stay a closed, checkable set.
 */
const NETWORK_NAME = /^member-[1-9][0-9]{0,2}$/;
const NETWORK_FILE = /^member-[1-9][0-9]{0,2}\.(model\.json|weights\.bin)$/;

/** The file names of extra network `name` (see {@link saveModelDir}'s `networks`). */
export function networkFiles(name: string): { json: string; weights: string } {
  return { json: `${name}.model.json`, weights: `${name}.weights.bin` };
}

/** The only entries a replaceable model directory may hold (what saveModelDir writes). */
const MODEL_FILES: ReadonlySet<string> = {
  has: (name: string) => [MODEL_JSON, WEIGHTS_BIN, METADATA_JSON, ...CHECKPOINT_FILES].includes(name) || NETWORK_FILE.test(name),
} as ReadonlySet<string>;

/** What is at a save target now. */
export type SaveTarget = { state: 'absent' } | { state: 'empty-dir' } | { state: 'model' };

/** File-system errors that mean the disk (or the user's quota) is full: the save may succeed later. */
const STORAGE_FULL: Record<string, string> = { ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded' };

/**
 * A failed write of a model at `dir` as one SeqcastError: INSUFFICIENT_STORAGE (507, exit 10)
 * for a full disk or quota, naming the directory that needs space; BAD_ARGUMENT otherwise.
 */
function saveFailed(dir: string, e: unknown, why: string = ioMessage(e)): SeqcastError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && STORAGE_FULL[code]) {
    return new SeqcastError(
      'INSUFFICIENT_STORAGE',
      `cannot save a model at ${dir} (${code}: ${STORAGE_FULL[code]}); nothing at ${dir} was changed; free space in ${path.dirname(path.resolve(dir))} and retry`,
      { where: dir },
      { cause: e },
    );
  }
  return new SeqcastError('BAD_ARGUMENT', `cannot save a model at ${dir} (${why})`, { where: dir }, { cause: e });
}

function ioMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOTDIR') return 'a parent of it is not a directory';
  if (err.code === 'EACCES' || err.code === 'EPERM') return `permission denied (${err.code})`;
  return err.code ?? (e instanceof Error ? e.message.split('\n')[0]! : String(e));
}

/** The nearest ancestor of `p` that exists (the root at worst). */
async function nearestExisting(p: string): Promise<string> {
  let cur = p;
  for (;;) {
    try {
      await fs.lstat(cur);
      return cur;
    } catch {
      const up = path.dirname(cur);
      if (up === cur) return cur;
      cur = up;
    }
  }
}

/**
 * Check that a model may be saved at `dir` without destroying anything, before any work is
 * done. Refusals are one-line SeqcastErrors naming the path (`where` = `dir`):
 * CONFLICT for a file, a symlink, a non-empty directory that is not a seqcast model, or a model
 * without `overwrite`; INSUFFICIENT_STORAGE when the disk or quota is full (ENOSPC, EDQUOT);
 * BAD_ARGUMENT when the directory cannot be created or written otherwise.
 *
 * @example
 * await checkSaveTarget('models/hihello');                      // { state: 'absent' }
 * await checkSaveTarget('.');                                   // throws CONFLICT: . is not empty and not a seqcast model directory …
 */
export async function checkSaveTarget(dir: string, options: SaveOptions = {}): Promise<SaveTarget> {
  const target = path.resolve(dir);
  const refuse = (why: string) => new SeqcastError('CONFLICT', `${dir} ${why}; nothing was saved or removed`, { where: dir });
  await recoverInterruptedSave(target, MODEL_FILES);
  let st: import('node:fs').Stats | undefined;
  try {
    st = await fs.lstat(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw saveFailed(dir, e);
    }
  }
  if (st === undefined) {
    // The directory will be created: the nearest existing ancestor must be a writable directory.
    const base = await nearestExisting(path.dirname(target));
    const bst = await fs.stat(base).catch(() => undefined);
    if (!bst?.isDirectory()) throw new SeqcastError('BAD_ARGUMENT', `cannot save a model at ${dir} (${base} is not a directory)`, { where: dir });
    try {
      await fs.rmdir(await fs.mkdtemp(path.join(base, '.seqcast-probe-')));
    } catch (e) {
      throw saveFailed(dir, e, `${base} is not writable: ${ioMessage(e)}`);
    }
    return { state: 'absent' };
  }
  if (st.isSymbolicLink()) throw refuse('is a symbolic link, not a seqcast model directory');
  if (!st.isDirectory()) throw refuse('exists and is not a directory');
  let entries: string[];
  try {
    entries = await fs.readdir(target);
  } catch (e) {
    throw saveFailed(dir, e);
  }
  if (entries.length === 0) return { state: 'empty-dir' };
  if (!entries.includes(METADATA_JSON)) throw refuse('is not empty and is not a seqcast model directory');
  try {
    await readModelMetadata(target);
  } catch {
    throw refuse(`is not empty and its ${METADATA_JSON} is not seqcast metadata`);
  }
  const others = entries.filter((e) => !MODEL_FILES.has(e));
  if (others.length > 0) {
    throw refuse(`holds a seqcast model and other files (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}); it is never replaced`);
  }
  if (!options.overwrite) throw refuse('already holds a seqcast model (replace it with --force / overwrite: true)');
  return { state: 'model' };
}

/**
 * Make the model at `dir` loadable again after a save killed while replacing it, and remove what
 * killed saves of it left beside it (see interrupted-save.ts). Loads and saves do this
 * themselves; a server calls it for models it cannot see because they are not in place.
 * Returns what was done (for a log line); never throws.
 *
 * @example
 * await recoverModelDir('models/hihello');   // ['rolled forward to .hihello.tmp-4242-Ab12Cd']
 */
export function recoverModelDir(dir: string): Promise<string[]> {
  return recoverInterruptedSave(path.resolve(dir), MODEL_FILES);
}

/** Remove a directory holding only a model's own files (checked), entry by entry, never recursively. */
function removeModelFiles(dir: string): Promise<void> {
  return removeOnlyFiles(dir, MODEL_FILES);
}

/** A tfjs save handler writing the layers format as `json` + `weights` in `dir`. */
function layersSaveHandler(dir: string, json: string, weights: string, fault?: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    const weightData = artifacts.weightData;
    const buffers = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
    const bytes = Buffer.concat(buffers.map((b) => Buffer.from(b)));
    const modelJson = {
      modelTopology: artifacts.modelTopology,
      format: 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      weightsManifest: [{ paths: [`./${weights}`], weights: artifacts.weightSpecs ?? [] }],
    };
    await fs.writeFile(path.join(dir, weights), bytes);
    if (fault) faultPoint(fault);
    await fs.writeFile(path.join(dir, json), JSON.stringify(modelJson));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  });
}

/**
 * Save `model` and its metadata into `dir` atomically. The target must be absent, an empty
 * directory, or (with `overwrite`) a seqcast model directory (see {@link checkSaveTarget}).
 * `model` null saves a model without weights (a statistical baseline): seqcast.json only.
 *
 * @example
 * await saveModelDir('models/hihello', model, { kind: 'chars', config, extra: { vocabulary } });
 */
export async function saveModelDir<C, E>(
  dir: string,
  model: tf.LayersModel | null,
  meta: Pick<ModelMetadata<C, E>, 'kind' | 'config' | 'extra'>,
  options: SaveOptions & {
    /** More files written into the same directory, in the same atomic rename (a training checkpoint: {@link CHECKPOINT_FILES}). */
    files?: Record<string, Uint8Array | string>;
    /** More networks saved in the same atomic rename, by name `member-<k>` (read back with {@link loadLayersModelDir}'s `name`). */
    networks?: Record<string, tf.LayersModel>;
  } = {},
): Promise<ModelMetadata<C, E>> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await checkSaveTarget(dir, options);
  try {
    await fs.mkdir(parent, { recursive: true });
  } catch (e) {
    throw saveFailed(dir, e);
  }
  // The pid in the name tells a live save from one a killed process left (interrupted-save.ts).
  let tmp: string;
  try {
    tmp = await fs.mkdtemp(saveTempPrefix(target));
  } catch (e) {
    throw saveFailed(dir, e); // out of inodes is ENOSPC too
  }
  faultPoint('save:created-temp');
  const full: ModelMetadata<C, E> = {
    format: 'seqcast',
    formatVersion: FORMAT_VERSION,
    kind: meta.kind,
    created: new Date().toISOString(),
    config: meta.config,
    extra: meta.extra,
  };
  try {
    await model?.save(layersSaveHandler(tmp, MODEL_JSON, WEIGHTS_BIN, 'save:wrote-weights'));
    for (const [name, net] of Object.entries(options.networks ?? {})) {
      if (!NETWORK_NAME.test(name)) throw new SeqcastError('INTERNAL', `saveModelDir: network name "${name}" is not member-<k>`);
      const f = networkFiles(name);
      await net.save(layersSaveHandler(tmp, f.json, f.weights));
    }
    await fs.writeFile(path.join(tmp, METADATA_JSON), JSON.stringify(full, null, 2) + '\n');
    for (const [name, data] of Object.entries(options.files ?? {})) {
      if (!CHECKPOINT_FILES.includes(name)) {
        throw new SeqcastError('INTERNAL', `saveModelDir: extra file name "${name}" is not allowed`);
      }
      await fs.writeFile(path.join(tmp, name), data);
    }
    faultPoint('save:wrote-all');
    // Checked again right before the swap (the target may have changed during the save).
    const now = await checkSaveTarget(dir, options);
    // rename() cannot replace a non-empty directory: move the old model (or empty directory)
    // aside first, then remove its (checked) model files one by one. The `-old` name beside the
    // complete temp is the journal a killed save is recovered from (interrupted-save.ts).
    let old: string | undefined;
    if (now.state !== 'absent') {
      old = `${tmp}-old`;
      await fs.rename(target, old);
      faultPoint('save:moved-old-aside');
    }
    try {
      await fs.rename(tmp, target);
    } catch (e) {
      if (old) await fs.rename(old, target).catch(() => undefined); // put the old model back
      throw e;
    }
    faultPoint('save:moved-new-in');
    if (old) await removeModelFiles(old).catch(() => undefined);
    return full;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true }); // our own temp directory only
    if (e instanceof SeqcastError) throw e;
    throw saveFailed(dir, e);
  }
}

/** Read and validate `seqcast.json` in `dir`; `kind` (when given) must match. */
export async function readModelMetadata<C = unknown, E = unknown>(dir: string, kind?: string): Promise<ModelMetadata<C, E>> {
  const file = path.join(dir, METADATA_JSON);
  // A save killed while replacing this model left it aside: make it loadable again first.
  await recoverInterruptedSave(path.resolve(dir), MODEL_FILES);
  let text: string;
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) throw new SeqcastError('BAD_MODEL', `${dir} is not a model directory`, { where: dir });
    text = (await readModelFile(dir, METADATA_JSON, MAX_MODEL_JSON_BYTES)).toString('utf8');
  } catch (e) {
    if (e instanceof MissingModelFile) {
      throw new SeqcastError('BAD_MODEL', `${dir} is not a seqcast model directory (missing ${METADATA_JSON})`, { where: file });
    }
    if (e instanceof SeqcastError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !(await pathExists(dir))) {
      throw new SeqcastError('NOT_FOUND', `model directory ${dir} does not exist`, { where: dir }, { cause: e });
    }
    throw new SeqcastError('BAD_MODEL', `${dir} cannot be read as a model directory (${ioMessage(e)})`, { where: dir }, { cause: e });
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw new SeqcastError('BAD_MODEL', `${file} is not valid JSON`, { where: file }, { cause: e });
  }
  const m = meta as Partial<ModelMetadata<C, E>>;
  if (typeof m !== 'object' || m === null || m.format !== 'seqcast') {
    throw new SeqcastError('BAD_MODEL', `${file} is not seqcast metadata (field "format" must be "seqcast")`, { where: file });
  }
  if (m.formatVersion !== FORMAT_VERSION) {
    throw new SeqcastError('BAD_MODEL', `${file}: formatVersion ${String(m.formatVersion)} is not supported (expected ${FORMAT_VERSION})`, {
      where: `${file}#formatVersion`,
    });
  }
  if (typeof m.kind !== 'string') throw new SeqcastError('BAD_MODEL', `${file}: field "kind" is missing`, { where: file });
  if (kind !== undefined && m.kind !== kind) {
    throw new SeqcastError('BAD_MODEL', `${dir} holds a "${m.kind}" model, expected "${kind}"`, { where: `${file}#kind` });
  }
  if (typeof m.config !== 'object' || m.config === null) {
    throw new SeqcastError('BAD_MODEL', `${file}: field "config" is missing`, { where: `${file}#config` });
  }
  return m as ModelMetadata<C, E>;
}

/**
 * An IOHandler that reads a model directory written by `saveModelDir` (or by tfjs-node's
 * `file://` saver), for `tf.loadLayersModel`.
 */
export function dirHandler(dir: string, jsonFile: string = MODEL_JSON): tf.io.IOHandler {
  return {
    async load() {
      const jsonPath = path.join(dir, jsonFile);
      let json: { modelTopology?: unknown; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
      let text: string;
      try {
        text = (await readModelFile(dir, jsonFile, MAX_MODEL_JSON_BYTES)).toString('utf8');
      } catch (e) {
        if (e instanceof MissingModelFile) throw new SeqcastError('BAD_MODEL', `${jsonPath} is missing`, { where: jsonPath });
        throw e;
      }
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new SeqcastError('BAD_MODEL', `${jsonPath} is not valid JSON`, { where: jsonPath }, { cause: e });
      }
      if (!json || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new SeqcastError('BAD_MODEL', `${jsonPath} is not a tfjs layers model`, { where: jsonPath });
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const paths: string[] = [];
      for (const group of json.weightsManifest) {
        if (!group || !Array.isArray(group.weights) || !Array.isArray(group.paths)) {
          throw new SeqcastError('BAD_MODEL', `${jsonPath}: a weightsManifest entry has no "paths" or "weights"`, { where: jsonPath });
        }
        specs.push(...group.weights);
        paths.push(...group.paths.map(String));
      }
      const expected = specs.reduce((n, s) => n + (Array.isArray(s?.shape) ? s.shape.reduce((a, b) => a * b, 1) : NaN) * 4, 0);
      if (!Number.isSafeInteger(expected) || expected < 0) {
        throw new SeqcastError('BAD_MODEL', `${jsonPath}: the weights' shapes are not valid`, { where: jsonPath });
      }
      if (expected > MAX_WEIGHTS_BYTES) {
        throw new SeqcastError('BAD_MODEL', `${jsonPath} describes ${formatBytes(expected)} of weights, over the ${formatBytes(MAX_WEIGHTS_BYTES)} limit`, {
          where: jsonPath,
        });
      }
      // Open every weights file and check the sizes before reading a byte: a huge (or sparse)
      // file is refused at once, naming it, instead of being read in full first.
      const files: ModelFile[] = [];
      try {
        let total = 0;
        for (const p of paths) {
          let f: ModelFile;
          try {
            f = await openModelFile(dir, p, jsonPath);
          } catch (e) {
            if (e instanceof MissingModelFile) throw new SeqcastError('BAD_MODEL', `weights file ${e.file} is missing`, { where: e.file });
            throw e;
          }
          files.push(f);
          total += f.size;
          if (total > expected) {
            const what = paths.length === 1 ? `weights file ${f.file} is` : `weights files of ${dir} are at least`;
            throw new SeqcastError('BAD_MODEL', `${what} ${formatBytes(total)}, expected ${formatBytes(expected)} (corrupt?); nothing was read`, {
              where: f.file,
            });
          }
        }
        if (total !== expected) {
          throw new SeqcastError('BAD_MODEL', `weights in ${dir} are ${total} bytes, expected ${expected} (corrupt?)`, { where: dir });
        }
        // One buffer of the expected size, filled file by file (no second copy).
        const data = Buffer.allocUnsafe(expected);
        let offset = 0;
        for (const f of files) {
          await readInto(f, data, offset);
          offset += f.size;
        }
        return {
          modelTopology: json.modelTopology as object,
          weightSpecs: specs,
          weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
        };
      } finally {
        await Promise.all(files.map((f) => f.handle.close()));
      }
    },
  };
}

/**
 * Load the tfjs model stored in `dir` (or its extra network `name`, see {@link saveModelDir}'s
 * `networks`), turning any failure into a `BAD_MODEL` error.
 */
export async function loadLayersModelDir(dir: string, name?: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(dirHandler(dir, name === undefined ? MODEL_JSON : networkFiles(name).json));
  } catch (e) {
    if (e instanceof SeqcastError) throw e;
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new SeqcastError('BAD_MODEL', `cannot load the model in ${dir}: ${msg}`, { where: dir }, { cause: e });
  }
}
