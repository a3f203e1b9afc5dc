import { readFileSync } from 'node:fs';
import type { Digest, KeyDerivation } from '../../../src/signing/index.js';

/** Output of Python's itsdangerous and zlib, made by test/interop/py/itsdangerous_vectors.py. */
export interface ItsdangerousVectors {
  made_with: { itsdangerous: string; zlib: string };
  timestamp: number;
  signer: {
    secret: string;
    salt: string;
    keyDerivation: KeyDerivation;
    digest: Digest;
    value: string;
    signed: string;
    timestamped: string;
  }[];
  serializer: { text: string; zlib_minus_text: number | null; secret: string; untimed: string; timed: string }[];
  json: { value: unknown; untimed: string; timed: string };
  zlib: { input: string; compressed: string }[];
}

/** The itsdangerous/zlib reference vectors. */
export const vectors: ItsdangerousVectors = JSON.parse(
  readFileSync(new URL('./itsdangerous-vectors.json', import.meta.url), 'utf8'),
);

/** Flask's own cookies (test/fixtures/flask-cookies.json). */
export interface FlaskCookieFixtures {
  vectors: { secret: string; timestamp: number; tagged_json: string; cookie: string; compressed: boolean }[];
  fallback: { old_secret: string; new_secret: string; cookie: string; tagged_json: string };
}

/** The Flask cookie fixtures. */
export const flaskCookies: FlaskCookieFixtures = JSON.parse(
  readFileSync(new URL('../../fixtures/flask-cookies.json', import.meta.url), 'utf8'),
);

/** Every digest and key derivation itsdangerous supports. */
export const DIGESTS: readonly Digest[] = ['sha1', 'sha256', 'sha512'];
export const DERIVATIONS: readonly KeyDerivation[] = ['hmac', 'django-concat', 'concat', 'none'];
/** Length of the base64url signature for each digest. */
export const SIGNATURE_LENGTH: Readonly<Record<Digest, number>> = { sha1: 27, sha256: 43, sha512: 86 };

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Returns `error` thrown by `fn`, failing when nothing is thrown. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error to be thrown');
}
