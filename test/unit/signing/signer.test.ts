import { describe, expect, it } from 'vitest';
import { BadSignature, Signer, TimestampSigner } from '../../../src/signing/index.js';
import { describeSignerContract } from './signer-suite.js';
import { thrown, vectors } from './vectors.js';

describeSignerContract('Signer', (options) => new Signer(options));

describe('Signer', () => {
  it.each(vectors.signer.map((v) => [`${v.keyDerivation}/${v.digest} ${v.value}`, v] as const))(
    'signs exactly as itsdangerous: %s',
    (_label, v) => {
      const signer = new Signer({ secret: v.secret, salt: v.salt, keyDerivation: v.keyDerivation, digest: v.digest });
      expect(signer.sign(v.value)).toBe(v.signed);
      expect(signer.unsign(v.signed)).toBe(v.value);
    },
  );

  it('reports a mismatch with the signature in the message and the value as payload', () => {
    const signer = new Signer({ secret: 'k' });
    const error = thrown(() => signer.unsign('value.c2lnbmF0dXJl'));
    expect(error).toBeInstanceOf(BadSignature);
    expect((error as BadSignature).message).toBe("Signature 'c2lnbmF0dXJl' does not match");
    expect((error as BadSignature).payload).toBe('value');
  });

  it('splits at the last separator, so values may contain it', () => {
    const signer = new Signer({ secret: 'k' });
    expect(signer.unsign(signer.sign('a.b.c'))).toBe('a.b.c');
  });

  it('verifySignature checks a value/signature pair under every secret', () => {
    const old = new Signer({ secret: 'old' });
    const both = new Signer({ secret: ['old', 'new'] });
    expect(both.verifySignature('v', old.getSignature('v'))).toBe(true);
    expect(both.verifySignature('w', old.getSignature('v'))).toBe(false);
    expect(both.verifySignature('v', 'not base64!')).toBe(false);
    expect(both.verifySignature('v', 'AAAA')).toBe(false);
  });

  it('does not accept a time-stamped value as a plain one with the wrong key material', () => {
    const timed = new TimestampSigner({ secret: 'k', salt: 'other' });
    expect(new Signer({ secret: 'k' }).validate(timed.sign('v'))).toBe(false);
  });

  it('exposes its configuration', () => {
    const signer = new Signer({ secret: 'k', sep: '|', keyDerivation: 'hmac', digest: 'sha256' });
    expect([signer.sep, signer.keyDerivation, signer.digest]).toEqual(['|', 'hmac', 'sha256']);
  });
});
