import { randomBytes } from 'node:crypto';

/** Bytes of randomness in a session id: 256 bits, as Flask-Session's `token_urlsafe(32)`. */
export const SESSION_ID_BYTES = 32;

/** A new session id: 256 bits from the OS CSPRNG, base64url without padding (43 characters). */
export function generateSessionId(bytes: number = SESSION_ID_BYTES): string {
  return randomBytes(bytes).toString('base64url');
}

/** Whether `id` has the exact shape of an id made by `generateSessionId(bytes)`. */
export function isWellFormedSessionId(id: string, bytes: number = SESSION_ID_BYTES): boolean {
  return id.length === Math.ceil((bytes * 4) / 3) && /^[A-Za-z0-9_-]+$/.test(id);
}
