/**
 * The low-level CSV layer: an incremental record splitter that keeps the 1-based FILE line of
 * every record (comments, blank lines and the header count), cell classification (number,
 * missing, text) and layout detection (delimiter, header row, commented header).
 *
 * It works on decoded text chunks so that a 1,000,000-row file streams through with only one
 * chunk plus the columns in memory; it never touches the file system or the network.
 */

/** A delimiter seqcast understands. */
export type Delimiter = ',' | ';' | '\t';
export const DELIMITERS: readonly Delimiter[] = [',', ';', '\t'];

/** Receives each record with the file line it starts on. */
export type RecordSink = (fields: string[], line: number) => void;
/**
 * Optional fast sink for a record that has no quote character: the raw line, so a consumer can
 * scan it without allocating one string per cell. When absent, such lines are split.
 */
export type LineSink = (line: string, lineNo: number) => void;
/** Receives each comment line (text after `#`) with its file line. */
export type CommentSink = (text: string, line: number) => void;

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/** Split one record that contains quotes (RFC 4180: `""` is a literal quote, delimiters/newlines inside quotes). */
export function splitQuoted(rec: string, delim: string): string[] {
  const fields: string[] = [];
  const n = rec.length;
  let i = 0;
  for (;;) {
    let j = i;
    while (j < n && rec.charCodeAt(j) === 32) j++;
    if (j < n && rec.charCodeAt(j) === 34) {
      let k = j + 1;
      let out = '';
      for (;;) {
        const q = rec.indexOf('"', k);
        if (q < 0) {
          out += rec.slice(k);
          k = n;
          break;
        }
        out += rec.slice(k, q);
        if (rec.charCodeAt(q + 1) === 34) {
          out += '"';
          k = q + 2;
        } else {
          k = q + 1;
          break;
        }
      }
      // Be lenient about text between the closing quote and the delimiter (`"a" ,`).
      const d = rec.indexOf(delim, k);
      const tail = (d < 0 ? rec.slice(k) : rec.slice(k, d)).trim();
      fields.push(out + tail);
      if (d < 0) break;
      i = d + delim.length;
    } else {
      const d = rec.indexOf(delim, i);
      if (d < 0) {
        fields.push(rec.slice(i));
        break;
      }
      fields.push(rec.slice(i, d));
      i = d + delim.length;
    }
  }
  return fields;
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 0xfeff) return false;
  }
  return true;
}

function isComment(s: string): boolean {
  const c = s.charCodeAt(0);
  if (c === 35) return true;
  if (c !== 32 && c !== 9) return false;
  return s.trimStart().startsWith('#');
}

/**
 * Incremental splitter: `push()` decoded chunks, `end()` once. Records go to `onRecord` with the
 * line they start on; a quoted field may span lines. Comment lines (`#...`) and blank lines are
 * skipped but counted.
 */
export class RecordSplitter {
  private rest = '';
  private parts: string[] = [];
  private line = 1;
  private pending: string | null = null;
  private pendingLine = 0;
  private started = false;

  constructor(
    private readonly delim: string,
    private readonly onRecord: RecordSink,
    private readonly onComment: CommentSink = () => {},
    private readonly newline: '\n' | '\r' = '\n',
    private readonly onLine: LineSink | null = null,
  ) {}

  push(chunk: string): void {
    if (!this.started) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    const nlChar = this.newline;
    // A chunk without a newline only extends the current line: park it, so a very long line
    // arriving in many chunks is joined and scanned once instead of once per chunk.
    if (chunk.indexOf(nlChar) < 0) {
      this.parts.push(chunk);
      return;
    }
    if (this.parts.length) {
      this.rest += this.parts.join('');
      this.parts = [];
    }
    // The carried-over rest holds no newline: resume the search after it.
    let from = this.rest.length;
    const buf = from ? this.rest + chunk : chunk;
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(nlChar, from);
      from = nl + 1;
      if (nl < 0) break;
      let end = nl;
      if (nlChar === '\n' && end > pos && buf.charCodeAt(end - 1) === 13) end--;
      this.handleLine(buf.slice(pos, end));
      pos = nl + 1;
    }
    this.rest = pos === 0 ? buf : buf.slice(pos);
  }

  /** Flush the last line. Returns the line of an unterminated quoted field, or 0. */
  end(): number {
    if (this.parts.length) {
      this.rest += this.parts.join('');
      this.parts = [];
    }
    if (this.rest.length) {
      let l = this.rest;
      if (l.charCodeAt(l.length - 1) === 13) l = l.slice(0, -1);
      this.rest = '';
      this.handleLine(l);
    }
    if (this.pending !== null) {
      // Unterminated quote: hand the record over as it is and let the caller report it.
      const line = this.pendingLine;
      const rec = this.pending;
      this.pending = null;
      this.onRecord(splitQuoted(rec, this.delim), line);
      return line;
    }
    return 0;
  }

  /** Number of lines seen so far (the last line number). */
  get lines(): number {
    return this.line - 1;
  }

  private handleLine(l: string): void {
    const lineNo = this.line++;
    if (this.pending !== null) {
      this.pending += '\n' + l;
      if (countQuotes(l) % 2 === 1) {
        const rec = this.pending;
        this.pending = null;
        this.onRecord(splitQuoted(rec, this.delim), this.pendingLine);
      }
      return;
    }
    if (l.length === 0 || isBlank(l)) return;
    if (isComment(l)) {
      this.onComment(l.trimStart().slice(1), lineNo);
      return;
    }
    if (l.indexOf('"') < 0) {
      if (this.onLine) this.onLine(l, lineNo);
      else this.onRecord(l.split(this.delim), lineNo);
    } else if (countQuotes(l) % 2 === 1) {
      this.pending = l;
      this.pendingLine = lineNo;
    } else {
      this.onRecord(splitQuoted(l, this.delim), lineNo);
    }
  }
}

