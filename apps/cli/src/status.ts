/**
 * Start-up status lines (the tfjs backend, the recurrent kernels) are held back until the command
 * shows something of its own, so a command that fails after start-up prints one line, its error,
 * and a command that works prints them first, as before.
 */
const held: string[] = [];
let state: 'holding' | 'released' | 'dropped' = 'released';

function statusLine(line: string): void {
  if (state === 'holding') held.push(line);
  else if (state === 'released') process.stderr.write(line + '\n');
}

/** Route core's status lines through the hold (loads core: call once a command is chosen). */
export async function holdStatusLines(): Promise<void> {
  const { setBackendLogger, setKernelLogger } = await import('@seqcast/core');
  state = 'holding';
  setBackendLogger(statusLine);
  setKernelLogger((line) => {
    if (process.env.SEQCAST_QUIET !== '1') statusLine(line);
  });
}

/** Print the held lines (once); later lines go straight to stderr. */
export function releaseStatusLines(): void {
  if (state !== 'holding') return;
  state = 'released';
  for (const line of held.splice(0)) process.stderr.write(line + '\n');
}

/** The command failed: its error is the only line it prints. */
export function dropStatusLines(): void {
  held.length = 0;
  state = 'dropped';
}
