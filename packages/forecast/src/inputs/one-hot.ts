/**
 * One-hot encoding of categorical features for the SeriesForecaster (part of the input
 * stack, src/inputs/): a text column such as a wind direction `NE/NW/SE/cv` becomes one 0/1
 * column per level but the first (`cbwd=NW`, `cbwd=SE`, `cbwd=cv`; the first level is the
 * reference, all zeros), so the lag design treats them like any numeric feature. Dropping the
 * reference keeps the indicators from summing to the intercept, which an unpenalised least-squares
 * fit (the linear AR candidates) cannot solve. The levels are saved with the model; a level never
 * seen in training is an error naming it and its file line, or, when asked, encoded as no level
 * of the training set (all zeros, i.e. as the reference level, like scikit-learn's
 * `handle_unknown='ignore'` with `drop='first'`).
 */
import { SeqcastError } from '@seqcast/core';
import type { SeriesLike } from '../series.js';

/** Levels of each categorical feature, in the order of the features. */
export type CategoricalLevels = Record<string, string[]>;

/** What to do with a level not seen in training: fail (default) or encode it as the reference. */
export type UnknownLevel = 'error' | 'ignore';

/** The 0/1 column of one level. */
export function indicatorName(column: string, level: string): string {
  return `${column}=${level}`;
}

/** Feature names with each categorical feature replaced by its indicator columns. */
export function expandFeatures(features: readonly string[], levels: CategoricalLevels): string[] {
  return features.flatMap((f) => (levels[f] ? levels[f].slice(1).map((l) => indicatorName(f, l)) : [f]));
}

/** The categorical features of `series` among `features`, with their levels (training). */
export function categoricalLevelsOf(series: SeriesLike, features: readonly string[]): CategoricalLevels {
  const out: CategoricalLevels = {};
  for (const f of features) {
    const c = series.categorical?.[f];
    if (!c || series.values[f]) continue;
    if (c.levels.length < 2) {
      throw new SeqcastError(
        'BAD_INPUT',
        `${series.source ?? 'series'}: categorical column "${f}" has ${c.levels.length} level(s); it needs two to tell rows apart`,
        {
          where: f,
        },
      );
    }
    out[f] = c.levels;
  }
  return out;
}

/**
 * `series` with the indicator columns of `levels` added (a series that has them already is
 * returned as is). Unseen levels: a one-line BAD_INPUT naming the column, the level and the file
 * line, or zeros with `unknown: 'ignore'`. A missing cell is always an error.
 */
export function encodeCategorical(series: SeriesLike, levels: CategoricalLevels, unknown: UnknownLevel = 'error'): SeriesLike {
  const names = Object.keys(levels);
  if (names.length === 0) return series;
  if (names.every((f) => levels[f]!.slice(1).every((l) => series.values[indicatorName(f, l)]))) return series;
  const src = series.source ?? 'series';
  const where = (i: number) => (series.lines ? `${src}:${series.lines[i]}` : `${src} row ${i + 1}`);
  const values: Record<string, ArrayLike<number>> = { ...series.values };
  const columns = [...series.columns];
  for (const f of names) {
    const c = series.categorical?.[f];
    if (!c) {
      throw new SeqcastError(
        'BAD_INPUT',
        `${src}: no categorical column "${f}" (the model one-hot encodes it; columns: ${series.columns.join(', ') || 'none'})`,
        {
          where: f,
        },
      );
    }
    const trained = levels[f]!;
    // This file's codes -> the training levels' index (-1: unseen).
    const map = c.levels.map((l) => trained.indexOf(l));
    const cols = trained.slice(1).map(() => new Float64Array(series.rows));
    for (let i = 0; i < series.rows; i++) {
      const code = c.codes[i]!;
      if (code < 0) throw new SeqcastError('BAD_INPUT', `${where(i)}: column "${f}" has a missing cell (choose --missing drop or ffill)`, { where: where(i) });
      const k = map[code]!;
      if (k < 0) {
        if (unknown === 'ignore') continue;
        throw new SeqcastError(
          'BAD_INPUT',
          `${where(i)}: column "${f}" has level "${c.levels[code]}", not seen in training (levels: ${trained.join(', ')}); pass --unknown-level ignore to encode it as ${JSON.stringify(trained[0])}`,
          { where: where(i), column: f },
        );
      }
      if (k > 0) cols[k - 1]![i] = 1;
    }
    trained.slice(1).forEach((l, k) => {
      values[indicatorName(f, l)] = cols[k]!;
      columns.push(indicatorName(f, l));
    });
  }
  return { ...series, columns, values };
}
