/**
 * @seqcast/data — CSV series and panels in, clean typed columns out.
 *
 * readCsv → Series (oldest-first Float64Array columns, dates, the file line of every row);
 * readPanelCsv → Panel (one series per id); dates (parse, detect, continue); inspectCsv and
 * describeSeries for `data inspect`, toDataFrame to danfojs-node. No model inputs: scaling and
 * windowing for the forecasters live with them, in @seqcast/forecast (src/inputs/).
 */
export { readCsv, DEFAULT_MAX_COLUMNS, type CsvSource, type ReadCsvOptions, type Series, type MissingPolicy, type DateIssue } from './read.js';
export { parseDate, isDateName, nextDates, nextTimes, detectDayFirst } from './dates.js';
export type { Delimiter } from './csv.js';
export { describeSeries, toDataFrame, loadDanfo, DANFO_MAX_ROWS, type ColumnStats, type DescribeOptions } from './describe.js';
export type { Panel, PanelSeries } from './panel-types.js';
export { readPanelCsv, type ReadPanelOptions, type PanelCsv, type SkippedSeries } from './panel.js';
export { inspectCsv, formatInspection, type Inspection, type InspectOptions } from './inspect.js';
export { categoricalOf, type CategoricalColumn } from './categorical.js';
export { TIME_PARTS, composeTimestamp, detectTimeColumns } from './time-columns.js';
export { inferFrequency, describeFrequency, type Frequency, type FrequencyInfo, type DateGap } from './frequency.js';
export { sampleCsv, SAMPLE_KINDS, type SampleKind, type SampleOptions } from './samples.js';
