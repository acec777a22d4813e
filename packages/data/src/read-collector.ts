/** The streaming pass of readCsv: parsed cells collected into growable typed columns, row by row. */
import { SeqcastError } from '@seqcast/core/errors';
import { MISSING, parseCell, parsePlainDecimal } from './csv.js';
import { type ReadCsvOptions } from './read-types.js';
import { type Layout, bad, quoteCell } from './read-layout.js';

/**
 * Growable Float64Array. It starts small (one per column: a wide header must not reserve kilobytes
 * per column) and doubles, so its memory is at most twice the cells actually read.
 */
const INITIAL_CAPACITY = 8;
class F64 {
  a = new Float64Array(INITIAL_CAPACITY);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}
class I32 {
  a = new Int32Array(INITIAL_CAPACITY);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

const DATE_ROLE = -2;
const UNUSED_ROLE = -1;
/** Key column k has role KEY_ROLE - k. */
const KEY_ROLE = -3;

/** Copy a cell: a substring would keep its whole 1 MB input chunk alive (V8 sliced strings). */
function ownCopy(s: string): string {
  return (' ' + s.trim()).slice(1);
}

/** Collects parsed cells; one instance per read. */
export class Collector {
  readonly values: F64[];
  readonly numericCount: Float64Array;
  readonly firstText: ({ line: number; value: string } | null)[];
  readonly lines = new I32();
  readonly dates: string[] | null;
  readonly keys: string[][];
  /** (column slot, line) pairs of missing cells, file order. */
  readonly missing = new I32();
  private readonly cell = { kind: 0 };
  private readonly roles: Int32Array;
  private readonly decimalComma: boolean;
  /** Rows allowed by `maxCells` and `maxRows`: checked per row, so reading stops as soon as one is passed. */
  private readonly rowsByCells: number;
  private readonly maxRows: number;
  extraFields: { line: number; count: number } | null = null;

  constructor(
    private readonly layout: Layout,
    private readonly indices: number[],
    private readonly strict: boolean,
    private readonly source: string,
    private readonly names: string[],
    private readonly keyIndices: number[] = [],
    private readonly limits: Pick<ReadCsvOptions, 'maxCells' | 'maxRows' | 'limitNames'> = {},
  ) {
    this.rowsByCells = limits.maxCells === undefined ? Infinity : Math.floor(limits.maxCells / Math.max(1, layout.header.length));
    this.maxRows = Math.min(this.rowsByCells, limits.maxRows ?? Infinity);
    this.keys = keyIndices.map(() => []);
    this.values = indices.map(() => new F64());
    this.numericCount = new Float64Array(indices.length);
    this.firstText = indices.map(() => null);
    this.dates = layout.dateIndex >= 0 ? [] : null;
    this.decimalComma = layout.delimiter === ';';
    // Role of each file column: numeric slot (>= 0), the date column, or unused.
    this.roles = new Int32Array(layout.header.length).fill(UNUSED_ROLE);
    indices.forEach((c, j) => (this.roles[c] = j));
    if (layout.dateIndex >= 0) this.roles[layout.dateIndex] = DATE_ROLE;
    keyIndices.forEach((c, k) => (this.roles[c] = KEY_ROLE - k));
  }

  /** Count a row, refusing the first one over `maxCells`. */
  private addRow(line: number): void {
    if (this.lines.n >= this.maxRows) {
      if (this.lines.n < this.rowsByCells) {
        const limit = this.limits.limitNames?.rows ?? 'maxRows';
        throw new SeqcastError('TOO_LARGE', `${this.source}:${line}: more than ${this.limits.maxRows} rows, over the limit (${limit})`, { where: limit, line });
      }
      const limit = this.limits.limitNames?.cells ?? 'maxCells';
      const width = this.layout.header.length;
      throw new SeqcastError(
        'TOO_LARGE',
        `${this.source}:${line}: more than ${this.limits.maxCells} cells (${this.lines.n} rows × ${width} columns so far), over the limit (${limit})`,
        { where: limit, line },
      );
    }
    this.lines.push(line);
  }

