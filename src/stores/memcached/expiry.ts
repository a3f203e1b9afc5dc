/** Longest expiry memcached takes as "seconds from now"; above it, it wants a Unix time. */
export const MAX_RELATIVE_EXPTIME = 60 * 60 * 24 * 30;

/**
 * The memcached `exptime` for an item that expires at `expiresAt` (epoch ms), written at `now`.
 *
 * memcached counts whole seconds on a clock that ticks once a second, so an item may vanish up
 * to a second before its exptime; one spare second keeps it until at least `expiresAt` (the
 * store itself treats it as absent from `expiresAt` on). Beyond 30 days memcached reads the
 * number as an absolute Unix time, so longer expiries are sent that way (a relative 40 days
 * would be read as a date in January 1970: already expired).
 */
export function memcachedExptime(expiresAt: number, now: number): number {
  const seconds = Math.ceil((expiresAt - now) / 1000) + 1;
  if (seconds <= MAX_RELATIVE_EXPTIME) return Math.max(1, seconds);
  return Math.ceil(expiresAt / 1000) + 1;
}