/** Cell classes returned by {@link parseCell} besides a number. */
export const MISSING = -1;
export const TEXT = -2;

const MISSING_MARKERS = new Set(['na', 'n/a', 'nan', 'null', 'none', '-', '?', '#n/a']);

/**
 * Parse a numeric cell. Returns the number, or NaN and sets `out.kind` to MISSING (empty, NA,
 * null, ...) or TEXT (anything else). `decimalComma` accepts `1,5` (for `;`-separated files).
 */
export function parseCell(s: string, decimalComma: boolean, out: { kind: number }): number {
  if (s.length === 0) {
    out.kind = MISSING;
    return NaN;
  }
  let v = +s;
  if (v === v) {
    if (v === 0 && isBlank(s)) {
      out.kind = MISSING;
      return NaN;
    }
    // `+` also accepts 0x1F, 0b1, 0o7 and Infinity; those are not data.
    if (!Number.isFinite(v) || (s.length > 2 && (s.charCodeAt(1) | 32) > 97 && /^\s*0[xbo]/i.test(s))) {
      out.kind = TEXT;
      return NaN;
    }
    out.kind = 0;
    return v;
  }
  if (decimalComma && s.indexOf(',') >= 0) {
    v = +s.replace(',', '.');
    if (v === v && Number.isFinite(v)) {
      out.kind = 0;
      return v;
    }
  }
  out.kind = MISSING_MARKERS.has(s.trim().toLowerCase()) ? MISSING : TEXT;
  return NaN;
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Parse `line[a, b)` as a plain decimal (`-12.345`) without allocating, or return undefined so
 * the caller falls back to {@link parseCell} on the substring. Exact: with at most 15 significant
 * digits the mantissa is an exact integer below 2^53 and 10^k (k <= 22) is exact, so one IEEE
 * division gives the correctly rounded value — the same double `Number()` returns.
 */
export function parsePlainDecimal(line: string, a: number, b: number): number | undefined {
  let i = a;
  let neg = false;
  let c = line.charCodeAt(i);
  if (c === 45 || c === 43) {
    neg = c === 45;
    i++;
  }
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < b; i++) {
    c = line.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 || c !== 48) digits++;
      m = m * 10 + (c - 48);
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) {
      frac = 0;
    } else return undefined;
  }
  const anyDigit = b - a - (neg || line.charCodeAt(a) === 43 ? 1 : 0) - (frac >= 0 ? 1 : 0) > 0;
  if (!anyDigit || digits > 15 || frac > 22) return undefined;
  const v = frac > 0 ? m / POW10[frac]! : m;
  return neg ? -v : v;
}

/** True when a cell reads as a number (used by detection). */
export function isNumeric(s: string, decimalComma = false): boolean {
  const out = { kind: 0 };
  parseCell(s, decimalComma, out);
  return out.kind === 0;
}

function countOutsideQuotes(line: string, ch: string): number {
  let n = 0;
  let inQ = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQ = !inQ;
    else if (!inQ && c === ch) n++;
  }
  return n;
}

/**
 * Pick the delimiter from sample lines (comments/blank lines already removed): a candidate must
 * occur the same, non-zero number of times on every line; among those the one whose cells read
 * best as numbers/dates wins (so `1,5;2,3` is `;` with decimal commas), ties go to tab, `;`, `,`.
 */
export function detectDelimiter(lines: readonly string[], looksLikeValue: (cell: string, d: Delimiter) => boolean): Delimiter {
  const sample = lines.slice(0, 50);
  if (sample.length === 0) return ',';
  let best: Delimiter | null = null;
  let bestScore = -1;
  for (const d of ['\t', ';', ','] as const) {
    const counts = sample.map((l) => countOutsideQuotes(l, d));
    const first = counts[0]!;
    if (first === 0 || !counts.every((c) => c === first)) continue;
    let good = 0;
    let total = 0;
    for (const l of sample.slice(1)) {
      for (const cell of splitQuoted(l, d)) {
        total++;
        if (looksLikeValue(cell, d)) good++;
      }
    }
    const score = total ? good / total : 0;
    if (score > bestScore + 1e-9) {
      best = d;
      bestScore = score;
    }
  }
  if (best) return best;
  // No consistent candidate: the one present on most lines, else a single-column file.
  let most = 0;
  let pick: Delimiter = ',';
  for (const d of ['\t', ';', ','] as const) {
    const n = sample.filter((l) => countOutsideQuotes(l, d) > 0).length;
    if (n > most) {
      most = n;
      pick = d;
    }
  }
  return pick;
}
