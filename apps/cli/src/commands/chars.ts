/**
 * `seqcast chars train|predict|eval|next|generate`: the character language model (CharLM) from the
 * command line. Thin: flags -> @seqcast/core -> printed results; every mistake is a one-line
 * SeqcastError naming the flag, file or character.
 */
import type { CommandGroup } from '../command.js';
import { train } from './chars-train.js';
import { evaluate, generate, next, predict } from './chars-query.js';

/** The `chars` command group. */
export const chars: CommandGroup = {
  name: 'chars',
  summary: 'character language models (the lecture labs)',
  commands: [train, predict, evaluate, next, generate],
};
