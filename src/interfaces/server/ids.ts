/**
 * Session ids: made from the OS CSPRNG, optionally signed in the cookie like Flask-Session, read
 * back only when well-formed, and claimed in the store without ever overwriting another session.
 */
import { randomBytes } from 'node:crypto';
import { SessionKitError } from '../../errors.js';
import type { Signer } from '../../signing/index.js';
import type { Store } from '../../stores/store.js';

/**
 * Bytes of randomness in a new session id by default: 256 bits, as Flask-Session's
 * `token_urlsafe(SESSION_ID_LENGTH=32)`.
 */
export const SESSION_ID_BYTES = 32;
/** Fewest bytes `idLength` accepts: 128 bits, the least an id must carry to resist guessing. */
export const MIN_SESSION_ID_BYTES = 16;
/**
 * Most bytes `idLength` accepts: 96 bytes make a 128-character id, which with a key prefix still
 * fits memcached's 250-byte keys.
 */
export const MAX_SESSION_ID_BYTES = 96;

/**
 * How many fresh ids a create tries before giving up. With 256-bit ids a collision is never
 * expected, so failing every try means the store refuses every key.
 */
export const CREATE_ATTEMPTS = 4;

/** Characters of a base64url id (`secrets.token_urlsafe`, `randomBytes().toString('base64url')`). */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Characters of the base64url text of `bytes` random bytes, without padding. */
export function sessionIdChars(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

/**
 * Shortest id read from a cookie: that of {@link MIN_SESSION_ID_BYTES} (22 characters). Ids are
 * read whatever length the app that made them was configured with, so a Flask-Session app with
 * another `SESSION_ID_LENGTH` shares its sessions.
 */
export const MIN_SESSION_ID_CHARS = sessionIdChars(MIN_SESSION_ID_BYTES);
/** Longest id read from a cookie: that of {@link MAX_SESSION_ID_BYTES} (128 characters). */
export const MAX_SESSION_ID_CHARS = sessionIdChars(MAX_SESSION_ID_BYTES);

/** A new session id: `bytes` from the OS CSPRNG, base64url without padding (32 bytes: 43 characters). */
export function generateSessionId(bytes: number = SESSION_ID_BYTES): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Whether `id` can be a session id: base64url characters only (so it is safe in any store key),
 * and as long as an id of {@link MIN_SESSION_ID_BYTES} to {@link MAX_SESSION_ID_BYTES} random
 * bytes. Anything else is never looked up.
 */
export function isWellFormedSessionId(id: string): boolean {
  return id.length >= MIN_SESSION_ID_CHARS && id.length <= MAX_SESSION_ID_CHARS && BASE64URL.test(id);
}

/**
 * The ids in the session cookie values a request sent, in order: those well-formed (and correctly
 * signed, with a signer), each once.
 */
export function idsFromCookies(values: readonly string[], format: IdCookieFormat): string[] {
  const ids: string[] = [];
  for (const value of values) {
    const id = format.read(value);
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  return ids;
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
 * Stores `value` under a fresh id of `idBytes` random bytes (`keyPrefix + id`); `create` refuses
 * taken keys, so a session is never overwritten. Returns the id and the record's version. Once
 * `signal` aborts (the save's deadline), no further try starts.
 */
export async function createUnderFreshId(
  store: Store,
  keyPrefix: string,
  value: Uint8Array,
  ttlMs: number,
  idBytes: number = SESSION_ID_BYTES,
  signal?: AbortSignal,
): Promise<{ id: string; version: string }> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const id = generateSessionId(idBytes);
    const version = await store.create(keyPrefix + id, value, ttlMs);
    if (version !== null) return { id, version };
    if (attempt >= CREATE_ATTEMPTS) {
      throw new SessionKitError(
        `Could not find a free session id after ${CREATE_ATTEMPTS} tries; is the store returning null from create() for every key?`,
      );
    }
  }
}
