import { isSeqcastError } from '../errors.js';

/**
 * What `fn` throws, as `CODE: message` ('no error' when it returns), so a test can assert the exact
 * one-line error a user would see. Anything that is not a SeqcastError is rethrown.
 *
 * @example
 * expect(errorOf(() => column(series, 'zz'))).toBe('BAD_INPUT: series: no numeric column "zz" (columns: a)');
 */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isSeqcastError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}
