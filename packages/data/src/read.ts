/**
 * readCsv: a path, a string or a stream of CSV in; a clean, oldest-first {@link Series} of
 * Float64Array columns out, with the 1-based file line of every row so that every problem is
 * reported as `file:line` and column.
 *
 * Why not danfojs-node's readCSV here: it opens anything that looks like a path and fetches
 * anything that looks like a URL (the server passes untrusted bodies as `{text}`), it cannot say
 * which file line a row came from, and its DataFrame costs ~600 MB and minutes to sort at the
 * 1,000,000-row target. So reading, ordering and missing-value handling run on typed arrays in a
 * single streaming pass; danfo is used for column statistics and DataFrame interop (describe.ts).
 */
import { SeqcastError } from '@seqcast/core/errors';
import { RecordSplitter } from './csv.js';
import { badDateAdvice, detectDayFirst, isDateName, parseDate } from './dates.js';
import { applyCategoricalMissing, categoricalOf, recount, type CategoricalColumn } from './categorical.js';
import { composeTimestamps, timeColumnsName } from './time-columns.js';
import { type CsvSource, type DateIssue, type MissingPolicy, type ReadCsvOptions, type Series } from './read-types.js';
import { type Layout, SAMPLE_BYTES, bad, detectLayout, quoteCell } from './read-layout.js';
import { Collector } from './read-collector.js';
import { chunksOf, sourceName } from './read-source.js';
export { DEFAULT_MAX_COLUMNS, type CsvSource, type DateIssue, type MissingPolicy, type ReadCsvOptions, type Series } from './read-types.js';

/**
 * Read a CSV time series.
 *
 * @example
 * const s = await readCsv({ path: '../shared/data/stock_daily.csv' }, { newestFirst: true });
 * s.rows;            // 732
 * s.columns;         // ['Open', 'High', 'Low', 'Volume', 'Close']
 * s.values.Close[0]; // the oldest close
 * s.lines[0];        // 734: the file line that row came from
 */
export async function readCsv(source: CsvSource, options: ReadCsvOptions = {}): Promise<Series> {
  const name = sourceName(source);
  const policy: MissingPolicy = options.missing ?? 'error';
  if (!['error', 'drop', 'ffill', 'keep'].includes(policy)) {
    throw new SeqcastError('BAD_ARGUMENT', `missing must be one of error, drop, ffill, keep (received ${JSON.stringify(policy)})`, { where: 'missing' });
  }
  let layout: Layout | null = null;
  let collector: Collector | null = null;
  let splitter: RecordSplitter | null = null;
  let sample = '';
  let numericIdx: number[] = [];
  let names: string[] = [];
  let keyNames: string[] = [];

  const start = (atEof: boolean): void => {
    layout = detectLayout(sample, atEof, name, options);
    const L = layout;
    if (options.columns) {
      if (!Array.isArray(options.columns) || options.columns.length === 0) {
        throw new SeqcastError('BAD_ARGUMENT', 'columns must be a non-empty array of column names', { where: 'columns' });
      }
      for (const c of options.columns) {
        const i = L.header.indexOf(c);
        if (i < 0)
          throw new SeqcastError('BAD_ARGUMENT', `unknown column "${c}" in ${name} (available: ${L.header.join(', ')})`, { where: 'columns', column: c });
        if (i === L.dateIndex || L.timeIndices?.includes(i))
          throw new SeqcastError(
            'BAD_ARGUMENT',
            `column "${c}" is ${i === L.dateIndex ? 'the date column' : 'a time column'} of ${name}; it cannot be numeric`,
            {
              where: 'columns',
            },
          );
      }
      numericIdx = L.header.map((_, i) => i).filter((i) => options.columns!.includes(L.header[i]!));
    } else {
      numericIdx = L.header.map((_, i) => i).filter((i) => i !== L.dateIndex);
    }
    const keyIdx = (options.keyColumns ?? []).map((k) => {
      const i = L.header.indexOf(k);
      if (i < 0) throw new SeqcastError('BAD_ARGUMENT', `unknown column "${k}" in ${name} (available: ${L.header.join(', ')})`, { where: 'keyColumns' });
      return i;
    });
    // Time and categorical columns are read as raw text beside the key columns.
    for (const i of [...(L.timeIndices ?? []), ...L.categoricalIndices]) if (!keyIdx.includes(i)) keyIdx.push(i);
    numericIdx = numericIdx.filter((i) => !keyIdx.includes(i));
    names = numericIdx.map((i) => L.header[i]!);
    keyNames = keyIdx.map((i) => L.header[i]!);
    const c = new Collector(L, numericIdx, options.columns !== undefined, name, names, keyIdx, options);
    collector = c;
    splitter = new RecordSplitter(
      L.delimiter,
      (f, line) => c.add(f, line),
      undefined,
      L.newline,
      (l, line) => c.addLine(l, line),
    );
    splitter.push(sample);
    sample = '';
  };

  for await (const chunk of chunksOf(source)) {
    if (splitter) (splitter as RecordSplitter).push(chunk);
    else {
      sample += chunk;
      if (sample.length >= SAMPLE_BYTES) start(false);
    }
  }
  if (!splitter) start(true);
  const unterminated = splitter!.end();
  if (unterminated) throw bad(name, unterminated, 'unterminated quoted field');
  return finishSplit(collector!, layout!, names, keyNames, name, policy, options);
}

