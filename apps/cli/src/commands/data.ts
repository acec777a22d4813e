/**
 * `seqcast data inspect`: what seqcast makes of a CSV before training on it — rows, numeric
 * columns, date column, order, per-column min/max/mean, missing and questionable cells with
 * their file lines. An unusable file exits non-zero with one line naming the problem and line.
 */
import { SeqcastError } from '@seqcast/core/errors';
import { formatInspection, inspectCsv, type Delimiter, type MissingPolicy } from '@seqcast/data';
import { columnList, optionalString, parseFlags, requireString } from '../args.js';
import type { Command, CommandGroup } from '../command.js';

const DELIMS: Record<string, Delimiter> = { ',': ',', comma: ',', ';': ';', semicolon: ';', tab: '\t', '\\t': '\t', '\t': '\t' };
const POLICIES: MissingPolicy[] = ['keep', 'error', 'drop', 'ffill'];

const inspect: Command = {
  name: 'inspect',
  summary: 'rows, columns, date order, stats and missing cells of a CSV',
  usage:
    'seqcast data inspect --csv FILE [--json] [--newest-first] [--delimiter ,|;|tab] [--missing keep|error|drop|ffill] [--date-column NAME|none] [--columns A,B]\n' +
    '  --newest-first   the file has no date column and lists newest rows first (reverse it)\n' +
    '  --missing        keep (default: list missing cells), error, drop rows, or ffill\n' +
    '  --columns        only these columns, which must be numeric',
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
    const report = await inspectCsv(
      { path: csv },
      {
        newestFirst: flags['newest-first'] === true,
        delimiter,
        missing: (m as MissingPolicy | undefined) ?? 'keep',
        dateColumn: dc === undefined ? undefined : dc === 'none' ? null : dc,
        columns: columnList(cols, '--columns'),
      },
    );
    if (flags.json) return io.out(JSON.stringify(report));
    for (const line of formatInspection(report)) io.out(line);
  },
};

export const data: CommandGroup = {
  name: 'data',
  summary: 'inspect CSV series',
  commands: [inspect],
};
