/**
 * How long a seal is for a given JSON size: a fixed overhead plus the base64url of the padded
 * ciphertext, so about 4/3 of the JSON plus ~240 characters.
 */
import { validate } from '../config.js';
import { MAC_PREFIX, PERSISTENCE_SUFFIX } from './format.js';
import { IV_BYTES, SALT_BYTES } from './primitives.js';
import { SINGLE_PASSWORD_ID } from './passwords.js';

/** Bytes of an HMAC-SHA256 tag. */
const MAC_BYTES = 32;

/**
 * Digits of an expiration in epoch milliseconds: 13 for every date from 2001-09-09 to 2286-11-20.
 */
export const EXPIRATION_DIGITS = 13;

/** Options of `sealedSize`. */
export interface SealedSizeOptions {
  /** Id of the sealing password. Default `"1"` (a single password). */
  passwordId?: string;
  /** Whether the seal carries an expiration (`ttl` other than 0). Default `true`. */
  expires?: boolean;
}

/** Length of unpadded base64url for `bytes` bytes. */
export function base64UrlLength(bytes: number): number {
  return Math.floor(bytes / 3) * 4 + [0, 2, 3][bytes % 3]!;
}

/** Bytes of AES-CBC ciphertext for `plaintextBytes`: PKCS#7 always adds 1 to 16 bytes. */
export function paddedLength(plaintextBytes: number): number {
  return (Math.floor(plaintextBytes / IV_BYTES) + 1) * IV_BYTES;
}

/**
 * Characters (all ASCII, so also bytes) of the seal of data whose JSON text is `jsonBytes` bytes
 * of UTF-8, `~2` included: exactly what `IronSealer.seal` and iron-session's `sealData` produce.
 */
export function sealedSize(jsonBytes: number, { passwordId = SINGLE_PASSWORD_ID, expires = true }: SealedSizeOptions = {}): number {
  validate.bytes('jsonBytes', jsonBytes, { min: 0 });
  const separators = 7;
  const saltText = SALT_BYTES * 2;
  return (
    MAC_PREFIX.length +
    passwordId.length +
    saltText +
    base64UrlLength(IV_BYTES) +
    base64UrlLength(paddedLength(jsonBytes)) +
    (expires ? EXPIRATION_DIGITS : 0) +
    saltText +
    base64UrlLength(MAC_BYTES) +
    PERSISTENCE_SUFFIX.length +
    separators
  );
}
