import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveKey, keyedHmac } from '../../../src/signing/mac.js';
import { DIGESTS } from './vectors.js';


describe('keyedHmac', () => {
  it.each(DIGESTS)('computes HMAC-%s', (digest) => {
    const key = Buffer.from('derived');
    expect(keyedHmac(digest, key).digest('v').equals(createHmac(digest, key).update('v').digest())).toBe(true);
  });
});

describe('deriveKey', () => {
  const secret = Buffer.from('secret');
  const salt = Buffer.from('salt');

  it.each(DIGESTS)('implements the four itsdangerous derivations with %s', (digest) => {
    expect(deriveKey('concat', digest, secret, salt)).toEqual(createHash(digest).update('saltsecret').digest());
    expect(deriveKey('django-concat', digest, secret, salt)).toEqual(
      createHash(digest).update('saltsignersecret').digest(),
    );
    expect(deriveKey('hmac', digest, secret, salt)).toEqual(createHmac(digest, secret).update(salt).digest());
    expect(deriveKey('none', digest, secret, salt)).toEqual(secret);
  });
});
