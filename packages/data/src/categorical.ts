/**
 * Categorical (text) columns of a CSV, such as a wind direction `NE/NW/SE/cv` or a store type:
 * read as levels plus one integer code per row, so a model can one-hot encode them and the
 * levels can be saved with it. Missing cells (empty, NA, null, …) have code -1.
 */
import { SeqcastError } from '@seqcast/core/errors';
import { isNumeric, MISSING, parseCell } from './csv.js';

/** A text column: `levels[codes[i]]` is row i's cell; code -1 marks a missing cell. */
export interface CategoricalColumn {
  /** Distinct cells, sorted (so the same levels give the same codes in every file). */
  levels: string[];
  /** One code per row, aligned with the series' rows (-1 = missing). */
  codes: Int32Array;
  /** Rows per level, aligned with `levels`. */
  counts: number[];
}

/** True for an empty or NA-like cell (the same markers as numeric columns). */
export function isMissingCell(cell: string): boolean {
  const out = { kind: 0 };
  parseCell(cell, false, out);
  return out.kind === MISSING;
}

/**
 * Indices of the columns whose sampled cells are all text (no number, no date, at least one
 * non-missing cell): the candidates for `categorical: 'auto'`.
 */
export function textColumnsOf(records: readonly { fields: string[] }[], width: number, decimalComma: boolean, isDate: (cell: string) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    let text = 0;
    let other = 0;
    for (const r of records) {
      const c = (r.fields[i] ?? '').trim();
      if (c === '' || isMissingCell(c)) continue;
      if (isNumeric(c, decimalComma) || isDate(c)) other++;
      else text++;
    }
    if (text > 0 && other === 0) out.push(i);
  }
  return out;
}

/** Levels and codes of raw cells (aligned with rows). */
export function categoricalOf(cells: readonly string[]): CategoricalColumn {
  const levels = [...new Set(cells.filter((c) => !isMissingCell(c)))].sort();
  const index = new Map(levels.map((l, k) => [l, k]));
  const codes = new Int32Array(cells.length);
  const counts = levels.map(() => 0);
  for (let i = 0; i < cells.length; i++) {
    const k = index.get(cells[i]!);
    codes[i] = k ?? -1;
    if (k !== undefined) counts[k]!++;
  }
  return { levels, codes, counts };
}

/** The series fields a missing-cell policy touches (a subset of readCsv's Series). */
interface Rows {
  values: Record<string, Float64Array>;
  dates: string[] | null;
  lines: Int32Array;
  rows: number;
  keys: Record<string, string[]>;
  missing: { column: string; line: number }[];
  droppedRows: number;
  source: string;
}

/**
 * Apply the missing-cell policy to categorical columns (rows already oldest-first): `error`
 * names the first missing cell, `drop` removes its row from every column, `ffill` carries the
 * previous level forward (rows before the first level are dropped), `keep` leaves -1. Missing cells are added to
 * `missing` either way. Mutates and returns `s`.
 */
export function applyCategoricalMissing<S extends Rows>(s: S, cats: Record<string, CategoricalColumn>, policy: 'error' | 'drop' | 'ffill' | 'keep'): S {
  const names = Object.keys(cats);
  const drop = new Uint8Array(s.rows);
  const found: { column: string; line: number }[] = [];
  for (const name of names) {
    const codes = cats[name]!.codes;
    let last = -1;
    for (let i = 0; i < s.rows; i++) {
      if (codes[i]! >= 0) {
        last = codes[i]!;
        continue;
      }
      found.push({ column: name, line: s.lines[i]! });
      // ffill as for numbers: rows before the column's first level have nothing to carry.
      if (policy === 'ffill' && last >= 0) codes[i] = last;
      else if (policy === 'drop' || policy === 'ffill') drop[i] = 1;
    }
  }
  if (found.length === 0) return s;
  found.sort((a, b) => a.line - b.line);
  if (policy === 'error') {
    const m = found[0]!;
    throw new SeqcastError(
      'BAD_INPUT',
      `${s.source}:${m.line}: column "${m.column}" has a missing cell (${found.length} missing in all; choose missing: drop or ffill)`,
      { where: `${s.source}:${m.line}`, column: m.column, line: m.line },
    );
  }
  s.missing = [...s.missing, ...found].sort((a, b) => a.line - b.line);
  if (!drop.includes(1)) return s;
  const keep = (i: number) => drop[i] === 0;
  const idx = Array.from({ length: s.rows }, (_, i) => i).filter(keep);
  const pick = <T extends { [k: number]: number }>(a: T, make: (n: number) => T): T => {
    const out = make(idx.length);
    idx.forEach((i, k) => (out[k] = a[i]!));
    return out;
  };
  for (const c of Object.keys(s.values)) s.values[c] = pick(s.values[c]!, (n) => new Float64Array(n));
  for (const name of names) {
    const cat = cats[name]!;
    cat.codes = pick(cat.codes, (n) => new Int32Array(n));
  }
  if (s.dates) s.dates = idx.map((i) => s.dates![i]!);
  for (const k of Object.keys(s.keys)) s.keys[k] = idx.map((i) => s.keys[k]![i]!);
  s.lines = pick(s.lines, (n) => new Int32Array(n));
  s.droppedRows += s.rows - idx.length;
  s.rows = idx.length;
  if (s.rows === 0) throw new SeqcastError('BAD_INPUT', `${s.source}: no rows left after applying missing: ${policy}`, { where: s.source });
  return s;
}

/** Recount each level's rows (after rows were dropped). */
export function recount(cat: CategoricalColumn): CategoricalColumn {
  const counts = cat.levels.map(() => 0);
  for (const c of cat.codes) if (c >= 0) counts[c]!++;
  return { ...cat, counts };
}
