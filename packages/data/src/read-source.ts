/** The CSV source as text chunks (a file, a string in slices, a stream) and its name in messages. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { TextDecoder } from 'node:util';
import { SeqcastError } from '@seqcast/core/errors';
import { type CsvSource } from './read-types.js';
import { bad } from './read-layout.js';

const TEXT_SLICE = 1 << 16;

export async function* chunksOf(source: CsvSource): AsyncGenerator<string> {
  if ('text' in source) {
    const text = source.text;
    if (typeof text !== 'string') throw new SeqcastError('BAD_ARGUMENT', 'text must be a string', { where: 'text' });
    if (text.length <= TEXT_SLICE) return yield text;
    for (let from = 0; from < text.length;) {
      // Slices end at a line end, so a row (and the first row's width check) is never split.
      const end = text.indexOf('\n', from + TEXT_SLICE);
      const to = end < 0 ? text.length : end + 1;
      if (from > 0) await new Promise((turn) => setImmediate(turn));
      yield text.slice(from, to);
      from = to;
    }
    return;
  }
  let stream: NodeJS.ReadableStream;
  if ('path' in source) {
    try {
      const st = await stat(source.path);
      if (st.isDirectory()) throw bad(source.path, null, 'is a directory, not a CSV file');
    } catch (e) {
      if (e instanceof SeqcastError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new SeqcastError('NOT_FOUND', `${source.path}: no such file`, { where: source.path }, { cause: e });
      throw bad(source.path, null, `cannot read (${code ?? String(e)})`);
    }
    stream = createReadStream(source.path, { highWaterMark: 1 << 20 });
  } else if ('stream' in source) {
    stream = source.stream;
  } else {
    throw new SeqcastError('BAD_ARGUMENT', 'source must be {path}, {text} or {stream}', { where: 'source' });
  }
  let decoder: TextDecoder | null = null;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      if (typeof chunk === 'string') {
        if (chunk.length) yield chunk;
        continue;
      }
      // UTF-8 unless the file starts with a UTF-16 BOM (Excel's "Unicode text" export).
      decoder ??= new TextDecoder(chunk[0] === 0xff && chunk[1] === 0xfe ? 'utf-16le' : chunk[0] === 0xfe && chunk[1] === 0xff ? 'utf-16be' : 'utf-8');
      const s = decoder.decode(chunk, { stream: true });
      if (s.length) yield s;
    }
  } catch (e) {
    if (e instanceof SeqcastError) throw e;
    const name = 'path' in source ? source.path : '<stream>';
    throw bad(name, null, `read failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  const tail = decoder?.decode() ?? '';
  if (tail.length) yield tail;
}

export function sourceName(source: CsvSource): string {
  if ('path' in source) return source.path;
  if ('text' in source) return source.name ?? '<text>';
  return '<stream>';
}