/** {@link finish}, with split time columns combined into dates and categorical columns coded. */
function finishSplit(c: Collector, L: Layout, names: string[], keyNames: string[], source: string, policy: MissingPolicy, options: ReadCsvOptions): Series {
  const keyOf = (i: number) => c.keys[keyNames.indexOf(L.header[i]!)]!;
  const composed = L.timeIndices ? composeTimestamps(L.timeIndices.map(keyOf), c.lines.n) : null;
  const s = finish(c, L, names, keyNames, source, policy, options, composed);
  const cats: Record<string, CategoricalColumn> = {};
  for (const i of L.categoricalIndices) {
    const col = L.header[i]!;
    cats[col] = categoricalOf(s.keys[col]!);
  }
  // Only the key columns asked for are returned as text.
  const keys: Record<string, string[]> = {};
  for (const k of options.keyColumns ?? []) keys[k] = s.keys[k]!;
  s.keys = keys;
  s.categorical = cats;
  if (Object.keys(cats).length === 0) return s;
  s.ignored = s.ignored.filter((col) => !(col in cats));
  applyCategoricalMissing(s, cats, policy);
  for (const k of Object.keys(cats)) cats[k] = recount(cats[k]!);
  return s;
}

function finish(
  c: Collector,
  L: Layout,
  names: string[],
  keyNames: string[],
  source: string,
  policy: MissingPolicy,
  options: ReadCsvOptions,
  composedDates: string[] | null,
): Series {
  const n = c.lines.n;
  const dateName = L.timeIndices ? timeColumnsName(L.timeIndices.map((i) => L.header[i]!)) : L.dateIndex >= 0 ? L.header[L.dateIndex]! : null;
  const rawDates = composedDates ?? c.dates;
  if (n === 0) throw bad(source, L.headerLine || null, 'header only, no data rows');
  if (c.extraFields) {
    throw bad(source, c.extraFields.line, `row has ${c.extraFields.count} cells but the header has ${L.header.length} (${L.header.join(', ')})`);
  }
  // Decide columns: text cells in a column that also has numbers are errors; all-text columns
  // are left out (default column choice only).
  const keep: number[] = [];
  const ignored: string[] = [];
  let firstBad: { slot: number; line: number; value: string } | null = null;
  names.forEach((col, j) => {
    const t = c.firstText[j];
    if (!t) return keep.push(j);
    if (c.numericCount[j] === 0) return ignored.push(col);
    if (!firstBad || t.line < firstBad.line) firstBad = { slot: j, line: t.line, value: t.value };
    keep.push(j);
  });
  if (firstBad) {
    const fb = firstBad as { slot: number; line: number; value: string };
    throw bad(source, fb.line, `column "${names[fb.slot]}": ${quoteCell(fb.value)} is not a number`, { column: names[fb.slot], line: fb.line });
  }
  if (keep.length === 0) {
    throw bad(source, null, `no numeric column (columns: ${L.header.join(', ')}${dateName ? `; date column ${dateName}` : ''})`);
  }
  const keptNames = keep.map((j) => names[j]!);
  const slotToKept = new Int32Array(names.length).fill(-1);
  keep.forEach((j, k) => (slotToKept[j] = k));
  const lines = c.lines.a.subarray(0, n);
  const cols = keep.map((j) => c.values[j]!.a.subarray(0, n));

  // Missing cells of kept columns, file order.
  const missing: { column: string; line: number }[] = [];
  const missRows = new Uint8Array(n);
  {
    // Rows are in file order here, so a line maps to a row by binary search.
    const m = c.missing.a;
    for (let k = 0; k < c.missing.n; k += 2) {
      const slot = slotToKept[m[k]!]!;
      if (slot < 0) continue;
      const line = m[k + 1]!;
      missing.push({ column: keptNames[slot]!, line });
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (lines[mid]! < line) lo = mid + 1;
        else hi = mid;
      }
      missRows[lo] = 1;
    }
  }
  if (policy === 'error' && missing.length > 0) {
    const m0 = missing[0]!;
    throw bad(source, m0.line, `column "${m0.column}" has a missing cell (${missing.length} missing in all; choose missing: drop or ffill)`, {
      column: m0.column,
      line: m0.line,
    });
  }

  // Dates: parse, drop bad ones, decide order, sort oldest-first.
  const dateIssues: DateIssue[] = [];
  let order: Series['order'] = 'unknown';
  let perm: Int32Array | null = null; // row indices in final order
  let dates: string[] | null = null;
  const dropRow = new Uint8Array(n);
  let dropped = 0;
  if (rawDates) {
    // Combined time columns are ISO cells; a year alone (`2010`) needs the loose parse.
    const named = L.timeIndices !== null || isDateName(dateName!);
    const df = detectDayFirst(rawDates);
    if (typeof df === 'string') throw bad(source, null, `date column "${dateName}": ${df}`);
    const ts = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = parseDate(rawDates[i]!, { loose: named, dayFirst: df });
      ts[i] = t;
      if (Number.isNaN(t)) {
        dateIssues.push({ kind: 'bad-date', line: lines[i]!, value: rawDates[i]! });
        dropRow[i] = 1;
      }
    }
    if (dateIssues.length > 0 && policy === 'error') {
      const d0 = dateIssues[0]!;
      throw bad(
        source,
        d0.line,
        `date column "${dateName}": ${d0.value === '' ? 'empty date' : `${quoteCell(d0.value)} is not a date`} (${dateIssues.length} bad in all; ${badDateAdvice(dateIssues.length, n)})`,
        {
          column: dateName,
          line: d0.line,
        },
      );
    }
    let asc = true;
    let desc = true;
    let prev = NaN;
    for (let i = 0; i < n; i++) {
      const t = ts[i]!;
      if (Number.isNaN(t)) continue;
      if (!Number.isNaN(prev)) {
        if (t < prev) asc = false;
        if (t > prev) desc = false;
      }
      prev = t;
    }
    order = asc ? 'oldest-first' : desc ? 'newest-first' : 'unknown';
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    if (asc) perm = idx;
    else if (desc) perm = idx.reverse();
    else perm = idx.sort((a, b) => ts[a]! - ts[b]! || a - b);
    // Duplicates (kept, reported): equal neighbours after sorting.
    let last = -1;
    for (let k = 0; k < n; k++) {
      const i = perm[k]!;
      if (Number.isNaN(ts[i]!)) continue;
      if (last >= 0 && ts[i] === ts[last]) {
        const [a, b] = lines[i]! > lines[last]! ? [lines[i]!, lines[last]!] : [lines[last]!, lines[i]!];
        dateIssues.push({ kind: 'duplicate-date', line: a, value: rawDates[i]!, firstLine: b });
      }
      last = i;
    }
    // A reversed newest-first file lists duplicates newest-first; keep their file order within a date.
    dateIssues.sort((a, b) => a.line - b.line);
    dates = rawDates;
  } else if (options.newestFirst) {
    order = 'newest-first';
    perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = n - 1 - i;
  }

  // Missing policy on chronological order.
  if (policy === 'drop') {
    for (let i = 0; i < n; i++) if (missRows[i]) dropRow[i] = 1;
  }
  const order0 = perm ?? null;
  const at = (k: number): number => (order0 ? order0[k]! : k);
  if (policy === 'ffill') {
    // Walk oldest-first, carrying the last value; rows before a column's first value are dropped.
    for (let j = 0; j < cols.length; j++) {
      const col = cols[j]!;
      let lastV = NaN;
      for (let k = 0; k < n; k++) {
        const i = at(k);
        if (dropRow[i]) continue;
        const v = col[i]!;
        if (Number.isNaN(v)) {
          if (Number.isNaN(lastV)) dropRow[i] = 1;
          else col[i] = lastV;
        } else lastV = v;
      }
    }
  }
  for (let i = 0; i < n; i++) dropped += dropRow[i]!;

  // Materialise the final order (compact copies; the growable buffers are released).
  const outN = n - dropped;
  const outLines = new Int32Array(outN);
  const outCols = cols.map(() => new Float64Array(outN));
  const outDates: string[] | null = dates ? new Array<string>(outN) : null;
  const outKeys = c.keys.map(() => new Array<string>(outN));
  let w = 0;
  for (let k = 0; k < n; k++) {
    const i = at(k);
    if (dropRow[i]) continue;
    outLines[w] = lines[i]!;
    for (let j = 0; j < cols.length; j++) outCols[j]![w] = cols[j]![i]!;
    if (outDates) outDates[w] = dates![i]!;
    for (let k = 0; k < outKeys.length; k++) outKeys[k]![w] = c.keys[k]![i]!;
    w++;
  }
  if (outN === 0) throw bad(source, null, `no rows left after applying missing: ${policy} (${missing.length} missing cells, ${dateIssues.length} date issues)`);
  const values: Record<string, Float64Array> = {};
  keptNames.forEach((nm, j) => (values[nm] = outCols[j]!));
  return {
    columns: keptNames,
    values,
    dateColumn: dateName,
    dates: outDates,
    order,
    lines: outLines,
    missing,
    rows: outN,
    source,
    header: L.header,
    headerKind: L.headerKind,
    delimiter: L.delimiter,
    ignored,
    dateIssues,
    droppedRows: dropped,
    keys: Object.fromEntries(keyNames.map((k, j) => [k, outKeys[j]!])),
    timeColumns: L.timeIndices ? L.timeIndices.map((i) => L.header[i]!) : null,
    categorical: {},
  };
}
