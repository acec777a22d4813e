/**
 * The model registry: one line per kind. `forecast train --model`, `forecast predict`,
 * `forecast backtest --models`, the server's loaders, job schema and job worker, GET
 * /v1/model-kinds and the page's training form all read this list, so a new model is its file,
 * one line here and its test.
 */
import { readModelMetadata, SeqcastError } from '@seqcast/core';
import type { Panel } from '@seqcast/data';
import { z } from 'zod';
import { driftKind } from '../baselines/drift.js';
import { naive2Kind, naiveKind, pooledLinearKind, seasonalNaiveKind, sesKind, thetaKind } from '../baselines/kinds.js';
import { globalKind } from '../models/global/kind.js';
import { perSeriesKind } from '../models/per-series-kind.js';
import type { ForecastSpec, PanelModelFactory } from '../panel/model.js';
import type { ForecastModel, ModelKindEntry } from './contract.js';

/** Every registered kind, in report order (the global model first, then Naive2, the yardstick). */
export const MODEL_KINDS: readonly ModelKindEntry[] = [
  globalKind,
  naive2Kind,
  seasonalNaiveKind,
  naiveKind,
  sesKind,
  thetaKind,
  pooledLinearKind,
  driftKind,
  perSeriesKind,
] as readonly ModelKindEntry[];

/** The kind `forecast train` trains and a panel job runs when none is named. */
export const DEFAULT_MODEL_KIND = 'global';

/** Every registered kind's name, in report order. */
export function modelKindNames(): string[] {
  return MODEL_KINDS.map((k) => k.kind);
}

/** The entry of `kind`; an unknown one is a BAD_ARGUMENT naming `where` and the known kinds. */
export function modelKind(kind: string, where = 'model'): ModelKindEntry {
  const entry = MODEL_KINDS.find((k) => k.kind === kind);
  if (!entry) throw new SeqcastError('BAD_ARGUMENT', `${where}: unknown model kind "${kind}" (known: ${modelKindNames().join(', ')})`, { where });
  return entry;
}

/** The kind whose directories record `savedKind` in seqcast.json, or undefined. */
export function modelKindOfSaved(savedKind: string): ModelKindEntry | undefined {
  return MODEL_KINDS.find((k) => (k.savedKind ?? k.kind) === savedKind);
}

/**
 * The kinds that save one directory per panel: every registered kind but the per-series model
 * (whose directories are the one-series "forecast" kind). What `forecast predict`, panel jobs and
 * the server's panel loaders take.
 */
export function panelModelKinds(): ModelKindEntry[] {
  return MODEL_KINDS.filter((k) => k !== perSeriesKind);
}

/** The seqcast.json kinds of panel models (see {@link panelModelKinds}). */
export function panelSavedKinds(): string[] {
  return panelModelKinds().map((k) => k.savedKind ?? k.kind);
}

/** Load any registered model from its saved directory (the kind its seqcast.json records). */
export async function loadModel(dir: string): Promise<ForecastModel> {
  const meta = await readModelMetadata(dir);
  const entry = modelKindOfSaved(meta.kind);
  if (!entry)
    throw new SeqcastError('BAD_MODEL', `${dir} holds a "${meta.kind}" model, not a forecasting model (known: ${modelKindNames().join(', ')})`, { where: dir });
  return entry.load(dir);
}

/** A fresh model of `kind` with `options` (checked by its table). */
export function createModel(kind: string, options: Record<string, unknown>, spec: ForecastSpec): ForecastModel {
  const entry = modelKind(kind);
  return entry.create(options as never, spec);
}

/** The steps a fit of `kind` plans (its progress' `steps`), when the kind can tell before fitting. */
export function plannedSteps(kind: string, options: Record<string, unknown>, train: Panel, spec: ForecastSpec): number | undefined {
  return modelKind(kind).plannedSteps?.(options as never, train, spec);
}

/** Kinds `forecast backtest` runs when `--models` is not given. */
export function defaultBacktestKinds(): string[] {
  return MODEL_KINDS.filter((k) => k.inDefaultBacktest !== false).map((k) => k.kind);
}

/** Factories for {@link backtest}, one per kind, each with its options (by kind). */
export function backtestFactories(kinds: readonly string[], spec: ForecastSpec, options: Record<string, Record<string, unknown>> = {}): PanelModelFactory[] {
  return kinds.map((kind) => {
    const entry = modelKind(kind, '--models');
    return () => entry.create((options[kind] ?? {}) as never, spec);
  });
}

/** One kind as GET /v1/model-kinds and the page's form see it: its options as JSON Schema, defaults included. */
export interface ModelKindDescription {
  kind: string;
  name: string;
  summary: string;
  inDefaultBacktest: boolean;
  /** JSON Schema (draft 2020-12) of the options object: each property's type, range, description and default. */
  options: Record<string, unknown>;
}

/** Every kind, described. */
export function describeModelKinds(): ModelKindDescription[] {
  return MODEL_KINDS.map((k) => ({
    kind: k.kind,
    name: k.name,
    summary: k.summary,
    inDefaultBacktest: k.inDefaultBacktest !== false,
    options: z.toJSONSchema(k.options, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
  }));
}
