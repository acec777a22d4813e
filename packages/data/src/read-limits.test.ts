// Reading is bounded: memory follows the cells actually read (a wide header reserves nothing per
// column up front), and the column and cell limits refuse input before it grows past them.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { isSeqcastError, type SeqcastError } from '@seqcast/core';
import { DEFAULT_MAX_COLUMNS, readCsv, type CsvSource } from './read.js';

async function fails(p: Promise<unknown>): Promise<SeqcastError> {
  try {
    await p;
  } catch (e) {
    if (isSeqcastError(e)) return e;
    throw e;
  }
  throw new Error('expected a SeqcastError');
}

// Garbage left by earlier tests in this worker can be collected mid-read and hide the reader's
// growth, so the baseline is taken right after a full collection.
setFlagsFromString('--expose_gc');
const collectGarbage = runInNewContext('gc') as () => void;

const row = (width: number, cell: string): string => new Array<string>(width).fill(cell).join(',');

/**
 * A pull-based source: yields `chunks` one at a time and calls `between` before each chunk after
 * the first, i.e. while the reader holds its column buffers for the rows read so far.
 */
function pulled(chunks: string[], between: () => void): CsvSource {
  async function* gen(): AsyncGenerator<string> {
    for (const [i, c] of chunks.entries()) {
      if (i > 0) between();
      yield c;
    }
  }
  return { stream: { [Symbol.asyncIterator]: gen } as unknown as NodeJS.ReadableStream };
}

describe('break 1: parsing memory is proportional to the cells read, and bounded', () => {
  it('a 50,000-column file holds a few bytes per cell while it is read, not kilobytes per column', async () => {
    const width = 50_000;
    const header = Array.from({ length: width }, (_, i) => `c${i}`).join(',');
    collectGarbage();
    const before = process.memoryUsage().arrayBuffers;
    let during = 0;
    const s = await readCsv(
      pulled([`${header}\n${row(width, '1')}\n`, `${row(width, '2')}\n`, `${row(width, '3')}\n`], () => {
        during = Math.max(during, process.memoryUsage().arrayBuffers - before);
      }),
      { maxColumns: width },
    );
    expect(s.columns.length).toBe(width);
    expect(s.rows).toBe(3);
    expect(s.values.c49999![2]).toBe(3);
    // Two rows read so far: 16 bytes per column of cells; the growable buffers may hold a small
    // multiple of that. (Reserving 8 KB per column, as before, is 400 MB here.)
    expect(during).toBeGreaterThan(0);
    expect(during).toBeLessThan(width * 512);
  });

  it('a header wider than maxColumns (default 10,000) is TOO_LARGE naming the limit and the line', async () => {
    const e = await fails(readCsv({ text: `# exported\n${row(DEFAULT_MAX_COLUMNS + 1, 'x')}\n${row(DEFAULT_MAX_COLUMNS + 1, '1')}\n` }));
    expect(e.code).toBe('TOO_LARGE');
    expect(e.message).toBe('<text>:2: 10001 columns, over the limit of 10000 columns (maxColumns)');
    // A header-less row of 500,000 cells (the body) is refused the same way.
    const wide = await fails(readCsv({ text: `${row(499_990, '1')}\n` }, { maxColumns: 1000, limitNames: { columns: 'server limit maxCsvColumns' } }));
    expect(wide.message).toBe('<text>:1: 499990 columns, over the limit of 1000 columns (server limit maxCsvColumns)');
  });

  it('maxCells stops reading at the first row over it, naming the limit and the line', async () => {
    const text = 'a,b\n' + '1,2\n'.repeat(100);
    const e = await fails(readCsv({ text }, { maxCells: 100 }));
    expect(e.code).toBe('TOO_LARGE');
    expect(e.message).toBe('<text>:52: more than 100 cells (50 rows × 2 columns so far), over the limit (maxCells)');
    expect((await readCsv({ text }, { maxCells: 200 })).rows).toBe(100);
  });

  it('a long text is read in slices with the event loop turning between them (a server keeps answering)', async () => {
    const text = 'a,b\n' + '1,2\n'.repeat(100_000); // 400 KB
    let turned = false;
    setImmediate(() => (turned = true));
    const s = await readCsv({ text });
    expect(turned).toBe(true); // one synchronous pass resolves before any macrotask runs
    expect(s.rows).toBe(100_000);
    expect(s.lines[99_999]).toBe(100_001);
  });
});
