/**
 * How a panel model's training CSV was read (target, id, time and feature columns, missing-cell
 * policy), saved in the model's seqcast.json (GlobalForecaster.save's `layout`) so that
 * `forecast predict` and the server read later files the same way.
 */
import * as path from 'node:path';
import { METADATA_JSON, readModelMetadata, SeqcastError } from '@seqcast/core';
import type { Panel } from '@seqcast/data';

export interface PanelLayout {
  target: string;
  idColumn: string | null;
  timeColumn: string | null;
  features: string[];
  missing: 'error' | 'drop' | 'ffill';
}

/** The layout of `panel` as read with `missing`. */
export function layoutOf(panel: Panel, missing: PanelLayout['missing'] = 'error'): PanelLayout {
  return { target: panel.target, idColumn: panel.idColumn, timeColumn: panel.timeColumn, features: [...panel.features], missing };
}

/** Read and check the layout a panel model saved in its seqcast.json; one-line BAD_MODEL errors. */
export async function loadPanelLayout(dir: string): Promise<PanelLayout> {
  const layout = await loadSavedPanelLayout(dir);
  if (layout === null) {
    const file = path.join(dir, METADATA_JSON);
    throw new SeqcastError('BAD_MODEL', `${file}: no panel layout (train the model with seqcast forecast train --id-column)`, { where: file });
  }
  return layout;
}

/**
 * The layout a panel model saved, or null for one saved without it (a fit in code, `save(dir)`):
 * such a model is still served, reading files of one series. A layout that is there but broken
 * is a one-line BAD_MODEL error.
 */
export async function loadSavedPanelLayout(dir: string): Promise<PanelLayout | null> {
  const meta = await readModelMetadata<unknown, { layout?: Partial<PanelLayout> }>(dir);
  const file = path.join(dir, METADATA_JSON);
  const j = (meta.extra as { layout?: Partial<PanelLayout> } | null)?.layout;
  if (j === undefined) return null;
  const nameOrNull = (v: unknown) => v === null || typeof v === 'string';
  if (
    typeof j !== 'object' ||
    j === null ||
    typeof j.target !== 'string' ||
    !nameOrNull(j.idColumn) ||
    !nameOrNull(j.timeColumn) ||
    !Array.isArray(j.features) ||
    !j.features.every((f) => typeof f === 'string') ||
    !['error', 'drop', 'ffill'].includes(String(j.missing))
  ) {
    throw new SeqcastError('BAD_MODEL', `${file}: layout fields target, idColumn, timeColumn, features, missing are missing or invalid`, { where: file });
  }
  return j as PanelLayout;
}
