/**
 * How a panel model's training CSV was read (target, id, time and feature columns, missing-cell
 * policy), saved beside the model as `panel.json` so that `forecast predict` and the server read
 * later files the same way. Written atomically (temp file + rename).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { SeqcastError } from '@seqcast/core';
import type { Panel } from '@seqcast/data';

export interface PanelLayout {
  target: string;
  idColumn: string | null;
  timeColumn: string | null;
  features: string[];
  missing: 'error' | 'drop' | 'ffill';
}

/** The sidecar file in a panel model directory. */
export const PANEL_LAYOUT_JSON = 'panel.json';

/** The layout of `panel` as read with `missing`. */
export function layoutOf(panel: Panel, missing: PanelLayout['missing'] = 'error'): PanelLayout {
  return { target: panel.target, idColumn: panel.idColumn, timeColumn: panel.timeColumn, features: [...panel.features], missing };
}

/** Write `dir/panel.json` atomically. */
export async function savePanelLayout(dir: string, layout: PanelLayout): Promise<void> {
  const file = path.join(dir, PANEL_LAYOUT_JSON);
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(layout, null, 2) + '\n');
  await rename(tmp, file);
}

/** Read and check `dir/panel.json`; one-line BAD_MODEL errors. */
export async function loadPanelLayout(dir: string): Promise<PanelLayout> {
  const file = path.join(dir, PANEL_LAYOUT_JSON);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    throw new SeqcastError('BAD_MODEL', `${dir}: ${PANEL_LAYOUT_JSON} is missing (train the model with seqcast forecast train --id-column)`, { where: file });
  }
  let j: Partial<PanelLayout>;
  try {
    j = JSON.parse(raw) as Partial<PanelLayout>;
  } catch {
    throw new SeqcastError('BAD_MODEL', `${file}: not valid JSON`, { where: file });
  }
  const nameOrNull = (v: unknown) => v === null || typeof v === 'string';
  if (
    typeof j !== 'object' || j === null ||
    typeof j.target !== 'string' ||
    !nameOrNull(j.idColumn) ||
    !nameOrNull(j.timeColumn) ||
    !Array.isArray(j.features) ||
    !j.features.every((f) => typeof f === 'string') ||
    !['error', 'drop', 'ffill'].includes(String(j.missing))
  ) {
    throw new SeqcastError('BAD_MODEL', `${file}: fields target, idColumn, timeColumn, features, missing are missing or invalid`, { where: file });
  }
  return j as PanelLayout;
}
