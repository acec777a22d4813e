/**
 * Model directories: the standard tfjs layers format (`model.json` + `weights.bin`, loadable by
 * stock `tf.loadLayersModel`) plus one `seqcast.json` metadata file describing what the model is.
 *
 * Writes are atomic: everything goes to a temporary sibling directory which is renamed over the
 * target, so a crash mid-save never leaves a half-written model and an existing model is only
 * replaced by a complete one. Reads validate the metadata and name the file that is wrong.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';

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
  /** Kind-specific extras: vocabulary, scaler, training info, metrics. */
  extra: E;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Save `model` and its metadata into `dir` atomically.
 *
 * @example
 * await saveModelDir('models/hihello', model, { kind: 'chars', config, extra: { vocabulary } });
 */
export async function saveModelDir<C, E>(
  dir: string,
  model: tf.LayersModel,
  meta: Pick<ModelMetadata<C, E>, 'kind' | 'config' | 'extra'>,
  /** More files written into the same directory, in the same atomic rename (e.g. a training checkpoint). */
  files: Record<string, Uint8Array | string> = {},
): Promise<ModelMetadata<C, E>> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(parent, `.${path.basename(target)}.tmp-`));
  const full: ModelMetadata<C, E> = {
    format: 'seqcast',
    formatVersion: FORMAT_VERSION,
    kind: meta.kind,
    created: new Date().toISOString(),
    config: meta.config,
    extra: meta.extra,
  };
  try {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightData = artifacts.weightData;
        const buffers = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
        const bytes = Buffer.concat(buffers.map((b) => Buffer.from(b)));
        const modelJson = {
          modelTopology: artifacts.modelTopology,
          format: 'layers-model',
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy ?? null,
          weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        };
        await fs.writeFile(path.join(tmp, WEIGHTS_BIN), bytes);
        await fs.writeFile(path.join(tmp, MODEL_JSON), JSON.stringify(modelJson));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    await fs.writeFile(path.join(tmp, METADATA_JSON), JSON.stringify(full, null, 2) + '\n');
    for (const [name, data] of Object.entries(files)) {
      if (name !== path.basename(name) || [MODEL_JSON, WEIGHTS_BIN, METADATA_JSON].includes(name)) {
        throw new SeqcastError('INTERNAL', `saveModelDir: extra file name "${name}" is not allowed`);
      }
      await fs.writeFile(path.join(tmp, name), data);
    }
    // rename() cannot replace a non-empty directory: move the old one aside first, then drop it.
    let old: string | undefined;
    if (await exists(target)) {
      old = `${tmp}-old`;
      await fs.rename(target, old);
    }
    await fs.rename(tmp, target);
    if (old) await fs.rm(old, { recursive: true, force: true });
    return full;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Read and validate `seqcast.json` in `dir`; `kind` (when given) must match. */
export async function readModelMetadata<C = unknown, E = unknown>(dir: string, kind?: string): Promise<ModelMetadata<C, E>> {
  const file = path.join(dir, METADATA_JSON);
  let text: string;
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) throw new SeqcastError('BAD_MODEL', `${dir} is not a model directory`, { where: dir });
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof SeqcastError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !(await exists(dir))) {
      throw new SeqcastError('NOT_FOUND', `model directory ${dir} does not exist`, { where: dir });
    }
    throw new SeqcastError('BAD_MODEL', `${dir} is not a seqcast model directory (missing ${METADATA_JSON})`, { where: file });
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch {
    throw new SeqcastError('BAD_MODEL', `${file} is not valid JSON`, { where: file });
  }
  const m = meta as Partial<ModelMetadata<C, E>>;
  if (typeof m !== 'object' || m === null || m.format !== 'seqcast') {
    throw new SeqcastError('BAD_MODEL', `${file} is not seqcast metadata (field "format" must be "seqcast")`, { where: file });
  }
  if (m.formatVersion !== FORMAT_VERSION) {
    throw new SeqcastError(
      'BAD_MODEL',
      `${file}: formatVersion ${String(m.formatVersion)} is not supported (expected ${FORMAT_VERSION})`,
      { where: `${file}#formatVersion` },
    );
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
export function dirHandler(dir: string): tf.io.IOHandler {
  return {
    async load() {
      const jsonPath = path.join(dir, MODEL_JSON);
      let json: { modelTopology?: unknown; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
      try {
        json = JSON.parse(await fs.readFile(jsonPath, 'utf8'));
      } catch {
        throw new SeqcastError('BAD_MODEL', `${jsonPath} is missing or not valid JSON`, { where: jsonPath });
      }
      if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new SeqcastError('BAD_MODEL', `${jsonPath} is not a tfjs layers model`, { where: jsonPath });
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const chunks: Buffer[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const wp = path.join(dir, path.normalize(p));
          if (path.relative(dir, wp).startsWith('..')) {
            throw new SeqcastError('BAD_MODEL', `${jsonPath} points outside its directory (${p})`, { where: jsonPath });
          }
          try {
            chunks.push(await fs.readFile(wp));
          } catch {
            throw new SeqcastError('BAD_MODEL', `weights file ${wp} is missing`, { where: wp });
          }
        }
      }
      const data = Buffer.concat(chunks);
      const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
      if (data.byteLength !== expected) {
        throw new SeqcastError('BAD_MODEL', `weights in ${dir} are ${data.byteLength} bytes, expected ${expected} (corrupt?)`, {
          where: dir,
        });
      }
      return {
        modelTopology: json.modelTopology as object,
        weightSpecs: specs,
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      };
    },
  };
}

/** Load the tfjs model stored in `dir`, turning any failure into a `BAD_MODEL` error. */
export async function loadLayersModelDir(dir: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(dirHandler(dir));
  } catch (e) {
    if (e instanceof SeqcastError) throw e;
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new SeqcastError('BAD_MODEL', `cannot load the model in ${dir}: ${msg}`, { where: dir });
  }
}
