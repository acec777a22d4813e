/**
 * Training job records and the messages exchanged with the training process.
 */
import type { CsvTextOptions, PanelCsvOptions } from '../csv.js';

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** States a job never leaves. */
export const TERMINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

export type JobKind = 'chars' | 'forecast' | 'panel';

/** What a job is asked to do (validated by the route before it gets here). */
export interface JobSpec {
  /** Model name the result is published under (a new version when it exists). */
  name: string;
  kind: JobKind;
  /** CSV content (forecast) or training text (chars): content, never a path or URL. */
  content: string;
  /** Options for readCsv (forecast jobs) or readPanelCsv (panel jobs: plus idColumn, timeColumn, short). */
  csvOptions?: CsvTextOptions & PanelCsvOptions;
  /** Options for Forecaster.fit / CharLM.train. */
  options: Record<string, unknown>;
}

/** A job as stored in `<models>/.jobs/<id>.json` and returned by `GET /v1/jobs/{id}`. */
export interface JobRecord {
  id: string;
  name: string;
  kind: JobKind;
  state: JobState;
  /** ISO times. */
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Last finished epoch (0 before the first) and the total asked for. */
  epoch: number;
  epochs: number;
  /** Training loss after the last finished epoch. */
  loss: number | null;
  /** Training time so far, and the estimated time left, in ms. */
  elapsedMs: number;
  etaMs: number | null;
  /** The training options, as given. */
  options: Record<string, unknown>;
  /** Set once the model is published. */
  model: { name: string; version: number } | null;
  /** Set when the job failed / was interrupted. */
  error: { code: string; message: string } | null;
}

/** Parent -> training process. */
export type ToWorker = { type: 'start'; spec: Omit<JobSpec, 'name'>; outDir: string } | { type: 'cancel' };

/** Training process -> parent. */
export type FromWorker =
  { type: 'progress'; epoch: number; epochs: number; loss: number; elapsedMs: number } | { type: 'done' } | { type: 'error'; code: string; message: string };
