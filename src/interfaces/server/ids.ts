/**
 * Session ids: made from the OS CSPRNG, optionally signed in the cookie like Flask-Session, read
 * back only when well-formed, and claimed in the store without ever overwriting another session.
 */
import { randomBytes } from 'node:crypto';
import { SessionKitError } from '../../errors.js';
import type { Signer } from '../../signing/index.js';
import type { Store } from '../../stores/store.js';

/** Bytes of randomness in a session id: 256 bits, as Flask-Session's `token_urlsafe(32)`. */
export const SESSION_ID_BYTES = 32;

/**
 * How many fresh ids a create tries before giving up. With 256-bit ids a collision is never
 * expected, so failing every try means the store refuses every key.
 */
export const CREATE_ATTEMPTS = 4;

/** Characters of a base64url id. */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A new session id: 256 bits from the OS CSPRNG, base64url without padding (43 characters). */
export function generateSessionId(bytes: number = SESSION_ID_BYTES): string {
  return randomBytes(bytes).toString('base64url');
}

/** Whether `id` has the exact shape of an id made by `generateSessionId(bytes)`. */
export function isWellFormedSessionId(id: string, bytes: number = SESSION_ID_BYTES): boolean {
  return id.length === Math.ceil((bytes * 4) / 3) && BASE64URL.test(id);
}

/** The id in a cookie value when it is well-formed (and correctly signed, with a signer). */
export function idFromCookie(value: string | undefined, signer: Signer | undefined): string | undefined {
  if (!value) return undefined;
  let id = value;
  if (signer) {
    try {
      id = signer.unsign(value);
    } catch {
      return undefined;
    }
  }
  return isWellFormedSessionId(id) ? id : undefined;
}

/** The cookie value that carries `id`: the id itself, or signed. */
export function cookieValueOf(id: string, signer: Signer | undefined): string {
  return signer ? signer.sign(id) : id;
}

/**
 * How the session id travels in the cookie. sessionkit's own format is `sessionIdCookie`;
 * express-session's signed `s:` format is another.
 */
export interface IdCookieFormat {
  /** The id in a cookie value (as the `Cookie` header parser returns it), when well-formed and verified. */
  read(value: string | undefined): string | undefined;
  /** The cookie value carrying `id`, in characters a cookie value may hold. */
  write(id: string): string;
}

/** sessionkit's and Flask-Session's id cookie: the bare id, or signed with `useSigner`. */
export function sessionIdCookie(signer: Signer | undefined): IdCookieFormat {
  return { read: (value) => idFromCookie(value, signer), write: (id) => cookieValueOf(id, signer) };
}

/**
 * Stores `value` under a fresh id (`keyPrefix + id`); `create` refuses taken keys, so a session
 * is never overwritten. Returns the id and the record's version.
 */
export async function createUnderFreshId(store: Store, keyPrefix: string, value: Uint8Array, ttlMs: number): Promise<{ id: string; version: string }> {
  for (let attempt = 1; ; attempt++) {
    const id = generateSessionId(SESSION_ID_BYTES);
    const version = await store.create(keyPrefix + id, value, ttlMs);
    if (version !== null) return { id, version };
    if (attempt >= CREATE_ATTEMPTS) {
      throw new SessionKitError(
        `Could not find a free session id after ${CREATE_ATTEMPTS} tries; is the store returning null from create() for every key?`,
      );
    }
  }
}
