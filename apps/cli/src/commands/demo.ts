/** `seqcast demo`: the lecture demo end to end (trains hihello and the sentence model, prints them). */
import { initBackend } from '@seqcast/core';
import { optionalString, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { trainLectureDemo } from '../demo/lecture.js';

export const demo: Command = {
  name: 'demo',
  summary: 'train the lecture models (hihello, "build a ship") and print their predictions',
  usage: 'seqcast demo [--out DIR [--force]] [--json]',
  async run(argv, io) {
    const flags = parseFlags(argv, { out: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' } }, 'demo');
    await initBackend();
    const outDir = optionalString(flags, 'out');
    const overwrite = flags.force === true;
    if (flags.json) {
      const r = await trainLectureDemo({ io: { out: () => {}, err: io.err }, progress: false, overwrite, ...(outDir ? { outDir } : {}) });
      return io.out(JSON.stringify(r));
    }
    await trainLectureDemo({ io, overwrite, ...(outDir ? { outDir } : {}) });
  },
};
