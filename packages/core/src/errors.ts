/**
 * The one error type seqcast throws for a user's mistake or an unusable input.
 *
 * Every failure a user can cause carries a stable `code`; the CLI maps codes to exit codes and
 * the server maps them to HTTP statuses, each through one table, so messages stay one line and
 * no stack trace ever reaches a user.
 */

/** Stable error codes. Add new ones here and to both tables below. */
export const ErrorCode = {
  /** A flag, option or JSON field has the wrong type or an out-of-range value. */
  BAD_ARGUMENT: 'BAD_ARGUMENT',
  /** An input file or string could not be used (empty, malformed, wrong columns, bad cell). */
  BAD_INPUT: 'BAD_INPUT',
  /** A character that is not in the model's vocabulary. */
  UNKNOWN_CHAR: 'UNKNOWN_CHAR',
  /** A file or directory that does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** A named model that does not exist. */
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  /** A model directory that exists but is corrupt, foreign or of another kind. */
  BAD_MODEL: 'BAD_MODEL',
  /** A backend that was asked for but cannot be loaded here. */
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  /** A model used before it was trained or loaded. */
  NOT_TRAINED: 'NOT_TRAINED',
  /** A request body over the size limit. */
  TOO_LARGE: 'TOO_LARGE',
  /** Missing or wrong credentials. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** An action that conflicts with the current state (e.g. a name already taken). */
  CONFLICT: 'CONFLICT',
  /** A feature switched off by configuration. */
  DISABLED: 'DISABLED',
  /** The server is at its work limit right now; retry after a moment (503 with Retry-After). */
  OVERLOADED: 'OVERLOADED',
  /** Nothing could be written (a full disk, a quota, an I/O error); nothing was accepted (507 with Retry-After). */
  INSUFFICIENT_STORAGE: 'INSUFFICIENT_STORAGE',
  /** Work stopped by the user (Ctrl-C) after saving what it could. */
  INTERRUPTED: 'INTERRUPTED',
  /** Something seqcast itself got wrong; a bug. */
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status for each code (used by the server's problem+json responses). */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_ARGUMENT: 400,
  BAD_INPUT: 400,
  UNKNOWN_CHAR: 400,
  NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  BAD_MODEL: 422,
  BACKEND_UNAVAILABLE: 503,
  NOT_TRAINED: 409,
  TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  CONFLICT: 409,
  DISABLED: 403,
  OVERLOADED: 503,
  INSUFFICIENT_STORAGE: 507,
  INTERRUPTED: 499,
  INTERNAL: 500,
};

/** Process exit code for each code (used by the CLI). 1 is reserved for unexpected failures. */
export const EXIT_CODE: Record<ErrorCode, number> = {
  BAD_ARGUMENT: 2,
  BAD_INPUT: 3,
  UNKNOWN_CHAR: 3,
  NOT_FOUND: 4,
  MODEL_NOT_FOUND: 4,
  BAD_MODEL: 5,
  BACKEND_UNAVAILABLE: 6,
  NOT_TRAINED: 5,
  TOO_LARGE: 3,
  UNAUTHORIZED: 7,
  CONFLICT: 8,
  DISABLED: 7,
  OVERLOADED: 9,
  INSUFFICIENT_STORAGE: 10,
  // 128 + SIGINT, what a shell reports for a program stopped by Ctrl-C.
  INTERRUPTED: 130,
  INTERNAL: 1,
};

export interface SeqcastErrorDetails {
  /** Where the problem is: a file path, `file:line`, a JSON field path, a flag name. */
  where?: string;
  /** Any structured extra a caller may want (never shown by default). */
  [key: string]: unknown;
}

/**
 * A wrapper passes the error it replaces as `cause`, so the original stays inspectable.
 *
 * @example
 * throw new SeqcastError('UNKNOWN_CHAR', `character "z" is not in the vocabulary`, { where: 'text[3]' });
 * throw new SeqcastError('BAD_MODEL', `${file}: not JSON`, { where: file }, { cause: e });
 */
export class SeqcastError extends Error {
  override readonly name = 'SeqcastError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: SeqcastErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  /** HTTP status for this error. */
  get status(): number {
    return HTTP_STATUS[this.code];
  }
  /** CLI exit code for this error. */
  get exitCode(): number {
    return EXIT_CODE[this.code];
  }
}

/** True for a SeqcastError, including one from another copy of this package. */
export function isSeqcastError(e: unknown): e is SeqcastError {
  return e instanceof SeqcastError || (e instanceof Error && e.name === 'SeqcastError' && 'code' in e);
}
