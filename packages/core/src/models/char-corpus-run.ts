/**
 * One corpus training run (fresh or resumed): the options resolved, the text split into streams and
 * a validation part, and the run itself through the one training loop (state carried between
 * chunks, validation, best weights, checkpoints).
 */
import * as tf from '@tensorflow/tfjs';
import { SeqcastError } from '../errors.js';
import { parseOptions } from '../options.js';
import { adamOptimizer, kernelStatus } from '../nn/kernels.js';
import { trainLoop, type TrainProgress } from '../train/loop.js';
import { backendInfo } from '../runtime/backend.js';
import { CharLM } from './char-lm.js';
import { corpusTrainOptionsSchema, MIN_DEFAULT_VAL_CHARS } from './char-corpus-options.js';
import type { CorpusProgress, CorpusTrainingRecord, CorpusTrainOptions, StopReason } from './char-corpus-types.js';
import {
  CHECKPOINT_BIN,
  CHECKPOINT_FORMAT,
  CHECKPOINT_JSON,
  CHECKPOINT_VERSION,
  type CheckpointJSON,
  type CheckpointTensor,
  type Progress,
  type ResolvedOptions,
} from './char-corpus-checkpoint.js';
import { type CorpusIds, fingerprint } from './char-corpus-text.js';
import { LN2, evaluateCorpus } from './char-corpus-eval.js';

/** Callbacks for {@link trainCharCorpus} / {@link resumeCharCorpus}. */
export interface CorpusCallbacks {
  onStep?(p: CorpusProgress): void;
  /** After every validation (nats/char). */
  onValidation?(v: { step: number; loss: number; bitsPerChar: number; accuracy: number; best: boolean }): void;
  /** After every checkpoint written. */
  onCheckpoint?(c: { step: number; dir: string }): void;
  /**
   * Aborting stops training after the current step; with a checkpoint directory a checkpoint is
   * written first. `train` then rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

function badArg(field: string, msg: string): SeqcastError {
  return new SeqcastError('BAD_ARGUMENT', `${field} ${msg}`, { where: field });
}
export function resolveOptions(options: CorpusTrainOptions, textChars: number): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw badArg('options', 'must be an object');
  const { checkpointDir: _dir, overwrite: _overwrite, val, steps, minutes, epochs, ...o } = parseOptions(corpusTrainOptionsSchema, options);
  const budgets = { steps: steps ?? null, minutes: minutes ?? null, epochs: epochs ?? null };
  if (budgets.steps === null && budgets.minutes === null && budgets.epochs === null) budgets.epochs = 10;
  return { ...o, val: val ?? (textChars * 0.05 >= MIN_DEFAULT_VAL_CHARS ? 0.05 : 0), ...budgets };
}

/** The training and validation parts of a corpus, with the streams' geometry. */
export interface Split {
  train: CorpusIds;
  val: CorpusIds | null;
  /** Characters per stream. */
  perStream: number;
  chunksPerEpoch: number;
  valStreams: number;
}

export function splitCorpus(ids: CorpusIds, o: ResolvedOptions): Split {
  const valChars = Math.floor(ids.length * o.val);
  const trainChars = ids.length - valChars;
  const B = o.batchSize;
  const T = o.seqLength;
  const perStream = Math.floor((trainChars - 1) / B);
  if (perStream < T) {
    throw new SeqcastError(
      'BAD_INPUT',
      `the training text (${trainChars} characters${valChars ? ` after holding out ${valChars} for validation` : ''}) is too short for ` +
        `batchSize ${B} streams of at least seqLength ${T} characters; it needs ${B * T + 1} (use a smaller batchSize or seqLength)`,
      { where: 'batchSize' },
    );
  }
  let val: CorpusIds | null = null;
  let valStreams = 0;
  if (valChars > 0) {
    if (valChars < 2) throw badArg('val', `holds out ${valChars} character(s); validation needs at least 2`);
    val = ids.subarray(trainChars);
    valStreams = Math.max(1, Math.min(B, Math.floor((valChars - 1) / T)));
  }
  return { train: ids.subarray(0, trainChars), val, perStream, chunksPerEpoch: Math.floor(perStream / T), valStreams };
}
type NamedTensor = { name: string; tensor: tf.Tensor };

function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  // Both tf.train.adam and the fused Adam read this field at every update.
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** One corpus training run (fresh or resumed). */
export class CorpusRun {
  private readonly vars: tf.Variable[];
  private readonly optimizer: tf.Optimizer;
  private state: tf.Tensor2D[] | undefined;
  private bestWeights: Float32Array[] | null = null;
  private recent: number[] = [];

