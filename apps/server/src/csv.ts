/**
 * CSV content -> Series for training jobs, through @seqcast/data's readCsv with a `{ text }`
 * source: the submitted body is always parsed as CSV text, never opened as a path or fetched
 * as a URL.
 */
import { readCsv, readPanelCsv, type PanelCsv, type ReadCsvOptions, type ReadPanelOptions, type Series } from '@seqcast/data';

/** The readCsv options a job may set (validated by the job schema). */
export type CsvTextOptions = Pick<ReadCsvOptions, 'delimiter' | 'newestFirst' | 'dateColumn' | 'missing'>;

/** The readPanelCsv options a panel job may set (validated by the job schema). */
export type PanelCsvOptions = Pick<ReadPanelOptions, 'delimiter' | 'idColumn' | 'timeColumn' | 'missing' | 'short'>;

/**
 * Parse long-format panel CSV `text` (content only) for a model forecasting `target`
 * `horizon` steps ahead: a series needs two inputs and the horizon to train.
 */
export function parsePanelText(text: string, csv: PanelCsvOptions, o: { target: string; features?: string[]; horizon: number }): Promise<PanelCsv> {
  return readPanelCsv(
    { text },
    { ...csv, target: o.target, ...(o.features ? { features: o.features } : {}), minRows: o.horizon + 2, minRowsReason: `2 inputs + horizon ${o.horizon}` },
  );
}

/**
 * Parse CSV `text` (content only).
 *
 * @example
 * const series = await parseCsvText('date,close\n2024-01-02,10\n2024-01-03,11\n');
 */
export function parseCsvText(text: string, options: CsvTextOptions = {}): Promise<Series> {
  return readCsv({ text }, options);
}
