/**
 * Training job records and the messages exchanged with the training process. The record, its
 * state and kind are the API's wire types (wire.ts): the server stores what it sends.
 */
import type { CsvTextOptions, PanelCsvOptions } from '../csv.js';
import type { JobKind } from '../wire.js';

export type { JobKind, JobRecord, JobState } from '../wire.js';

export { JOB_STATES, TERMINAL_STATES } from '../wire.js';

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
  /** Options for SeriesForecaster.fit / CharLM.train. */
  options: Record<string, unknown>;
}

/** What the training process is given: the whole spec but the name (it saves into the directory it is told). */
export function workOf(spec: JobSpec): Omit<JobSpec, 'name'> {
  const { name: _name, ...work } = spec;
  return work;
}

/** Parent -> training process. */
export type ToTrainingProcess = { type: 'start'; spec: Omit<JobSpec, 'name'>; outDir: string } | { type: 'cancel' };

/** Training process -> parent. */
export type FromTrainingProcess =
  | { type: 'progress'; step: number; steps: number; unit: string; loss: number | null; elapsedMs: number }
  | { type: 'done' }
  | { type: 'error'; code: string; message: string };
