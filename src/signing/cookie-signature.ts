/**
 * The `cookie-signature` package's format, which express-session uses for its id cookie:
 * `value + "." + base64(HMAC-SHA256(secret, value))` with the base64 padding removed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../secrets.js';

/** Separator between value and signature (cookie-signature looks for the last one). */
const SEPARATOR = '.';
/** cookie-signature strips base64's `=` padding from the signature. */
const PADDING = /=+$/;

/** The signature of `value` under `secret`, exactly as `cookie-signature`'s `sign` appends it. */
function signatureOf(value: string, secret: Secret): string {
  return createHmac('sha256', secret).update(value).digest('base64').replace(PADDING, '');
}

/** `value.signature`, as `require('cookie-signature').sign(value, secret)` returns it. */
export function signCookieValue(value: string, secret: Secret): string {
  return value + SEPARATOR + signatureOf(value, secret);
}

/**
 * The value of a signed string when any of `secrets` signed it (compared in constant time), as
 * express-session tries its secrets one by one; `undefined` otherwise.
 */
export function unsignCookieValue(signed: string, secrets: readonly Secret[]): string | undefined {
  const at = signed.lastIndexOf(SEPARATOR);
  if (at < 0) return undefined;
  const value = signed.slice(0, at);
  const given = Buffer.from(signed.slice(at + 1));
  for (const secret of secrets) {
    const expected = Buffer.from(signatureOf(value, secret));
    if (expected.length === given.length && timingSafeEqual(expected, given)) return value;
  }
  return undefined;
}
