import { isSeqcastError } from '../errors.js';

/**
 * What `fn` throws, as `CODE: message` ('no error' when it returns), so a test can assert the exact
 * one-line error a user would see. Anything that is not a SeqcastError is rethrown.
 *
 * @example
 * expect(errorOf(() => scaler.fit(table, { columns: ['zz'] }))).toBe('BAD_ARGUMENT: unknown column "zz" (available: a)');
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
