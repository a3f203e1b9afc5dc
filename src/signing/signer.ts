/**
 * itsdangerous' `Signer`: appends `sep + base64url(HMAC(derivedKey, value))` to a value and checks
 * it again, with key rotation (a list of secrets, newest last).
 */
import { timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { checkSecrets, type Secret } from '../secrets.js';
import { base64UrlDecode, utf8Decode, utf8Encode } from './encoding.js';
import { BadData, BadSignature } from './errors.js';
import {
  DIGEST_SIZES,
  KEY_DERIVATIONS,
  deriveKey,
  keyedHmac,
  type Digest,
  type KeyDerivation,
  type KeyedHmac,
} from './mac.js';

export type { Digest, KeyDerivation } from './mac.js';
export type { Secret } from '../secrets.js';

/** Options of `Signer`; the defaults are itsdangerous'. */
export interface SignerOptions {
  /**
   * The secret key, or a list of keys ordered oldest → newest: the newest (last) signs, all of
   * them verify, newest first. Flask's `SECRET_KEY_FALLBACKS` is `[...fallbacks, secretKey]`.
   */
  secret: Secret | readonly Secret[];
  /** Distinguishes signatures made for different purposes. Default `'itsdangerous.Signer'`. */
  salt?: Secret;
  /** Separator between value and signature; no base64url character or `=`. Default `'.'`. */
  sep?: string;
  /** Default `'django-concat'`. */
  keyDerivation?: KeyDerivation;
  /** Default `'sha1'`. */
  digest?: Digest;
}

/** itsdangerous' default salt of a bare `Signer`. */
export const DEFAULT_SIGNER_SALT = 'itsdangerous.Signer';

const BASE64_ALPHABET = /[A-Za-z0-9_=-]/;

/** The secrets as byte strings, oldest first; throws `ConfigError` for none or an empty one. */
export function secretList(secret: Secret | readonly Secret[]): Uint8Array[] {
  return checkSecrets('secret', secret).map((item) => (typeof item === 'string' ? utf8Encode(item) : Uint8Array.from(item)));
}

/** The text of a value to sign; bytes must be UTF-8 since the signed result is a string. */
export function valueText(value: string | Uint8Array): string {
  if (typeof value === 'string') return value;
  try {
    return utf8Decode(value);
  } catch (error) {
    if (error instanceof BadData) {
      throw new TypeError('Only UTF-8 bytes can be signed into a string; sign text instead');
    }
    throw error;
  }
}

/** Signs values and verifies them, byte-compatible with itsdangerous 2.x `Signer`. */
export class Signer {
  /** Separator between value and signature. */
  readonly sep: string;
  /** Key derivation in use. */
  readonly keyDerivation: KeyDerivation;
  /** Digest in use. */
  readonly digest: Digest;
  /** One HMAC per secret, newest first (index 0 signs). */
  readonly #macs: readonly KeyedHmac[];
  readonly #signingMac: KeyedHmac;
  readonly #size: number;

  constructor(options: SignerOptions) {
    const { secret, salt = DEFAULT_SIGNER_SALT, sep = '.' } = options;
    const { keyDerivation = 'django-concat', digest = 'sha1' } = options;
    if (typeof sep !== 'string' || sep.length === 0 || BASE64_ALPHABET.test(sep)) {
      throw new ConfigError(
        'sep',
        `${JSON.stringify(sep)} cannot be used because it may be contained in the signature; ` +
          "ASCII letters, digits and '-_=' are not allowed",
      );
    }
    if (!Object.hasOwn(DIGEST_SIZES, digest)) {
      throw new ConfigError('digest', `expected one of ${Object.keys(DIGEST_SIZES).join(', ')}`);
    }
    if (!KEY_DERIVATIONS.includes(keyDerivation)) {
      throw new ConfigError('keyDerivation', `expected one of ${KEY_DERIVATIONS.join(', ')}`);
    }
    if (typeof salt !== 'string' && !(salt instanceof Uint8Array)) {
      throw new ConfigError('salt', 'must be a string or a Uint8Array');
    }
    const saltBytes = typeof salt === 'string' ? utf8Encode(salt) : salt;
    this.sep = sep;
    this.keyDerivation = keyDerivation;
    this.digest = digest;
    this.#size = DIGEST_SIZES[digest];
    this.#macs = secretList(secret)
      .reverse()
      .map((key) => keyedHmac(digest, deriveKey(keyDerivation, digest, key, saltBytes)));
    this.#signingMac = this.#macs[0]!;
  }

  /** The base64url signature of `value` made with the newest secret. */
  getSignature(value: string | Uint8Array): string {
    return this.#signingMac.digest(value).toString('base64url');
  }

  /** `value + sep + signature`. Bytes must be UTF-8 (a `TypeError` otherwise). */
  sign(value: string | Uint8Array): string {
    const text = valueText(value);
    return text + this.sep + this.getSignature(text);
  }

  /**
   * Whether `signature` is valid for `value` under any of the secrets (newest tried first).
   * Compares in constant time; a signature that is not base64url is simply invalid.
   */
  verifySignature(value: string | Uint8Array, signature: string): boolean {
    let given: Buffer;
    try {
      given = base64UrlDecode(signature);
    } catch {
      return false;
    }
    if (given.length !== this.#size) return false;
    for (const mac of this.#macs) {
      if (timingSafeEqual(mac.digest(value), given)) return true;
    }
    return false;
  }

  /**
   * Returns the value of a signed string. Throws `BadSignature` when no separator is found or
   * the signature does not match (then `payload` holds the untrusted value).
   */
  unsign(signed: string): string {
    const at = signed.lastIndexOf(this.sep);
    if (at < 0) throw new BadSignature(`No '${this.sep}' found in value`);
    const value = signed.slice(0, at);
    const signature = signed.slice(at + this.sep.length);
    if (this.verifySignature(value, signature)) return value;
    throw new BadSignature(`Signature '${signature}' does not match`, value);
  }

  /** Like `unsign`, returning the value's UTF-8 bytes. */
  unsignBytes(signed: string): Uint8Array {
    return utf8Encode(this.unsign(signed));
  }

  /** Whether `signed` carries a valid signature (never throws `BadSignature`). */
  validate(signed: string): boolean {
    try {
      this.unsign(signed);
      return true;
    } catch (error) {
      if (error instanceof BadSignature) return false;
      throw error;
    }
  }
}