  constructor(
    private readonly lm: CharLM,
    private readonly ids: CorpusIds,
    private readonly split: Split,
    private readonly o: ResolvedOptions,
    private readonly p: Progress,
    private readonly checkpointDir: string | undefined,
  ) {
    this.vars = lm.trainableVariables();
    this.optimizer = adamOptimizer(o.learningRate);
  }

  /** Base rate, decayed per epoch, and annealed over the last part of the budget. */
  private learningRateAt(elapsedMs: number): number {
    const { o, p } = this;
    let lr = o.learningRate * Math.pow(o.lrDecay, p.epochsDone);
    const start = 1 - o.anneal;
    const f = this.fraction(elapsedMs);
    if (o.anneal > 0 && f > start) lr *= 1 - 0.9 * Math.min(1, (f - start) / o.anneal);
    return lr;
  }

  private get learningRate(): number {
    return this.learningRateAt(this.p.elapsedMs);
  }

  /** Restore weights, Adam's state and the streams' state from a checkpoint. */
  async restore(ck: CheckpointJSON, bin: Float32Array, file: string): Promise<void> {
    const get = (t: CheckpointTensor) => {
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (!Number.isInteger(t.offset) || t.offset < 0 || t.offset + size > bin.length) {
        throw new SeqcastError('BAD_MODEL', `${file}: tensor ${t.name} lies outside ${CHECKPOINT_BIN} (corrupt checkpoint?)`, { where: file });
      }
      return bin.subarray(t.offset, t.offset + size);
    };
    // The model directory holds the best weights: remember them before loading the current ones.
    this.bestWeights = this.p.best ? this.vars.map((v) => Float32Array.from(v.dataSync() as Float32Array)) : null;
    const slots: NamedTensor[] = [];
    const state: tf.Tensor2D[] = [];
    try {
      for (const t of ck.tensors) {
        const data = get(t);
        const w = /^w(\d+)$/.exec(t.name);
        if (w) {
          const v = this.vars[Number(w[1])];
          if (!v || v.shape.join() !== t.shape.join())
            throw new SeqcastError('BAD_MODEL', `${file}: weight ${t.name} does not match the model`, { where: file });
          tf.tidy(() => v.assign(tf.tensor(data, t.shape)));
        } else if (t.name.startsWith('opt:')) {
          const name = t.name.slice(4).replace(/^w(\d+)(?=\/)/, (_, i: string) => this.vars[Number(i)]?.name ?? `w${i}`);
          slots.push({ name, tensor: tf.tensor(t.dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data), t.shape, t.dtype) });
        } else if (t.name.startsWith('state')) {
          state.push(tf.tensor2d(Float32Array.from(data), t.shape as [number, number]));
        }
      }
      if (slots.length > 0) await this.optimizer.setWeights(slots);
    } finally {
      tf.dispose(slots.map((s) => s.tensor));
    }
    this.state = state.length > 0 ? state : undefined;
    if (this.p.chunk >= this.split.chunksPerEpoch) {
      // Checkpoints before the one loop ended an epoch lazily, at the next step; start the new pass now.
      this.p.chunk = 0;
      this.p.epochsDone += 1;
      this.dropState();
    }
    setLearningRate(this.optimizer, this.learningRate);
  }

