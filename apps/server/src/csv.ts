/**
 * CSV content -> Series for training jobs, through @seqcast/data's readCsv with a `{ text }`
 * source: the submitted body is always parsed as CSV text, never opened as a path or fetched
 * as a URL.
 */
import { readCsv, type ReadCsvOptions, type Series } from '@seqcast/data';

/** The readCsv options a job may set (validated by the job schema). */
export type CsvTextOptions = Pick<ReadCsvOptions, 'delimiter' | 'newestFirst' | 'dateColumn' | 'missing'>;

/**
 * Parse CSV `text` (content only).
 *
 * @example
 * const series = await parseCsvText('date,close\n2024-01-02,10\n2024-01-03,11\n');
 */
export function parseCsvText(text: string, options: CsvTextOptions = {}): Promise<Series> {
  return readCsv({ text }, options);
}
