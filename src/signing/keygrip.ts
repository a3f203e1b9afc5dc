/**
 * The `keygrip` package's signatures, which cookie-session (through `cookies`) puts in its
 * `<name>.sig` cookie: HMAC-SHA1 of the text, base64url without padding. The first key signs,
 * every key verifies.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../secrets.js';

/** keygrip's defaults: `Keygrip(keys)` signs with SHA-1 and writes the digest as url-safe base64. */
const DIGEST = 'sha1';

/** The signature of `data` under `key`, as `new Keygrip([key]).sign(data)` returns it. */
export function keygripSign(data: string, key: Secret): string {
  return createHmac(DIGEST, key).update(data).digest('base64url');
}

/** Whether one of `keys` signed `data` with `signature` (compared in constant time), as `Keygrip#verify`. */
export function keygripVerify(data: string, signature: string, keys: readonly Secret[]): boolean {
  const given = Buffer.from(signature);
  let found = false;
  for (const key of keys) {
    const expected = Buffer.from(keygripSign(data, key));
    // Every key is tried, so the time taken does not tell which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) found = true;
  }
  return found;
}