  /**
   * Train until the first budget, through the one training loop: it owns the steps, the budgets
   * (counting the run before a resume), the learning-rate schedule, clipping, the NaN stop, the
   * ETA and the abort signal; this run supplies each chunk's loss and, after each step, carries
   * the streams' state, validates and checkpoints.
   */
  async run(cb: CorpusCallbacks): Promise<StopReason> {
    const { o, p, split } = this;
    const B = o.batchSize;
    const T = o.seqLength;
    const elapsedBefore = p.elapsedMs;
    const charsBefore = p.chars;
    const started = Date.now();
    const x = new Int32Array(B * T);
    const y = new Int32Array(B * T);
    let pending: tf.Tensor2D[] = [];
    let lastRate = this.learningRate;
    let stop: StopReason | null = this.budgetReached(elapsedBefore);
    try {
      if (stop === null) {
        const stepLimit = Math.min(o.steps ?? Infinity, o.epochs !== null ? o.epochs * split.chunksPerEpoch : Infinity);
        try {
          await trainLoop({
            variables: this.vars,
            optimizer: this.optimizer,
            steps: stepLimit,
            ...(o.minutes !== null ? { budgetMs: o.minutes * 60_000 } : {}),
            resumeFrom: { step: p.step, elapsedMs: elapsedBefore },
            learningRate: (_step, _steps, elapsedMs) => (lastRate = this.learningRateAt(elapsedMs)),
            clipNorm: o.clip,
            loss: () => {
              this.fillChunk(x, y, p.chunk * T);
              const r = this.lm.chunkLoss(tf.tensor2d(x, [B, T], 'int32'), tf.tensor2d(y, [B, T], 'int32'), this.state, o.dropout);
              // The state goes on to the next chunk as a plain value: the gradient stops here.
              pending = r.state.map((s) => tf.keep(s));
              return r.loss;
            },
            afterStep: async (s) => {
              if (this.state) tf.dispose(this.state);
              this.state = pending;
              pending = [];
              p.step = s.step;
              p.chunk += 1;
              p.chars += B * T;
              this.recent.push(s.loss);
              if (this.recent.length > 20) this.recent.shift();
              p.trainLoss = this.recent.reduce((a, b) => a + b, 0) / this.recent.length;
              if (split.val && p.step % o.valEvery === 0) this.validate(cb);
              p.elapsedMs = elapsedBefore + Date.now() - started;
              if (p.chunk >= split.chunksPerEpoch) {
                // A new pass: streams restart from their beginnings with a zero state (as char-rnn).
                p.chunk = 0;
                p.epochsDone += 1;
                this.dropState();
              }
              if (this.checkpointDir && !s.last && this.budgetReached(p.elapsedMs) === null && p.step % o.checkpointEvery === 0) await this.checkpoint(cb);
            },
            ...(cb.onStep
              ? {
                  progressEvery: 1,
                  onProgress: (t: TrainProgress) => {
                    const sessionMs = Math.max(1, Date.now() - started);
                    const progress: CorpusProgress = {
                      ...t,
                      epoch: p.epochsDone + p.chunk / split.chunksPerEpoch,
                      chars: p.chars,
                      charsPerSec: ((p.chars - charsBefore) * 1000) / sessionMs,
                      trainLoss: p.trainLoss,
                      learningRate: lastRate,
                      fraction: Math.min(1, this.fraction(t.elapsedMs)),
                    };
                    if (p.lastVal) Object.assign(progress, { valLoss: p.lastVal.loss, valBitsPerChar: p.lastVal.loss / LN2 });
                    cb.onStep!(progress);
                  },
                }
              : { progressEvery: Number.MAX_SAFE_INTEGER }),
            ...(cb.signal ? { signal: cb.signal } : {}),
          });
          stop = this.budgetReached(p.elapsedMs) ?? (o.minutes !== null ? 'minutes' : o.steps !== null ? 'steps' : 'epochs');
        } catch (e) {
          if (!cb.signal?.aborted) throw e;
          stop = 'interrupted';
        }
      }
      p.elapsedMs = elapsedBefore + Date.now() - started;
      if (split.val && p.lastVal?.step !== p.step && p.step > 0 && stop !== 'interrupted') {
        this.validate(cb);
        p.elapsedMs = elapsedBefore + Date.now() - started;
      }
      if (this.checkpointDir) await this.checkpoint(cb, stop);
      return stop;
    } finally {
      tf.dispose(pending);
      this.dropState();
    }
  }

