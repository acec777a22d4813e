/**
 * Training job records and the messages exchanged with the training process. The record, its
 * state and kind are the API's wire types (wire.ts): the server stores what it sends.
 */
import type { CsvTextOptions, PanelCsvOptions } from '../csv.js';
import type { JobKind, JobState } from '../wire.js';

export type { JobKind, JobRecord, JobState } from '../wire.js';

/**
 * Every job state. `satisfies` refuses a state wire.ts does not know; a missing one fails the build
 * too, because the job schema's enum (schemas.ts) is this list and is checked against wire's JobRecord.
 */
export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const satisfies readonly JobState[];
/** States a job never leaves. */
export const TERMINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/** What a job is asked to do (validated by the route before it gets here). */
export interface JobSpec {
  /** Model name the result is published under (a new version when it exists). */
  name: string;
  kind: JobKind;
  /** Panel jobs: the registered model kind (@seqcast/forecast's registry) to train; default the global model. */
  model?: string;
  /** CSV content (forecast) or training text (chars): content, never a path or URL. */
  content: string;
  /** Options for readCsv (forecast jobs) or readPanelCsv (panel jobs: plus idColumn, timeColumn, short). */
  csvOptions?: CsvTextOptions & PanelCsvOptions;
  /** Options for Forecaster.fit / CharLM.train. */
  options: Record<string, unknown>;
}

/** What the training process is given: the whole spec but the name (it saves into the directory it is told). */
export function workOf(spec: JobSpec): Omit<JobSpec, 'name'> {
  const { name: _name, ...work } = spec;
  return work;
}

/** Parent -> training process. */
export type ToWorker = { type: 'start'; spec: Omit<JobSpec, 'name'>; outDir: string } | { type: 'cancel' };

/** Training process -> parent. */
export type FromWorker =
  | { type: 'progress'; epoch: number; epochs: number; loss: number | null; elapsedMs: number }
  | { type: 'done' }
  | { type: 'error'; code: string; message: string };
