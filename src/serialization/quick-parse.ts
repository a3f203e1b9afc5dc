/**
 * The fast way in: `JSON.parse`, when its result is what Python's `json.loads` would give, and
 * how to spot the numbers where it is not.
 */
import { MAX_DEPTH, NestingTooDeepError } from './errors.js';

/**
 * Whether `JSON.parse` may have lost what Python would keep: a magnitude of 2^53 or more (an
 * integer token there may have been rounded) or `-0` (the integer token `-0` is Python's `0`).
 */
export function isInexactNumber(n: number): boolean {
  return n >= 9007199254740992 || n <= -9007199254740992 || (n === 0 && 1 / n < 0);
}

/** Whether a `JSON.parse` result holds a number for which {@link isInexactNumber} is true. */
export function hasInexactNumber(value: unknown, depth = 0): boolean {
  if (typeof value === 'number') return isInexactNumber(value);
  if (typeof value !== 'object' || value === null) return false;
  if (depth >= MAX_DEPTH) throw new NestingTooDeepError('parse');
  if (Array.isArray(value)) {
    for (const item of value) if (hasInexactNumber(item, depth + 1)) return true;
    return false;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) if (hasInexactNumber(obj[key], depth + 1)) return true;
  return false;
}

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
