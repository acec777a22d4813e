/** What the `seqcast chars` commands share: library errors re-worded to name flags, reading the text, loading the model. */
import { promises as fs } from 'node:fs';
import { CharLM, cellNames, hasCell, initBackend, isSeqcastError, SeqcastError, setKernelLogger, type CellType } from '@seqcast/core';
import { optionalString, requireString, type Flags } from '../args.js';

/** Library option names -> the flags that set them, so library errors name the flag. */
const FLAG_OF: Record<string, string> = {
  seqLength: '--seq',
  layers: '--layers',
  hidden: '--hidden',
  cell: '--cell',
  epochs: '--epochs',
  learningRate: '--lr',
  batchSize: '--batch',
  seed: '--seed',
  text: '--text',
  prefix: '--prefix',
  length: '--length',
  temperature: '--temperature',
  topK: '--top-k',
  topP: '--top-p',
  top: '--top',
  steps: '--steps',
  minutes: '--minutes',
  val: '--val',
  valEvery: '--val-every',
  checkpointEvery: '--checkpoint-every',
  dropout: '--dropout',
  clip: '--clip',
  lrDecay: '--lr-decay',
  anneal: '--anneal',
  streams: '--streams',
};
/** Re-word a library error so it names the CLI flag instead of the option field. */
export async function withFlagNames<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!isSeqcastError(e)) throw e;
    const where = typeof e.details.where === 'string' ? e.details.where : '';
    const field = where.replace(/\[\d+\]$/, '');
    const flag = FLAG_OF[field];
    if (!flag) throw e;
    // The option's name is a whole word in the message ("seqLength 7 needs ...", "position 2 of text").
    const message = e.message.replace(new RegExp(`(^|[ ;])${field}(?=[ ,;])`), `$1${flag}`);
    throw new SeqcastError(e.code, message, { ...e.details, where: where.replace(field, flag) });
  }
}

/** Backend and kernel lines are useful during training; for quick queries stderr stays for errors. */
async function quietRuntime(): Promise<void> {
  setKernelLogger(null);
  await initBackend({ log: false });
}

export async function readTextFile(file: string, flag: string): Promise<string> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SeqcastError('NOT_FOUND', `${flag}: file ${file} does not exist`, { where: flag }, { cause: e });
    if (code === 'EISDIR') throw new SeqcastError('BAD_INPUT', `${flag}: ${file} is a directory, not a text file`, { where: flag }, { cause: e });
    throw new SeqcastError('BAD_INPUT', `${flag}: cannot read ${file} (${code ?? String(e)})`, { where: flag }, { cause: e });
  }
  if (text.length === 0) throw new SeqcastError('BAD_INPUT', `${flag}: file ${file} is empty`, { where: flag });
  return text;
}

/** Exactly one of --text FILE / --inline STRING. */
export async function textOrInline(flags: Flags, command: string): Promise<string> {
  const file = optionalString(flags, 'text');
  const inline = optionalString(flags, 'inline');
  if (file !== undefined && inline !== undefined) {
    throw new SeqcastError('BAD_ARGUMENT', `${command}: give --text FILE or --inline STRING, not both`, { where: '--text' });
  }
  if (file === undefined && inline === undefined) {
    throw new SeqcastError('BAD_ARGUMENT', `${command}: --text FILE or --inline STRING is required`, { where: '--text' });
  }
  if (inline !== undefined) {
    if (inline === '') throw new SeqcastError('BAD_ARGUMENT', `${command}: --inline is empty`, { where: '--inline' });
    return inline;
  }
  return readTextFile(file!, '--text');
}

/** Load --model quietly, run `use` on it, and dispose it whatever happens. */
export async function withModel<T>(flags: Flags, command: string, use: (lm: CharLM) => Promise<T>): Promise<T> {
  const dir = requireString(flags, 'model', command);
  await quietRuntime();
  const lm = await CharLM.load(dir);
  try {
    return await use(lm);
  } finally {
    lm.dispose();
  }
}

export function parseCell(flags: Flags): CellType | undefined {
  const cell = optionalString(flags, 'cell');
  if (cell === undefined) return undefined;
  if (!hasCell(cell)) {
    throw new SeqcastError('BAD_ARGUMENT', `--cell must be one of ${cellNames().join(', ')} (received "${cell}")`, { where: '--cell' });
  }
  return cell;
}
/** The object without its undefined fields (so library defaults apply). */
export function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
