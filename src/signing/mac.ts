/**
 * Key derivation and keyed HMAC as itsdangerous' `Signer.derive_key` and `HMACAlgorithm` do them,
 * with everything that depends only on the key done once.
 */
import { createHash, createHmac } from 'node:crypto';

/** Hash function of the HMAC (itsdangerous' `digest_method`). */
export type Digest = 'sha1' | 'sha256' | 'sha512';

/**
 * How the signing key is derived from a secret and the salt (itsdangerous' `key_derivation`):
 * `django-concat` = H(salt + "signer" + secret), `concat` = H(salt + secret),
 * `hmac` = HMAC(secret, salt), `none` = the secret itself.
 */
export type KeyDerivation = 'hmac' | 'django-concat' | 'concat' | 'none';

/** The supported digests and their output sizes in bytes. */
export const DIGEST_SIZES: Readonly<Record<Digest, number>> = { sha1: 20, sha256: 32, sha512: 64 };

/** The supported key derivations. */
export const KEY_DERIVATIONS: readonly KeyDerivation[] = ['hmac', 'django-concat', 'concat', 'none'];

/** An HMAC bound to one key. */
export interface KeyedHmac {
  /** The tag of `data` (a string is taken as its UTF-8 bytes). */
  digest(data: string | Uint8Array): Buffer;
}

const SIGNER = Buffer.from('signer');

/** Derives the signing key from one secret, exactly as itsdangerous 2.x does. */
export function deriveKey(
  derivation: KeyDerivation,
  digest: Digest,
  secret: Uint8Array,
  salt: Uint8Array,
): Buffer {
  switch (derivation) {
    case 'concat':
      return createHash(digest).update(salt).update(secret).digest();
    case 'django-concat':
      return createHash(digest).update(salt).update(SIGNER).update(secret).digest();
    case 'hmac':
      return createHmac(digest, secret).update(salt).digest();
    case 'none':
      return Buffer.from(secret);
  }
}

/** `node:crypto` HMAC with the key derived once. */
class NodeHmac implements KeyedHmac {
  readonly #digest: Digest;
  readonly #key: Buffer;
  constructor(digest: Digest, key: Uint8Array) {
    this.#digest = digest;
    this.#key = Buffer.from(key);
  }
  digest(data: string | Uint8Array): Buffer {
    return createHmac(this.#digest, this.#key).update(data).digest();
  }
}

/** Returns an HMAC for `digest`, bound to `key`. */
export function keyedHmac(digest: Digest, key: Uint8Array): KeyedHmac {
  return new NodeHmac(digest, key);
}
