/**
 * `seqcast data inspect`: what seqcast makes of a CSV before training on it — rows, numeric
 * columns, date column, order, per-column min/max/mean, missing and questionable cells with
 * their file lines. An unusable file exits non-zero with one line naming the problem and line.
 * `seqcast data sample`: a seeded sample CSV to try everything on without a download.
 */
import { SeqcastError } from '@seqcast/core/errors';
import { formatInspection, inspectCsv, SAMPLE_KINDS, sampleCsv, type Delimiter, type MissingPolicy, type SampleKind } from '@seqcast/data';
import { columnList, optionalNumber, optionalString, parseFlags, requireString } from '../args.js';
import type { Command, CommandGroup } from '../command.js';
import { timeColumnsFlag } from './season-flags.js';

const DELIMS: Record<string, Delimiter> = { ',': ',', comma: ',', ';': ';', semicolon: ';', tab: '\t', '\\t': '\t', '\t': '\t' };
const POLICIES: MissingPolicy[] = ['keep', 'error', 'drop', 'ffill'];

const inspect: Command = {
  name: 'inspect',
  summary: 'rows, columns, date order, stats and missing cells of a CSV',
  usage:
    'seqcast data inspect --csv FILE [--json] [--newest-first] [--delimiter ,|;|tab] [--missing keep|error|drop|ffill] [--date-column NAME|none] [--time-columns year,month,…] [--columns A,B]\n' +
    '  --newest-first   the file has no date column and lists newest rows first (reverse it)\n' +
    '  --missing        keep (default: list missing cells), error, drop rows, or ffill\n' +
    '  --columns        only these columns, which must be numeric\n' +
    '  --time-columns   the timestamp is split across these columns (any prefix of year,month,day,hour,minute);\n' +
    '                   default: year, month, day[, hour[, minute]] columns are found by name',
  async run(argv, io) {
    const cmd = 'data inspect';
    const flags = parseFlags(
      argv,
      {
        csv: { type: 'string' },
        json: { type: 'boolean' },
        'newest-first': { type: 'boolean' },
        delimiter: { type: 'string' },
        missing: { type: 'string' },
        'date-column': { type: 'string' },
        'time-columns': { type: 'string' },
        columns: { type: 'string' },
      },
      cmd,
    );
    const csv = requireString(flags, 'csv', cmd);
    const d = optionalString(flags, 'delimiter');
    const delimiter = d === undefined ? undefined : DELIMS[d];
    if (d !== undefined && !delimiter) {
      throw new SeqcastError('BAD_ARGUMENT', `--delimiter must be one of , ; tab (received "${d}")`, { where: '--delimiter' });
    }
    const m = optionalString(flags, 'missing');
    if (m !== undefined && !POLICIES.includes(m as MissingPolicy)) {
      throw new SeqcastError('BAD_ARGUMENT', `--missing must be one of ${POLICIES.join(', ')} (received "${m}")`, { where: '--missing' });
    }
    const dc = optionalString(flags, 'date-column');
    const cols = optionalString(flags, 'columns');
    const timeColumns = timeColumnsFlag(flags);
    const report = await inspectCsv(
      { path: csv },
      {
        newestFirst: flags['newest-first'] === true,
        delimiter,
        missing: (m as MissingPolicy | undefined) ?? 'keep',
        dateColumn: dc === undefined ? undefined : dc === 'none' ? null : dc,
        ...(timeColumns ? { timeColumns } : {}),
        columns: columnList(cols, '--columns'),
      },
    );
    if (flags.json) return io.out(JSON.stringify(report));
    for (const line of formatInspection(report)) io.out(line);
  },
};

const sample: Command = {
  name: 'sample',
  summary: 'print a seeded sample CSV (monthly-sales, stock-daily, daily-births, hourly-weather)',
  usage:
    `seqcast data sample ${SAMPLE_KINDS.join('|')} [--rows N] [--seed N] > FILE.csv\n` +
    '  monthly-sales   "Month","Sales": 108 months from 1960-01, trend and a yearly season\n' +
    "  stock-daily     the lecture's stock file layout: Open,High,Low,Volume,Close under two comment lines, newest row first\n" +
    '  daily-births    "Date","Births": 365 days from 1959-01-01\n' +
    '  hourly-weather  No,year,month,day,hour,pm2.5,DEWP,TEMP,PRES,cbwd,Iws,Is,Ir: two years hourly, time split across columns, text wind direction, "NA" cells',
  async run(argv, io) {
    const cmd = 'data sample';
    const kind = argv[0]?.startsWith('-') ? undefined : argv[0];
    const flags = parseFlags(argv.slice(kind === undefined ? 0 : 1), { rows: { type: 'string' }, seed: { type: 'string' } }, cmd);
    if (!SAMPLE_KINDS.includes(kind as SampleKind)) {
      const received = kind === undefined ? 'nothing' : `"${kind}"`;
      throw new SeqcastError('BAD_ARGUMENT', `data sample needs one of ${SAMPLE_KINDS.join(', ')} (received ${received})`, { where: 'data sample' });
    }
    const rows = optionalNumber(flags, 'rows', { integer: true, min: 1, max: 1_000_000 });
    const seed = optionalNumber(flags, 'seed', { integer: true });
    io.out(sampleCsv(kind as SampleKind, { rows, seed }));
  },
};

export const data: CommandGroup = {
  name: 'data',
  summary: 'inspect CSV series, print sample CSVs',
  commands: [inspect, sample],
};
