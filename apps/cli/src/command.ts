/** The shape every CLI command has: a name, help text and a run function over argv. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** `--help` lines after the usage: each flag with what it does and its default. */
  flags?: readonly (readonly [flag: string, description: string])[];
  run(argv: string[], io: Io): Promise<void> | void;
}

/** A command group such as `chars` with subcommands (`chars train`, `chars predict`, ...). */
export interface CommandGroup {
  name: string;
  summary: string;
  commands: Command[];
}
