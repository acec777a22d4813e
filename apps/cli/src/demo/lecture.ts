/**
 * The lecture demo: trains the two char models of lecture 12 (lab 12-1 "hihello" and lab 12-4
 * "if you want to build a ship ..." with stacked LSTM + softmax), prints what they predict, and
 * saves them as models `hihello` and `sentence` when an output directory is given.
 * `seqcast demo` runs it; `seqcast start` runs it to fill an empty models directory.
 */
import * as path from 'node:path';
import { CharLM, LECTURE_SENTENCE, type CharLMOptions } from '@seqcast/core';
import type { Io } from '../command.js';
import { ProgressBar } from '../progress.js';
import { checkOut } from '../save-target.js';

/** The two models: the lecture's settings (lab 12-1 and lab 12-4). */
export const LECTURE_MODELS = {
  hihello: { text: 'hihello', input: 'hihell', options: { seqLength: 6, layers: 1, epochs: 100, learningRate: 0.1, seed: 777 } },
  sentence: { text: LECTURE_SENTENCE, input: LECTURE_SENTENCE, options: { seqLength: 10, layers: 2, epochs: 500, learningRate: 0.1, seed: 777 } },
} satisfies Record<string, { text: string; input: string; options: CharLMOptions }>;

export interface LectureDemoOptions {
  /** Where to save the models (as `<outDir>/hihello` and `<outDir>/sentence`); not saved when absent. */
  outDir?: string;
  /** Where the lines go. */
  io: Io;
  /** Show training progress on stderr (default true). */
  progress?: boolean;
  signal?: AbortSignal;
  /** Replace models already saved at `<outDir>/<name>` (default false: refused before training). */
  overwrite?: boolean;
}

export interface LectureDemoModel {
  /** Saved directory, when outDir was given. */
  dir?: string;
  /** Teacher-forced prediction for the model's input. */
  prediction: string;
  accuracy: number;
  loss: number;
  elapsedMs: number;
}

export interface LectureDemoResult {
  hihello: LectureDemoModel;
  sentence: LectureDemoModel & {
    /** The lecture's read-back: first window's predictions, then each later window's last character. */
    readBack: string;
  };
}

/** Each character after the first predicted once from up to L characters before it. */
function readBack(lm: CharLM, text: string): string {
  const L = lm.config.seqLength;
  let s = lm.predictString(text.slice(0, L));
  for (let i = 1; i + L < text.length; i++) s += lm.predictString(text.slice(i, i + L)).at(-1)!;
  return s;
}

/**
 * Train, print and (optionally) save the lecture's hihello and sentence models.
 *
 * @example
 * await trainLectureDemo({ outDir: 'models', io: { out: console.log, err: console.error } });
 */
export async function trainLectureDemo(opts: LectureDemoOptions): Promise<LectureDemoResult> {
  const { io } = opts;
  const result: Partial<LectureDemoResult> = {};
  const save = { overwrite: opts.overwrite === true };
  if (opts.outDir) {
    for (const name of ['hihello', 'sentence']) await checkOut(path.join(opts.outDir, name), save);
  }
  for (const name of ['hihello', 'sentence'] as const) {
    const spec = LECTURE_MODELS[name];
    const bar = opts.progress === false ? undefined : new ProgressBar(name);
    const cb = opts.signal ? { signal: opts.signal } : {};
    const lm = await CharLM.train(spec.text, spec.options, { ...cb, onProgress: (p) => bar?.update(p) });
    try {
      const info = lm.info!;
      const r: LectureDemoModel = { prediction: lm.predictString(spec.input), accuracy: info.accuracy, loss: info.loss, elapsedMs: info.elapsedMs };
      if (opts.outDir) {
        r.dir = path.join(opts.outDir, name);
        await lm.save(r.dir, save);
      }
      const o = spec.options;
      io.out(
        `${name}: ${o.layers}-layer LSTM, seq ${o.seqLength}, ${o.epochs} epochs -> training loss ${r.loss.toFixed(4)}, ` +
          `accuracy ${r.accuracy.toFixed(3)}, ${(r.elapsedMs / 1000).toFixed(1)}s${r.dir ? `, saved ${r.dir}` : ''}`,
      );
      if (name === 'hihello') {
        io.out(`  ${spec.input} -> ${r.prediction}`);
        result.hihello = r;
      } else {
        const back = readBack(lm, spec.text);
        io.out(`  ${back}`);
        result.sentence = { ...r, readBack: back };
      }
    } finally {
      lm.dispose();
    }
  }
  return result as LectureDemoResult;
}
