/**
 * The corpus training checkpoint: what a run records (its resolved options and where it stands)
 * beside the best model, in the files CHECKPOINT_JSON and CHECKPOINT_BIN, and reading it back.
 */
import * as path from 'node:path';
import { SeqcastError } from '../errors.js';
import { CHECKPOINT_FILES } from '../io/model-dir.js';
import { pathExists } from '../io/fs.js';
import { MAX_MODEL_JSON_BYTES, MAX_WEIGHTS_BYTES, MissingModelFile, readModelFile } from '../io/model-files.js';
import { type CellType } from './char-lm.js';

/** Files a checkpoint adds to a model directory. */
export const [CHECKPOINT_JSON, CHECKPOINT_BIN] = CHECKPOINT_FILES as [string, string];
export const CHECKPOINT_FORMAT = 'seqcast-corpus-checkpoint';
export const CHECKPOINT_VERSION = 1;
/** Options after defaults, as the checkpoint records them. */
export interface ResolvedOptions {
  seqLength: number;
  batchSize: number;
  cell: CellType;
  layers: number;
  hidden: number;
  learningRate: number;
  lrDecay: number;
  anneal: number;
  clip: number;
  dropout: number;
  val: number;
  valEvery: number;
  steps: number | null;
  minutes: number | null;
  epochs: number | null;
  seed: number;
  checkpointEvery: number;
}
/** Where a run stands; saved in checkpoints. */
export interface Progress {
  step: number;
  /** Chunk index within the current epoch. */
  chunk: number;
  epochsDone: number;
  chars: number;
  elapsedMs: number;
  trainLoss: number;
  lastVal: { loss: number; accuracy: number; step: number } | null;
  best: { loss: number; accuracy: number; step: number } | null;
}

export interface CheckpointTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
}

export interface CheckpointJSON {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  options: ResolvedOptions;
  corpus: { chars: number; fingerprint: string };
  progress: Progress;
  /** Current weights "w<i>", Adam's slots "opt:<entry>" and the streams' state "state<i>". */
  tensors: CheckpointTensor[];
}

export async function readCheckpoint(dir: string): Promise<{ json: CheckpointJSON; bin: Float32Array; file: string }> {
  const file = path.join(dir, CHECKPOINT_JSON);
  let json: CheckpointJSON;
  try {
    json = JSON.parse((await readModelFile(dir, CHECKPOINT_JSON, MAX_MODEL_JSON_BYTES)).toString('utf8')) as CheckpointJSON;
  } catch (e) {
    if (e instanceof SeqcastError && !(e instanceof MissingModelFile)) throw e; // a link, a directory, over the limit
    const code = e instanceof MissingModelFile ? 'ENOENT' : (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `has no ${CHECKPOINT_JSON} (not a corpus training checkpoint)` : `${CHECKPOINT_JSON} is not valid JSON`;
    const missing = code === 'ENOENT' && !(await pathExists(dir));
    throw new SeqcastError(missing ? 'NOT_FOUND' : 'BAD_MODEL', `${dir} ${missing ? 'does not exist' : why}`, { where: file }, { cause: e });
  }
  if (json?.format !== CHECKPOINT_FORMAT || json.version !== CHECKPOINT_VERSION || !Array.isArray(json.tensors) || !json.progress || !json.options) {
    throw new SeqcastError('BAD_MODEL', `${file}: not a version ${CHECKPOINT_VERSION} seqcast corpus checkpoint`, { where: file });
  }
  const buf = await readModelFile(dir, CHECKPOINT_BIN, MAX_WEIGHTS_BYTES).catch((e: unknown) => {
    if (!(e instanceof MissingModelFile)) throw e;
    throw new SeqcastError('BAD_MODEL', `${dir}: ${CHECKPOINT_BIN} is missing`, { where: path.join(dir, CHECKPOINT_BIN) });
  });
  if (buf.byteLength % 4 !== 0) throw new SeqcastError('BAD_MODEL', `${dir}: ${CHECKPOINT_BIN} is truncated`, { where: path.join(dir, CHECKPOINT_BIN) });
  const bin = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { json, bin, file };
}