  /** Fraction of the tightest budget used. */
  private fraction(elapsedMs: number): number {
    const { o, p, split } = this;
    const f: number[] = [];
    if (o.steps !== null) f.push(p.step / o.steps);
    if (o.minutes !== null) f.push(elapsedMs / (o.minutes * 60_000));
    if (o.epochs !== null) f.push((p.epochsDone + p.chunk / split.chunksPerEpoch) / o.epochs);
    return Math.max(0, ...f);
  }

  private budgetReached(elapsedMs: number): StopReason | null {
    return budgetReached(this.o, this.p, this.split, elapsedMs);
  }

  /** Chunk starting at `offset` of every stream: x = text[s+offset ...], y = the next characters. */
  private fillChunk(x: Int32Array, y: Int32Array, offset: number): void {
    const { batchSize: B, seqLength: T } = this.o;
    const { train } = this.split;
    const n = this.split.perStream;
    for (let b = 0; b < B; b++) {
      const from = b * n + offset;
      for (let t = 0; t < T; t++) {
        x[b * T + t] = train[from + t]!;
        y[b * T + t] = train[from + t + 1]!;
      }
    }
  }

  private dropState(): void {
    if (this.state) tf.dispose(this.state);
    this.state = undefined;
  }

  private validate(cb: CorpusCallbacks): void {
    const { p } = this;
    const r = evaluateCorpus(this.lm, this.split.val!, { streams: this.split.valStreams, chunk: this.o.seqLength });
    p.lastVal = { loss: r.loss, accuracy: r.accuracy, step: p.step };
    const best = !p.best || r.loss < p.best.loss;
    if (best) {
      p.best = { ...p.lastVal };
      this.bestWeights = this.vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    }
    cb.onValidation?.({ step: p.step, loss: r.loss, bitsPerChar: r.loss / LN2, accuracy: r.accuracy, best });
  }

  /** Swap the best weights in (for saving / returning), returning the current ones. */
  private swapInBest(): Float32Array[] | null {
    if (!this.bestWeights || this.p.best?.step === this.p.step) return null;
    const current = this.vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    this.assignAll(this.bestWeights);
    return current;
  }

