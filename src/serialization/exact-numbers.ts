/**
 * Spotting numbers that `JSON.parse` may have read differently from Python, so the text can be
 * parsed again exactly.
 */
import { MAX_DEPTH, NestingTooDeepError } from './depth.js';

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