  /**
   * The hot path: a record without quotes, scanned in place. Plain decimals are parsed from the
   * line without creating a string per cell; anything else goes through parseCell.
   */
  addLine(l: string, line: number): void {
    const L = this.layout;
    if (line === L.headerLine) return;
    const delim = L.delimiter;
    const roles = this.roles;
    const width = L.header.length;
    this.addRow(line);
    let pos = 0;
    let col = 0;
    for (; ; col++) {
      let end = l.indexOf(delim, pos);
      if (end < 0) end = l.length;
      if (col < width) {
        const role = roles[col]!;
        if (role >= 0) {
          let v = end > pos ? parsePlainDecimal(l, pos, end) : undefined;
          if (v !== undefined) {
            this.numericCount[role]!++;
          } else {
            v = this.parseOther(l.slice(pos, end), role, line);
          }
          this.values[role]!.push(v);
        } else if (role === DATE_ROLE) {
          // Copy the cell: a substring would keep its whole 1 MB input chunk alive (V8 sliced
          // strings), which at 1M rows holds the entire file in memory (~100 MB more heap).
          this.dates!.push((' ' + l.slice(pos, end).trim()).slice(1));
        } else if (role <= KEY_ROLE) {
          this.keys[KEY_ROLE - role]!.push(ownCopy(l.slice(pos, end)));
        }
      } else if (l.slice(pos, end).trim() !== '' && !this.extraFields) {
        // Trailing empty cells (`1,2,3,`) are harmless; real extra cells are an error.
        this.extraFields = { line, count: l.split(delim).length };
      }
      if (end === l.length) break;
      pos = end + delim.length;
    }
    // A short row: the remaining columns are missing.
    if (col + 1 < width) {
      for (let c = col + 1; c < width; c++) {
        const role = roles[c]!;
        if (role >= 0) {
          this.missing.push(role);
          this.missing.push(line);
          this.values[role]!.push(NaN);
        } else if (role === DATE_ROLE) this.dates!.push('');
        else if (role <= KEY_ROLE) this.keys[KEY_ROLE - role]!.push('');
      }
    }
  }

  private parseOther(s: string, j: number, line: number): number {
    const cell = this.cell;
    const v = parseCell(s, this.decimalComma, cell);
    if (cell.kind === 0) this.numericCount[j]!++;
    else if (cell.kind === MISSING) {
      this.missing.push(j);
      this.missing.push(line);
    } else {
      if (this.strict) {
        throw bad(this.source, line, `column "${this.names[j]}": ${quoteCell(s)} is not a number`, { column: this.names[j], line });
      }
      if (!this.firstText[j]) this.firstText[j] = { line, value: s };
    }
    return v;
  }

  add(fields: string[], line: number): void {
    const L = this.layout;
    if (line === L.headerLine) return;
    if (fields.length > L.header.length) {
      // Trailing empty cells (`1,2,3,`) are harmless; real extra cells are an error.
      for (let k = L.header.length; k < fields.length; k++) {
        if (fields[k]!.trim() !== '') {
          if (!this.extraFields) this.extraFields = { line, count: fields.length };
          break;
        }
      }
    }
    this.addRow(line);
    if (this.dates) {
      // Copy the cell: a substring would keep its whole 1 MB input chunk alive (V8 sliced
      // strings), which at 1M rows holds the entire file in memory (~100 MB more heap).
      this.dates.push((' ' + (fields[L.dateIndex] ?? '').trim()).slice(1));
    }
    for (let k = 0; k < this.keyIndices.length; k++) this.keys[k]!.push(ownCopy(fields[this.keyIndices[k]!] ?? ''));
    const idx = this.indices;
    for (let j = 0; j < idx.length; j++) {
      const s = fields[idx[j]!];
      if (s === undefined) {
        this.missing.push(j);
        this.missing.push(line);
        this.values[j]!.push(NaN);
      } else {
        this.values[j]!.push(this.parseOther(s, j, line));
      }
    }
  }
}

/**
 * Text is read in slices of about this many characters (to a line end) with the event loop turning
 * between them, as a file's chunks are: a server parsing a 1 MB body keeps answering meanwhile.
 */
