/**
 * CSV content -> Series for training jobs, through @seqcast/data's readCsv with a `{ text }`
 * source: the submitted body is always parsed as CSV text, never opened as a path or fetched
 * as a URL.
 */
import { SeqcastError } from '@seqcast/core';
import type { Series } from '@seqcast/forecast';

type ReadCsv = (source: { text: string }, options?: CsvTextOptions) => Promise<Series>;

/** @seqcast/data's readCsv (resolved at first use; the package is built in parallel). */
async function readCsv(source: { text: string }, options: CsvTextOptions): Promise<Series> {
  const mod = (await import('@seqcast/data')) as { readCsv?: ReadCsv };
  if (typeof mod.readCsv !== 'function') {
    throw new SeqcastError('INTERNAL', '@seqcast/data has no readCsv yet (build @seqcast/data)');
  }
  return mod.readCsv(source, options);
}

/** Options forwarded to readCsv (validated by the job schema). */
export interface CsvTextOptions {
  delimiter?: ',' | ';' | '\t';
  newestFirst?: boolean;
  dateColumn?: string | null;
  missing?: 'error' | 'drop' | 'ffill';
}

/**
 * Parse CSV `text` (content only).
 *
 * @example
 * const series = await parseCsvText('date,close\n2024-01-02,10\n2024-01-03,11\n');
 */
export async function parseCsvText(text: string, options: CsvTextOptions = {}): Promise<Series> {
  return readCsv({ text }, options);
}
