/**
 * A panel training job's covariates (options.features / futureFeatures / staticFeatures /
 * calendar) as the model's fit takes them, with the JSON fields named in every message. Used at
 * submit (prepare.ts: a mistake is a 400 before the 202) and by the training process (worker.ts),
 * so both read a job's covariates the same way.
 */
import { SeqcastError } from '@seqcast/core';
import type { Panel } from '@seqcast/data';
import { fitCovariates, type CovariateRequest } from '@seqcast/forecast';

/** The covariate fields of a panel job's options. */
export interface JobCovariateOptions {
  features?: string[];
  futureFeatures?: string[];
  staticFeatures?: string[];
  calendar?: 'auto' | 'on' | 'off';
}

/** The option fields, as a job's messages name them. */
const FIELDS = { features: 'options.features', futureFeatures: 'options.futureFeatures', staticFeatures: 'options.staticFeatures' } as const;

/** The job's covariates as the model's fit takes them (undefined when the job asks for none: the model's defaults hold). */
export function jobCovariates(o: JobCovariateOptions): CovariateRequest | undefined {
  const named = (['features', 'futureFeatures', 'staticFeatures'] as const).filter((k) => o[k]?.length);
  if (named.length === 0 && o.calendar === undefined) return undefined;
  return {
    ...Object.fromEntries(named.map((k) => [k, o[k]])),
    ...(o.calendar !== undefined ? { calendar: o.calendar === 'auto' ? 'auto' : o.calendar === 'on' } : {}),
    names: FIELDS,
  };
}

/**
 * Refuse (400) covariates a model kind does not read, naming the first such field: a kind that
 * takes none would otherwise train without them, silently.
 */
export function refuseUnread(kind: string, takesCovariates: boolean, o: JobCovariateOptions): void {
  if (takesCovariates) return;
  const field = (['features', 'futureFeatures', 'staticFeatures'] as const).find((k) => o[k]?.length);
  if (field !== undefined) {
    throw new SeqcastError('BAD_INPUT', `${FIELDS[field]}: model ${kind} reads no covariates; drop them or train the global model`, { where: FIELDS[field] });
  }
  if (o.calendar === 'on') {
    throw new SeqcastError('BAD_INPUT', `options.calendar: model ${kind} reads no calendar inputs; drop it or train the global model`, {
      where: 'options.calendar',
    });
  }
}

/**
 * Check the job's covariates against its panel as the model's fit will (a column named twice or
 * as the target, a static column that varies within a series), so the mistake is a 400 naming
 * the option rather than a failed job after the 202.
 */
export function checkJobCovariates(panel: Panel, o: JobCovariateOptions, season: number): void {
  const request = jobCovariates(o);
  if (!request) return;
  try {
    fitCovariates(panel, request, season);
  } catch (e) {
    // The one error that names a series rather than a field: a static column that varies.
    if (!(e instanceof SeqcastError) || e.details.column === undefined) throw e;
    throw new SeqcastError(e.code, `${FIELDS.staticFeatures}: ${e.message}`, { ...e.details, where: FIELDS.staticFeatures, series: e.details.where });
  }
}
