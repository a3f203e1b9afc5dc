/**
 * Checks a `ttlMs` argument and returns it as whole milliseconds (rounded up, so a record never
 * expires earlier than asked). Throws `RangeError` for anything but a positive finite number:
 * a zero or negative TTL is a caller bug, not a way to delete.
 */
export function checkTtl(ttlMs: number): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive finite number of milliseconds, got ${String(ttlMs)}`);
  }
  return Math.ceil(ttlMs);
}

/** Epoch milliseconds at which a record written at `now` with `ttlMs` expires. */
export function expiresAtFrom(now: number, ttlMs: number): number {
  return now + checkTtl(ttlMs);
}

/** Whether a record with this expiry is expired at `now` (expiry is exclusive: live while `now < expiresAt`). */
export function isExpired(expiresAt: number, now: number): boolean {
  return expiresAt <= now;
}
