/**
 * Model names. A name is one path segment made of letters, digits, `_` and `-` (starting with a
 * letter or digit), so it can never climb out of the models directory (`..`, `/`, `\`) or
 * address a hidden entry such as `.jobs`. Invalid names are answered exactly like unknown ones
 * (404), so a probe learns nothing about the file system.
 */
import { SeqcastError } from '@seqcast/core';

/** The pattern every model name matches (also published in the OpenAPI document). */
export const MODEL_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';
const NAME_RE = new RegExp(MODEL_NAME_PATTERN);

/**
 * True when `name` is a valid model name.
 *
 * @example
 * isValidModelName('stock-2');   // true
 * isValidModelName('../etc');    // false
 */
export function isValidModelName(name: string): boolean {
  return NAME_RE.test(name);
}

/**
 * The 404 for a name that is not served (or not a valid name at all).
 *
 * @example
 * throw modelNotFound('../etc');   // 404 model "../etc" not found
 */
export function modelNotFound(name: string): SeqcastError {
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  return new SeqcastError('MODEL_NOT_FOUND', `model ${JSON.stringify(shown)} not found`, { where: 'name' });
}
