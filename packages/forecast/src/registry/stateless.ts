/**
 * Saving and loading models without weights (the statistical baselines, the drift model) through
 * core's one saved-directory helper: seqcast.json alone, written atomically, holding the kind, the
 * options (checked by the kind's table on load), what `info()` said and the model's small state.
 */
import * as path from 'node:path';
import { METADATA_JSON, parseOptions, readModelMetadata, saveModelDir, SeqcastError } from '@seqcast/core';
import type { Panel } from '@seqcast/data';
import type { z } from 'zod';
import type { ForecastSpec } from '../panel/model.js';
import type { PanelLayout } from '../panel/layout.js';
import type { ModelInfo, ModelSaveOptions } from './contract.js';

/** What a weightless model's `info()` says and its seqcast.json keeps: the contract's info, its kind, its own fields. */
export type StatelessInfo = ModelInfo & { kind: string; [field: string]: unknown };

/** What a weightless model's seqcast.json holds. */
export interface StatelessSaved<S = unknown> {
  info: StatelessInfo;
  state: S;
  layout?: PanelLayout;
}

/** The info every fitted model starts from. */
export function baseInfo(kind: string, train: Panel, spec: ForecastSpec): StatelessInfo {
  return { kind, target: train.target, horizon: spec.horizon, season: spec.season, series: train.series.length };
}

/** Save a weightless model. */
export async function saveStateless<S>(
  dir: string,
  options: Record<string, unknown>,
  saved: Omit<StatelessSaved<S>, 'layout'>,
  save: ModelSaveOptions = {},
): Promise<void> {
  const { layout, ...rest } = save;
  await saveModelDir<{ options: Record<string, unknown> }, StatelessSaved<S>>(
    dir,
    null,
    { kind: saved.info.kind, config: { options }, extra: { ...saved, ...(layout ? { layout } : {}) } },
    rest,
  );
}

/**
 * Read what {@link saveStateless} wrote for `kind`, its options checked by `table`; a missing or
 * wrong field is one BAD_MODEL line naming seqcast.json and the field.
 */
export async function loadStateless<T extends z.ZodObject, S>(
  dir: string,
  kind: string,
  table: T,
): Promise<{ options: z.output<T>; info: StatelessInfo; state: S }> {
  const meta = await readModelMetadata<{ options?: unknown }, Partial<StatelessSaved<S>>>(dir, kind);
  const file = path.join(dir, METADATA_JSON);
  const bad = (field: string, why = 'is missing or invalid') =>
    new SeqcastError('BAD_MODEL', `${file}: field "${field}" ${why}`, { where: `${file}#${field}` });
  const info = meta.extra?.info;
  if (typeof info !== 'object' || info === null) throw bad('extra.info');
  if (typeof info.target !== 'string') throw bad('extra.info.target');
  for (const k of ['horizon', 'season'] as const) if (!Number.isInteger(info[k]) || info[k] < 1) throw bad(`extra.info.${k}`);
  let options: z.output<T>;
  try {
    options = parseOptions(table, meta.config.options ?? {});
  } catch (e) {
    throw bad('config.options', `does not fit the ${kind} options table (${e instanceof Error ? e.message : String(e)})`);
  }
  return { options, info: { ...info, kind }, state: meta.extra?.state as S };
}
