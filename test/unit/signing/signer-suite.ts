import { describe, expect, it } from 'vitest';
import { ConfigError, SessionKitError } from '../../../src/errors.js';
import { BadData, BadSignature, type Signer, type SignerOptions } from '../../../src/signing/index.js';
import { DERIVATIONS, DIGESTS, SIGNATURE_LENGTH, thrown } from './vectors.js';

/** Builds the signer under test from `SignerOptions`. */
export type SignerFactory = (options: SignerOptions) => Signer;

/** Splits a signed value at its last separator: [everything signed, signature]. */
function split(signed: string, sep = '.'): [string, string] {
  const at = signed.lastIndexOf(sep);
  return [signed.slice(0, at), signed.slice(at + sep.length)];
}

/** Replaces the character at `index` with a different character of the same alphabet. */
function flip(text: string, index: number): string {
  const c = text[index];
  return text.slice(0, index) + (c === 'A' ? 'B' : 'A') + text.slice(index + 1);
}

/**
 * Registers the behaviour every itsdangerous-style signer shares (like itsdangerous' own
 * `TestTimestampSigner(TestSigner)`); called for `Signer` and `TimestampSigner`.
 */
export function describeSignerContract(name: string, make: SignerFactory): void {
  describe(`${name}: signer contract`, () => {
    const signer = make({ secret: 'secret-key' });

    it('round-trips text, including empty and non-ASCII values', () => {
      for (const value of ['hello', '', 'a.b.c', 'Zoë 会话 😀', ' spaces\nand\ttabs ']) {
        expect(signer.unsign(signer.sign(value))).toBe(value);
      }
    });

    it('appends the separator and a base64url signature of the digest size', () => {
      const signed = signer.sign('value');
      expect(signed.startsWith('value.')).toBe(true);
      expect(split(signed)[1]).toMatch(/^[A-Za-z0-9_-]{27}$/);
    });

    it('getSignature is the signature of everything before the last separator', () => {
      const [signedPart, signature] = split(signer.sign('value'));
      expect(signer.getSignature(signedPart)).toBe(signature);
      expect(signer.getSignature(Buffer.from(signedPart))).toBe(signature);
    });

    it('is deterministic for the same input', () => {
      expect(signer.sign('x')).toBe(signer.sign('x'));
    });

    it('signs UTF-8 bytes like the equivalent text', () => {
      expect(signer.sign(Buffer.from('Zoë'))).toBe(signer.sign('Zoë'));
    });

    it('refuses to sign bytes that are not UTF-8 into a string', () => {
      expect(() => signer.sign(Uint8Array.of(0xff))).toThrow(TypeError);
    });

    it('unsignBytes returns the UTF-8 bytes of the value', () => {
      expect(Buffer.from(signer.unsignBytes(signer.sign('Zoë'))).toString('utf8')).toBe('Zoë');
    });

    it('validate tells valid from invalid without throwing', () => {
      const signed = signer.sign('v');
      expect(signer.validate(signed)).toBe(true);
      expect(signer.validate(`${signed}x`)).toBe(false);
      expect(signer.validate('no separator')).toBe(false);
    });

    it('reports a missing separator as BadSignature without payload', () => {
      const error = thrown(() => signer.unsign('nosep'));
      expect(error).toBeInstanceOf(BadSignature);
      expect((error as BadSignature).message).toBe("No '.' found in value");
      expect((error as BadSignature).payload).toBeUndefined();
    });

    it('errors are BadData and SessionKitError', () => {
      const error = thrown(() => signer.unsign('nosep'));
      expect(error).toBeInstanceOf(BadData);
      expect(error).toBeInstanceOf(SessionKitError);
      expect((error as Error).name).toBe('BadSignature');
    });

    describe('tampering', () => {
      const signed = signer.sign('my value');
      const [signedPart, signature] = split(signed);

      it('rejects a changed value, keeping the untrusted value as payload', () => {
        const error = thrown(() => signer.unsign(`my valuE${signed.slice('my value'.length)}`));
        expect(error).toBeInstanceOf(BadSignature);
        expect((error as BadSignature).payload).toBe('my valuE');
      });

      it('rejects every single-character change of the signature', () => {
        for (let i = 0; i < signature.length - 1; i++) {
          expect(signer.validate(`${signedPart}.${flip(signature, i)}`), `position ${i}`).toBe(false);
        }
      });

      it('rejects a truncated, extended or missing signature', () => {
        expect(() => signer.unsign(signed.slice(0, -1))).toThrow(BadSignature);
        expect(() => signer.unsign(`${signed}A`)).toThrow(BadSignature);
        expect(() => signer.unsign(`${signedPart}.`)).toThrow(BadSignature);
      });

      it('rejects a signature written with the standard base64 alphabet or junk characters', () => {
        const swapped = signature.replace(/-/g, '+').replace(/_/g, '/');
        const withJunk = `${signature.slice(0, 5)}!${signature.slice(5)}`;
        for (const bad of [withJunk, ...(swapped === signature ? [] : [swapped])]) {
          expect(() => signer.unsign(`${signedPart}.${bad}`)).toThrow(BadSignature);
        }
      });

      it('accepts a padded signature, as itsdangerous does', () => {
        expect(signer.validate(`${signed}=`)).toBe(true);
      });

      it('rejects a value signed with another secret or salt', () => {
        expect(make({ secret: 'other' }).validate(signed)).toBe(false);
        expect(make({ secret: 'secret-key', salt: 'other' }).validate(signed)).toBe(false);
      });
    });

    describe('options', () => {
      it.each(DERIVATIONS.flatMap((d) => DIGESTS.map((g) => [d, g] as const)))(
        'keyDerivation %s with digest %s round-trips with a signature of the right size',
        (keyDerivation, digest) => {
          const s = make({ secret: 'secret-key', keyDerivation, digest });
          const signed = s.sign('value');
          expect(s.unsign(signed)).toBe('value');
          expect(split(signed)[1]).toHaveLength(SIGNATURE_LENGTH[digest]);
        },
      );

      it('gives every derivation and digest its own signature', () => {
        const all = DERIVATIONS.flatMap((keyDerivation) =>
          DIGESTS.map((digest) => make({ secret: 'secret-key', keyDerivation, digest }).sign('value')),
        );
        expect(new Set(all).size).toBe(all.length);
      });

      it('defaults to salt itsdangerous.Signer, django-concat and sha1', () => {
        expect(
          make({ secret: 'secret-key', salt: 'itsdangerous.Signer', keyDerivation: 'django-concat', digest: 'sha1' }).sign(
            'v',
          ),
        ).toBe(signer.sign('v'));
      });

      it('takes secrets and salts as bytes, equal to their UTF-8 text', () => {
        const fromText = make({ secret: 'ключ', salt: 'соль' }).sign('v');
        const fromBytes = make({ secret: Buffer.from('ключ'), salt: new TextEncoder().encode('соль') }).sign('v');
        expect(fromBytes).toBe(fromText);
      });

      it('accepts binary secrets that are not UTF-8', () => {
        const s = make({ secret: Uint8Array.of(0xff, 0x00, 0xfe) });
        expect(s.unsign(s.sign('v'))).toBe('v');
        expect(s.sign('v')).not.toBe(make({ secret: Uint8Array.of(0xff, 0x00, 0xfd) }).sign('v'));
      });

      it('copies secret bytes at construction (later changes to the array do not matter)', () => {
        const secret = Uint8Array.of(1, 2, 3);
        const s = make({ secret });
        const before = s.sign('v');
        secret[0] = 9;
        expect(s.sign('v')).toBe(before);
      });

      it.each(['|', '::', '~', '.!', 'é'])('uses the separator %j', (sep) => {
        const s = make({ secret: 'k', sep });
        const signed = s.sign('a.b');
        expect(signed.startsWith(`a.b${sep}`)).toBe(true);
        expect(s.unsign(signed)).toBe('a.b');
        expect(() => s.unsign('a.b.c')).toThrow(`No '${sep}' found in value`);
      });

      it.each(['', 'a', 'Z', '0', '-', '_', '=', 'x!', '!9'])('rejects the separator %j', (sep) => {
        const error = thrown(() => make({ secret: 'k', sep }));
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).option).toBe('sep');
      });

      it.each([
        ['an empty secret', { secret: '' }],
        ['empty secret bytes', { secret: new Uint8Array(0) }],
        ['an empty list', { secret: [] }],
        ['an empty entry in the list', { secret: ['old', ''] }],
        ['a secret of the wrong type', { secret: 42 as unknown as string }],
      ])('rejects %s with a clear ConfigError', (_label, options) => {
        const error = thrown(() => make(options));
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).option).toBe('secret');
        expect((error as Error).message).toMatch(/secret/);
      });

      it('rejects unknown digests and derivations', () => {
        expect(() => make({ secret: 'k', digest: 'md5' as never })).toThrow(ConfigError);
        expect(() => make({ secret: 'k', keyDerivation: 'pbkdf2' as never })).toThrow(ConfigError);
        expect(() => make({ secret: 'k', salt: 5 as never })).toThrow(ConfigError);
      });
    });

    describe('secret rotation (oldest → newest)', () => {
      const oldOnly = make({ secret: 'old' });
      const newOnly = make({ secret: 'new' });
      const rotated = make({ secret: ['older', 'old', 'new'] });

      it('signs with the newest secret', () => {
        expect(rotated.sign('v')).toBe(newOnly.sign('v'));
      });

      it('verifies values signed with any listed secret', () => {
        expect(rotated.unsign(oldOnly.sign('v'))).toBe('v');
        expect(rotated.unsign(make({ secret: 'older' }).sign('v'))).toBe('v');
        expect(rotated.unsign(newOnly.sign('v'))).toBe('v');
      });

      it('rejects values signed with a secret that was dropped', () => {
        expect(newOnly.validate(oldOnly.sign('v'))).toBe(false);
        expect(make({ secret: ['old', 'new'] }).validate(make({ secret: 'older' }).sign('v'))).toBe(false);
      });

      it('accepts a one-element list like a single secret', () => {
        expect(make({ secret: ['new'] }).sign('v')).toBe(newOnly.sign('v'));
      });
    });
  });
}
