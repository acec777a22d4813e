/**
 * A job's progress on its record: `step` of `steps`, and what a step is (`unit`: an epoch of a
 * chars or forecast job, an optimizer step of a panel job, or whatever the model's fit counts).
 * `epoch`/`epochs` are deprecated copies of `step`/`steps`, kept on the wire for one release so
 * clients written against them keep working; records written before `step` existed are read with
 * it filled in from them.
 */
import type { JobKind, JobRecord } from './types.js';

/** What a job's steps count before its training reports: epochs, or optimizer steps for a panel job. */
export function defaultUnit(kind: JobKind): string {
  return kind === 'panel' ? 'step' : 'epoch';
}

/** Write the job's progress into its record, with the deprecated `epoch`/`epochs` copies. */
export function setProgress(rec: JobRecord, step: number, steps: number = rec.steps, unit: string = rec.unit): void {
  rec.step = step;
  rec.steps = steps;
  rec.unit = unit;
  rec.epoch = step;
  rec.epochs = steps;
}

/** A record as read back from the disk or Redis: one written before `step` existed gets `step`, `steps` and `unit`. */
export function withStepFields(rec: JobRecord): JobRecord {
  const r = rec as Omit<JobRecord, 'step' | 'steps' | 'unit'> & Partial<Pick<JobRecord, 'step' | 'steps' | 'unit'>>;
  if (typeof r.step !== 'number' || typeof r.steps !== 'number' || typeof r.unit !== 'string') {
    setProgress(rec, typeof r.step === 'number' ? r.step : r.epoch, typeof r.steps === 'number' ? r.steps : r.epochs, r.unit ?? defaultUnit(r.kind));
  }
  return rec;
}
