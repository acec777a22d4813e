/**
 * Errors as RFC 9457 problem details (`application/problem+json`).
 *
 * The status of every error comes from ONE table: core's `HTTP_STATUS` per SeqcastError code.
 * Anything that is not a SeqcastError (a bug) becomes a bare 500 whose detail never includes a
 * message or stack from inside the process.
 */
import { HTTP_STATUS, isSeqcastError, SeqcastError, type ErrorCode } from '@seqcast/core';

/** The JSON body of every error response. */
export interface Problem {
  /** A URI naming the kind of problem: `urn:seqcast:problem:<code>`. */
  type: string;
  /** Short, fixed summary of the kind of problem. */
  title: string;
  /** HTTP status (same as the response's). */
  status: number;
  /** One line saying what was wrong and where. */
  detail: string;
  /** The request path. */
  instance?: string;
  /** seqcast error code, e.g. `UNKNOWN_CHAR`. */
  code: ErrorCode;
  /** Where the problem is: a JSON field path such as `rows[3].close`, a CSV line, a header. */
  where?: string;
  /** The request id (also in the `X-Request-Id` header), to find the log line. */
  requestId?: string;
}

/** Titles per code: fixed strings, so clients can show them without parsing `detail`. */
const TITLES: Record<ErrorCode, string> = {
  BAD_ARGUMENT: 'Invalid request field',
  BAD_INPUT: 'Unusable input data',
  UNKNOWN_CHAR: 'Character not in the model vocabulary',
  NOT_FOUND: 'Not found',
  MODEL_NOT_FOUND: 'Model not found',
  BAD_MODEL: 'Model cannot be used',
  BACKEND_UNAVAILABLE: 'Backend unavailable',
  NOT_TRAINED: 'Model not trained',
  TOO_LARGE: 'Request too large',
  UNAUTHORIZED: 'Unauthorized',
  CONFLICT: 'Conflict',
  DISABLED: 'Switched off',
  OVERLOADED: 'Server busy',
  INSUFFICIENT_STORAGE: 'Insufficient storage',
  INTERRUPTED: 'Interrupted',
  INTERNAL: 'Internal error',
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The problem `type` URI of a code.
 *
 * @example
 * problemType('UNKNOWN_CHAR');   // 'urn:seqcast:problem:unknown-char'
 */
export function problemType(code: ErrorCode): string {
  return `urn:seqcast:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

/**
 * Turn anything thrown into a problem. SeqcastErrors keep their message and `where`; anything
 * else is reported as an internal error without its message.
 *
 * @example
 * toProblem(new SeqcastError('UNKNOWN_CHAR', 'character "z" is not in the vocabulary'), '/v1/models/x/next')
 * // { type: 'urn:seqcast:problem:unknown-char', title: …, status: 400, detail: 'character "z" …', code: 'UNKNOWN_CHAR', … }
 */
export function toProblem(error: unknown, instance?: string, requestId?: string): Problem {
  const e: SeqcastError = isSeqcastError(error) ? error : new SeqcastError('INTERNAL', 'internal error (see the server log for this request id)');
  const status = HTTP_STATUS[e.code] ?? 500;
  const problem: Problem = {
    type: problemType(e.code),
    title: TITLES[e.code] ?? 'Error',
    status,
    detail: e.message.split('\n')[0]!,
    code: e.code,
  };
  if (instance !== undefined) problem.instance = instance;
  if (typeof e.details?.where === 'string') problem.where = e.details.where;
  if (requestId !== undefined) problem.requestId = requestId;
  return problem;
}
