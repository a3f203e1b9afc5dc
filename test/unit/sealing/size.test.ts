import { describe, expect, it } from 'vitest';
import { IronSealer, sealedSize } from '../../../src/sealing/index.js';
import { base64UrlLength, paddedLength } from '../../../src/sealing/size.js';

const PASSWORD = 'size-password-size-password-size-pw';

describe('sealedSize', () => {
  it('is the exact length of seals of 0 to 600 bytes of JSON, ASCII and multi-byte', () => {
    const sealer = new IronSealer({ password: PASSWORD });
    for (let n = 0; n <= 600; n++) {
      for (const data of ['a'.repeat(n), 'é'.repeat(n), { k: '🔑'.repeat(n) }]) {
        const json = Buffer.byteLength(JSON.stringify(data));
        expect(sealer.seal(data).length).toBe(sealedSize(json));
        expect(sealer.sealedSize(json)).toBe(sealedSize(json));
      }
    }
  });

  it('follows the password id length and ttl 0 (no expiration digits)', () => {
    const json = Buffer.byteLength(JSON.stringify({ a: 1 }));
    expect(new IronSealer({ password: { 123: PASSWORD } }).seal({ a: 1 }).length).toBe(sealedSize(json, { passwordId: '123' }));
    const never = new IronSealer({ password: PASSWORD, ttl: 0 });
    expect(never.seal({ a: 1 }).length).toBe(sealedSize(json, { expires: false }));
    expect(never.sealedSize(json)).toBe(sealedSize(json) - 13);
  });

  it('is a fixed overhead plus base64url of the padded ciphertext', () => {
    expect(paddedLength(0)).toBe(16);
    expect(paddedLength(15)).toBe(16);
    expect(paddedLength(16)).toBe(32);
    for (let bytes = 0; bytes < 100; bytes++) expect(base64UrlLength(bytes)).toBe(Buffer.alloc(bytes).toString('base64url').length);
    const overhead = sealedSize(0) - base64UrlLength(16);
    for (const n of [1, 100, 1000, 3000]) expect(sealedSize(n) - base64UrlLength(paddedLength(n))).toBe(overhead);
  });

  it('refuses a size that is not a whole number of bytes', () => {
    expect(() => sealedSize(-1)).toThrow(/option jsonBytes is invalid: expected a whole number of bytes >= 0/);
    expect(() => sealedSize(1.5)).toThrow(/jsonBytes/);
  });
});
