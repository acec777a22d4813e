/**
 * @seqcast/data — CSV series in, clean oldest-first, leak-free scaled windows out.
 *
 * readCsv → Series (Float64Array columns + file lines) → prepareWindows (chronological split,
 * scaler fitted on training rows only, float32 window views). describeSeries/toDataFrame bridge
 * to danfojs-node.
 */
export { readCsv, type CsvSource, type ReadCsvOptions, type Series, type MissingPolicy, type DateIssue } from './read.js';
export { parseDate, isDateName, nextDates } from './dates.js';
export type { Delimiter } from './csv.js';
export { MinMaxScaler, StandardScaler, scalerFromJSON, type Scaler, type ScalerJSON, type RowRange, type ColumnTable } from './scalers.js';
export {
  makeWindows,
  splitChronological,
  prepareWindows,
  featureMatrix,
  type Windows,
  type WindowOptions,
  type SplitOptions,
  type ChronologicalSplit,
  type PrepareOptions,
  type PreparedWindows,
} from './windows.js';
export { describeSeries, toDataFrame, loadDanfo, DANFO_MAX_ROWS, type ColumnStats, type DescribeOptions } from './describe.js';
export type { Panel, PanelSeries } from './panel-types.js';
export { readPanelCsv, type ReadPanelOptions, type PanelCsv, type SkippedSeries } from './panel.js';
export { inspectCsv, formatInspection, type Inspection, type InspectOptions } from './inspect.js';
