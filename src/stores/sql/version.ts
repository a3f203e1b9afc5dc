import { randomInt } from 'node:crypto';

/**
 * Versions of SQL rows are BIGINTs: a random start below 2^52 when a row is created, plus one
 * per update. Within a row's life a version never repeats (it only grows); a re-created row
 * starts somewhere random, so meeting an old version again is a 2^-52-scale accident. All
 * values stay below 2^53, exact as JavaScript numbers whatever the driver returns.
 */
export function initialVersion(): number {
  return randomInt(1, 2 ** 20) * 2 ** 32 + randomInt(0, 2 ** 32);
}

const DECIMAL = /^[1-9][0-9]{0,15}$/;

/** The number behind a version token, or `undefined` for a token this store never issued. */
export function parseVersion(token: string): number | undefined {
  if (!DECIMAL.test(token)) return undefined;
  const value = Number(token);
  return Number.isSafeInteger(value) && value < Number.MAX_SAFE_INTEGER ? value : undefined;
}
