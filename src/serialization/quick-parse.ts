/**
 * The fast way in: `JSON.parse`, when its result is what Python's `json.loads` would give.
 */
import { hasInexactNumber } from './exact-numbers.js';

/** Stands for "only the exact parser reads this text as Python does". */
export const INEXACT: unique symbol = Symbol('inexact');

/**
 * `JSON.parse`, or {@link INEXACT} when its result may differ from Python's (`NaN`/`Infinity`,
 * which it refuses; integers beyond 2^53 - 1; the integer `-0`) or the text is not JSON (the exact
 * parser then reports the error). With `checkNumbers: false` the caller checks the numbers itself.
 */
export function parseJsonQuickly(text: string, checkNumbers = true): unknown {
  let tree: unknown;
  try {
    tree = JSON.parse(text);
  } catch {
    return INEXACT;
  }
  return checkNumbers && hasInexactNumber(tree) ? INEXACT : tree;
}
