/**
 * The text of an iron seal (`Fe26.2`) as iron-session 8 writes it: eight `*`-separated components
 * followed by iron-session's `~2` token version.
 *
 * ```
 * Fe26.2*<password id>*<encryption salt>*<iv>*<ciphertext>*<expiration>*<integrity salt>*<mac>~2
 * ```
 * The MAC covers the first six components (the "MAC base"). Salts are the hex text iron writes
 * and are used as text (their UTF-8 bytes) by the key derivation; iv, ciphertext and MAC are
 * unpadded base64url; the expiration is epoch milliseconds, empty when the seal never expires.
 */
import { Buffer } from 'node:buffer';

/** First component of every seal: iron's MAC format, version 2. */
export const MAC_PREFIX = 'Fe26.2';

/**
 * What iron-session 8 appends to every seal: `~` and its token major version `2`. A seal without
 * it comes from iron-session 7 or older, which wrapped the data as `{ persistent: … }`; such seals
 * are refused rather than guessed at. The suffix is not covered by the MAC, so anything but exactly
 * `~2` is refused too.
 */
export const PERSISTENCE_SUFFIX = '~2';

/** Separates the components of a seal. */
export const COMPONENT_SEPARATOR = '*';

/** Components of a seal without its suffix: prefix, id, 2 salts, iv, ciphertext, expiration, MAC. */
const COMPONENT_COUNT = 8;

/**
 * Password id iron looks up when a seal carries none. iron-session's password ids are whole
 * numbers, so a seal without an id never opens with its passwords either.
 */
export const DEFAULT_PASSWORD_ID = 'default';

/** Unpadded base64url, as iron writes iv, ciphertext and MAC. */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Iron's expiration component: decimal digits only. */
const DIGITS = /^\d+$/;

/** The components of a seal, as text, plus what was read from them. */
export interface SealParts {
  /** The first six components joined: the text the MAC covers. */
  readonly macBase: string;
  /** Password id; `default` when the seal carries none, as iron reads it. */
  readonly passwordId: string;
  /** Salt of the encryption key (text, non-empty). */
  readonly encryptionSalt: string;
  /** Initialization vector, base64url. */
  readonly iv: string;
  /** AES-256-CBC ciphertext, base64url. */
  readonly ciphertext: string;
  /** Expiration in epoch milliseconds; `undefined` when the seal never expires. */
  readonly expiresAt: number | undefined;
  /** Salt of the integrity key (text, non-empty). */
  readonly integritySalt: string;
  /** HMAC-SHA256 of `macBase`, base64url. */
  readonly mac: string;
}

/**
 * Splits a seal into its components, or returns `undefined` if it is not shaped like one: wrong
 * suffix, prefix or component count, a malformed expiration, an empty salt. Says nothing about
 * authenticity; the MAC is checked by the caller.
 */
export function parseSeal(sealed: string): SealParts | undefined {
  if (!sealed.endsWith(PERSISTENCE_SUFFIX)) return undefined;
  const body = sealed.slice(0, -PERSISTENCE_SUFFIX.length);
  if (body.includes('~')) return undefined;
  const parts = body.split(COMPONENT_SEPARATOR);
  if (parts.length !== COMPONENT_COUNT) return undefined;
  const [prefix, passwordId, encryptionSalt, iv, ciphertext, expiration, integritySalt, mac] = parts as [
    string, string, string, string, string, string, string, string,
  ];
  if (prefix !== MAC_PREFIX) return undefined;
  if (encryptionSalt === '' || integritySalt === '') return undefined;
  let expiresAt: number | undefined;
  if (expiration !== '') {
    if (!DIGITS.test(expiration)) return undefined;
    expiresAt = Number.parseInt(expiration, 10);
  }
  return {
    macBase: parts.slice(0, 6).join(COMPONENT_SEPARATOR),
    passwordId: passwordId === '' ? DEFAULT_PASSWORD_ID : passwordId,
    encryptionSalt,
    iv,
    ciphertext,
    expiresAt,
    integritySalt,
    mac,
  };
}

/** The MAC base of a new seal: the six components the MAC covers. */
export function composeMacBase(
  passwordId: string,
  encryptionSalt: string,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  expiresAt: number | undefined,
): string {
  const expiration = expiresAt === undefined ? '' : String(expiresAt);
  return [MAC_PREFIX, passwordId, encryptionSalt, encodeBase64Url(iv), encodeBase64Url(ciphertext), expiration].join(
    COMPONENT_SEPARATOR,
  );
}

/** The full seal: MAC base, integrity salt, MAC and iron-session's suffix. */
export function composeSeal(macBase: string, integritySalt: string, mac: string): string {
  return `${macBase}${COMPONENT_SEPARATOR}${integritySalt}${COMPONENT_SEPARATOR}${mac}${PERSISTENCE_SUFFIX}`;
}

/** Unpadded base64url of `bytes`, as iron writes it. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decodes unpadded base64url, or returns `undefined` for text that is not (other characters, or a
 * length no byte string encodes to).
 */
export function decodeBase64Url(text: string): Buffer | undefined {
  if (text.length % 4 === 1 || !BASE64URL.test(text)) return undefined;
  return Buffer.from(text, 'base64url');
}
