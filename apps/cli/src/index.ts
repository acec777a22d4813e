/** Programmatic access to the CLI's building blocks (used by the server's `serve` entry and tests). */
export { ProgressBar, type ProgressUpdate } from './progress.js';
export type { Command, CommandGroup, Io } from './command.js';
