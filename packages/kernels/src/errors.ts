/**
 * Errors with a `code` from @seqcast/core's error table (BAD_ARGUMENT, BACKEND_UNAVAILABLE), so
 * core's seam re-throws them as the same coded SeqcastError its reference path throws for the
 * same misuse (keeping this error as `cause`). Declared here because this package does not
 * depend on core.
 */
export class KernelError extends Error {
  override readonly name = 'KernelError';
  constructor(
    readonly code: 'BAD_ARGUMENT' | 'BACKEND_UNAVAILABLE',
    message: string,
    /** The argument at fault (e.g. `h0`, `mask`), when there is one. */
    readonly where?: string,
  ) {
    super(message);
  }
}

/** A misused argument (wrong shape, rank or type). */
export function badArgument(message: string, where?: string): KernelError {
  return new KernelError('BAD_ARGUMENT', message, where);
}
