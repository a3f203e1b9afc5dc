/**
 * The cryptography of iron's default options, on synchronous `node:crypto`: PBKDF2-SHA1 with one
 * iteration derives a 256-bit key per (password, salt); AES-256-CBC encrypts; HMAC-SHA256 signs.
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { Buffer } from 'node:buffer';

/** iron's `encryption.algorithm` default. */
const CIPHER = 'aes-256-cbc';
/** iron's `integrity.algorithm` default. */
const MAC_DIGEST = 'sha256';
/** iron derives keys with PBKDF2 over SHA-1 (fixed in iron-webcrypto, not an option). */
const KDF_DIGEST = 'sha1';
/** iron's `iterations` default, for both keys. */
const KDF_ITERATIONS = 1;

/** Size of both keys: 256 bits, what AES-256 and iron's `sha256` integrity key take. */
export const KEY_BYTES = 32;
/** AES block size, so also the IV size (iron's `ivBits: 128`). */
export const IV_BYTES = 16;
/** iron's `saltBits: 256`, in random bytes per salt (written as 64 hex characters). */
export const SALT_BYTES = 32;

/** iron's two keys for one password and one pair of salts. */
export interface DerivedKeys {
  /** AES-256-CBC key. */
  readonly encryption: Buffer;
  /** HMAC-SHA256 key. */
  readonly integrity: Buffer;
}

/**
 * Derives one iron key: PBKDF2-SHA1, one iteration, 32 bytes, over the UTF-8 bytes of the
 * password and of the salt *text* (iron passes the hex salt as a string, not its decoded bytes).
 */
export function deriveKey(password: string, salt: string): Buffer {
  return pbkdf2Sync(password, salt, KDF_ITERATIONS, KEY_BYTES, KDF_DIGEST);
}

/** Encrypts the UTF-8 bytes of `plaintext` with PKCS#7 padding. */
export function encrypt(key: Buffer, iv: Uint8Array, plaintext: string): Buffer {
  const cipher = createCipheriv(CIPHER, key, iv);
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
}

/** Decrypts and unpads, or returns `undefined` when the IV or the padding is wrong. */
export function decrypt(key: Buffer, iv: Uint8Array, ciphertext: Uint8Array): Buffer | undefined {
  if (iv.byteLength !== IV_BYTES || ciphertext.byteLength === 0 || ciphertext.byteLength % IV_BYTES !== 0) return undefined;
  try {
    const decipher = createDecipheriv(CIPHER, key, iv);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** HMAC-SHA256 of the UTF-8 bytes of `text`, as unpadded base64url (iron's MAC component). */
export function mac(key: Buffer, text: string): string {
  return createHmac(MAC_DIGEST, key).update(text, 'utf8').digest('base64url');
}

/**
 * Whether `given` is exactly the MAC of `text`, compared in constant time. The base64url *text*
 * is compared, as iron does, so a MAC whose unused low bits were changed is refused as well.
 */
export function macMatches(key: Buffer, text: string, given: string): boolean {
  const expected = Buffer.from(mac(key, text), 'utf8');
  const actual = Buffer.from(given, 'utf8');
  return actual.byteLength === expected.byteLength && timingSafeEqual(actual, expected);
}