  private assignAll(values: Float32Array[]): void {
    this.vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(values[i]!, v.shape))));
  }

  /** Put the kept weights into the model (the best-validation ones when there was validation). */
  finishWeights(): void {
    this.swapInBest();
  }

  record(stop: StopReason): CorpusTrainingRecord {
    const { o, p, split } = this;
    const chosen = p.best ?? null;
    return {
      scheme: 'streams',
      steps: p.step,
      chars: p.chars,
      charsPerSec: (p.chars * 1000) / Math.max(1, p.elapsedMs),
      trainLoss: p.trainLoss,
      valLoss: chosen ? chosen.loss : null,
      valBitsPerChar: chosen ? chosen.loss / LN2 : null,
      valAccuracy: chosen ? chosen.accuracy : null,
      bestStep: chosen ? chosen.step : p.step,
      trainChars: split.train.length,
      valChars: split.val?.length ?? 0,
      streams: o.batchSize,
      seqLength: o.seqLength,
      learningRate: o.learningRate,
      lrDecay: o.lrDecay,
      anneal: o.anneal,
      clip: o.clip,
      dropout: o.dropout,
      stoppedBy: stop,
      elapsedMs: p.elapsedMs,
    };
  }

  /** Write the best model plus the resume state into the checkpoint directory, atomically. */
  private async checkpoint(cb: CorpusCallbacks, stop: StopReason | null = null): Promise<void> {
    const dir = this.checkpointDir!;
    const parts: { name: string; data: Float32Array; shape: number[]; dtype: 'float32' | 'int32' }[] = [];
    this.vars.forEach((v, i) => parts.push({ name: `w${i}`, data: v.dataSync() as Float32Array, shape: v.shape, dtype: 'float32' }));
    const slots = await this.optimizer.getWeights();
    try {
      for (const s of slots) {
        const name = s.name.replace(/^(.*)(?=\/[^/]+$)/, (varName) => {
          const i = this.vars.findIndex((v) => v.name === varName);
          return i >= 0 ? `w${i}` : varName;
        });
        parts.push({
          name: `opt:${name}`,
          data: Float32Array.from(s.tensor.dataSync()),
          shape: s.tensor.shape,
          dtype: s.tensor.dtype === 'int32' ? 'int32' : 'float32',
        });
      }
    } finally {
      // tf.train.adam hands out its own variables; only the tensors made for this call are ours.
      for (const s of slots) if (!(s.tensor instanceof tf.Variable)) s.tensor.dispose();
    }
    this.state?.forEach((s, i) => parts.push({ name: `state${i}`, data: s.dataSync() as Float32Array, shape: s.shape, dtype: 'float32' }));
    let offset = 0;
    const tensors = parts.map((t) => {
      const entry = { name: t.name, shape: t.shape, dtype: t.dtype, offset };
      offset += t.data.length;
      return entry;
    });
    const bin = new Float32Array(offset);
    parts.forEach((t, i) => bin.set(t.data, tensors[i]!.offset));
    const json: CheckpointJSON = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      options: this.o,
      corpus: { chars: this.ids.length, fingerprint: fingerprint(this.ids) },
      progress: this.p,
      tensors,
    };
    this.lm.recordTraining(trainingInfo(this.o, this.record(stop ?? 'interrupted'), this.p, this.split));
    const current = this.swapInBest();
    try {
      // The target was checked when the run started (checkSaveTarget); later checkpoints replace this run's own.
      await this.lm.save(dir, { overwrite: true, files: { [CHECKPOINT_JSON]: JSON.stringify(json) + '\n', [CHECKPOINT_BIN]: new Uint8Array(bin.buffer) } });
    } finally {
      if (current) this.assignAll(current);
    }
    cb.onCheckpoint?.({ step: this.p.step, dir });
  }

  dispose(): void {
    this.dropState();
    this.optimizer.dispose();
  }
}

/** The first budget (steps, wall-clock minutes, epochs) the run has used up, or null. */
export function budgetReached(o: ResolvedOptions, p: Progress, split: Split, elapsedMs: number): Exclude<StopReason, 'interrupted'> | null {
  if (o.steps !== null && p.step >= o.steps) return 'steps';
  if (o.minutes !== null && elapsedMs >= o.minutes * 60_000) return 'minutes';
  if (o.epochs !== null && p.epochsDone + p.chunk / split.chunksPerEpoch >= o.epochs) return 'epochs';
  return null;
}

export function trainingInfo(o: ResolvedOptions, record: CorpusTrainingRecord, p: Progress, split: Split) {
  return {
    epochs: p.epochsDone,
    learningRate: o.learningRate,
    batchSize: o.batchSize,
    seed: o.seed,
    windows: split.chunksPerEpoch * o.batchSize,
    loss: p.trainLoss,
    accuracy: record.valAccuracy ?? NaN,
    elapsedMs: p.elapsedMs,
    backend: backendInfo()?.name ?? tf.getBackend(),
    kernels: kernelStatus().path,
    trainedAt: new Date(Date.now() - p.elapsedMs).toISOString(),
    corpus: record,
  };
}
