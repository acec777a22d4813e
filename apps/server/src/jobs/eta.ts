/**
 * A job's time left, as its record shows it: the pace so far over the steps left, capped for a
 * panel job by its time budget (options.minutes), which ends the fit whatever the step count —
 * the pace alone promised hours for a job its budget stops in minutes.
 */
import { globalForecasterOptionsSchema } from '@seqcast/forecast';
import type { JobKind } from './types.js';

const DEFAULT_PANEL_MINUTES = globalForecasterOptionsSchema.shape.minutes.def.defaultValue as number;

/**
 * @example
 * jobEtaMs('panel', { minutes: 1 }, { step: 10, steps: 4000, elapsedMs: 30_000 });   // 30000, not 11970000
 */
export function jobEtaMs(kind: JobKind, options: Record<string, unknown>, p: { step: number; steps: number; elapsedMs: number }): number | null {
  if (p.step <= 0) return null;
  const pace = Math.round((p.elapsedMs / p.step) * (p.steps - p.step));
  if (kind !== 'panel') return pace;
  const minutes = typeof options.minutes === 'number' ? options.minutes : DEFAULT_PANEL_MINUTES;
  return Math.max(0, Math.min(pace, Math.round(minutes * 60_000 - p.elapsedMs)));
}
