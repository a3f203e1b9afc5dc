import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveKey, keyedHmac } from '../../../src/signing/mac.js';
import { Sha1Hmac } from '../../../src/signing/sha1-hmac.js';
import { DIGESTS, pseudoRandomBytes } from './vectors.js';

const reference = (key: Uint8Array, data: string | Uint8Array): Buffer =>
  createHmac('sha1', key).update(data).digest();

describe('Sha1Hmac', () => {
  it('matches node:crypto for every message length across block boundaries', () => {
    const key = pseudoRandomBytes(20, 1);
    const mac = new Sha1Hmac(key);
    for (let n = 0; n <= 300; n++) {
      const bytes = pseudoRandomBytes(n, n + 7);
      expect(mac.digest(bytes).toString('hex'), `length ${n}`).toBe(reference(key, bytes).toString('hex'));
      const text = 'x'.repeat(n);
      expect(mac.digest(text).equals(reference(key, text)), `text length ${n}`).toBe(true);
    }
  });

  it.each([0, 1, 63, 64, 65, 200])('matches node:crypto with a %d-byte key', (length) => {
    const key = pseudoRandomBytes(length, 99);
    const mac = new Sha1Hmac(key);
    expect(mac.digest('message').equals(reference(key, 'message'))).toBe(true);
  });

  it('hashes strings as UTF-8, including astral characters', () => {
    const key = Buffer.from('k');
    const text = 'Zoë 会话 😀'.repeat(9);
    expect(new Sha1Hmac(key).digest(text).equals(reference(key, Buffer.from(text, 'utf8')))).toBe(true);
  });

  it('handles messages above the inline limit', () => {
    const key = Buffer.from('k');
    const big = pseudoRandomBytes(70_000, 3);
    expect(new Sha1Hmac(key).digest(big).equals(reference(key, big))).toBe(true);
    const bigText = 'é'.repeat(6000);
    expect(new Sha1Hmac(key).digest(bigText).equals(reference(key, bigText))).toBe(true);
  });

  it('gives the same tag again after other keys were used (no state leaks between calls)', () => {
    const a = new Sha1Hmac(Buffer.from('a'));
    const b = new Sha1Hmac(Buffer.from('b'));
    const first = a.digest('same');
    b.digest('x'.repeat(500));
    expect(a.digest('same').equals(first)).toBe(true);
  });

  it('returns a fresh buffer each call', () => {
    const mac = new Sha1Hmac(Buffer.from('k'));
    const first = mac.digest('one');
    const copy = Buffer.from(first);
    mac.digest('two');
    expect(first.equals(copy)).toBe(true);
  });
});

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
