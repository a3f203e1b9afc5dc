import { describe, expect, it } from 'vitest';
import {
  BadData,
  BadSignature,
  BadTimeSignature,
  Signer,
  SignatureExpired,
  TimestampSigner,
} from '../../../src/signing/index.js';
import { base64UrlEncode, intToBytes } from '../../../src/signing/encoding.js';
import { describeSignerContract } from './signer-suite.js';
import { thrown, vectors } from './vectors.js';

const T0 = 1_700_000_000;

describeSignerContract('TimestampSigner', (options) => new TimestampSigner({ ...options, now: () => T0 }));

/** A signer whose clock is read from `clock.now`. */
function clockedSigner(start = T0) {
  const clock = { now: start };
  const signer = new TimestampSigner({ secret: 'secret-key', now: () => clock.now });
  return { clock, signer };
}

describe('TimestampSigner', () => {
  it.each(vectors.signer.map((v) => [`${v.keyDerivation}/${v.digest} ${v.value}`, v] as const))(
    'signs exactly as itsdangerous: %s',
    (_label, v) => {
      const options = { secret: v.secret, salt: v.salt, keyDerivation: v.keyDerivation, digest: v.digest };
      const withClock = new TimestampSigner({ ...options, now: () => vectors.timestamp });
      expect(withClock.sign(v.value)).toBe(v.timestamped);
      expect(new TimestampSigner(options).sign(v.value, { timestamp: vectors.timestamp })).toBe(v.timestamped);
      expect(withClock.unsignWithTimestamp(v.timestamped)).toEqual({ value: v.value, timestamp: vectors.timestamp });
    },
  );

  it('encodes the timestamp as base64url of its minimal big-endian bytes', () => {
    const { signer } = clockedSigner();
    expect(signer.sign('v', { timestamp: 1_700_000_000 }).split('.')[1]).toBe('ZVPxAA');
    expect(signer.sign('v', { timestamp: 0 }).split('.')[1]).toBe('');
    expect(signer.unsignWithTimestamp(signer.sign('v', { timestamp: 0 })).timestamp).toBe(0);
    expect(signer.sign('v', { timestamp: 255 }).split('.')[1]).toBe('_w');
  });

  it('uses the injected clock, dropping fractions of a second', () => {
    const { clock, signer } = clockedSigner();
    clock.now = T0 + 0.999;
    expect(signer.getTimestamp()).toBe(T0);
    expect(signer.unsignWithTimestamp(signer.sign('v')).timestamp).toBe(T0);
  });

  it('uses the system clock by default', () => {
    const signer = new TimestampSigner({ secret: 'k' });
    const before = Math.floor(Date.now() / 1000);
    const { timestamp } = signer.unsignWithTimestamp(signer.sign('v'));
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('picks up a new timestamp when the clock moves', () => {
    const { clock, signer } = clockedSigner();
    const first = signer.sign('v');
    clock.now = T0 + 1;
    const second = signer.sign('v');
    expect(second).not.toBe(first);
    expect(signer.unsignWithTimestamp(second).timestamp).toBe(T0 + 1);
  });

  it('rejects invalid timestamps to sign with', () => {
    const { signer } = clockedSigner();
    expect(() => signer.sign('v', { timestamp: -1 })).toThrow(RangeError);
    expect(() => signer.sign('v', { timestamp: 1.5 })).toThrow(RangeError);
  });

  describe('maxAge', () => {
    it('accepts an age up to and including maxAge', () => {
      const { clock, signer } = clockedSigner();
      const signed = signer.sign('v');
      clock.now = T0 + 10;
      expect(signer.unsign(signed, { maxAge: 10 })).toBe('v');
      expect(signer.validate(signed, { maxAge: 10 })).toBe(true);
    });

    it('expires an older signature with the age in the message and the data on the error', () => {
      const { clock, signer } = clockedSigner();
      const signed = signer.sign('v');
      clock.now = T0 + 11;
      const error = thrown(() => signer.unsign(signed, { maxAge: 10 }));
      expect(error).toBeInstanceOf(SignatureExpired);
      expect(error).toBeInstanceOf(BadTimeSignature);
      expect(error).toBeInstanceOf(BadSignature);
      expect(error).toBeInstanceOf(BadData);
      const expired = error as SignatureExpired;
      expect(expired.message).toBe('Signature age 11 > 10 seconds');
      expect(expired.payload).toBe('v');
      expect(expired.dateSigned).toEqual(new Date(T0 * 1000));
      expect(signer.validate(signed, { maxAge: 10 })).toBe(false);
    });

    it('expires a signature dated in the future', () => {
      const { signer } = clockedSigner(T0 - 5);
      const error = thrown(() => signer.unsign(signer.sign('v', { timestamp: T0 }), { maxAge: 100 }));
      expect(error).toBeInstanceOf(SignatureExpired);
      expect((error as SignatureExpired).message).toBe('Signature age -5 < 0 seconds');
      expect((error as SignatureExpired).dateSigned).toEqual(new Date(T0 * 1000));
    });

    it('ignores age entirely without maxAge (even a future timestamp)', () => {
      const { signer } = clockedSigner(T0);
      expect(signer.unsign(signer.sign('v', { timestamp: T0 + 1000 }))).toBe('v');
      expect(signer.unsign(signer.sign('v', { timestamp: 0 }))).toBe('v');
    });

    it('takes "now" per call instead of the clock', () => {
      const { signer } = clockedSigner(T0);
      const signed = signer.sign('v');
      expect(() => signer.unsign(signed, { maxAge: 10, now: T0 + 11 })).toThrow(SignatureExpired);
      expect(signer.unsign(signed, { maxAge: 10, now: T0 + 10.9 })).toBe('v');
    });

    it('maxAge 0 accepts only the same second', () => {
      const { signer } = clockedSigner(T0);
      const signed = signer.sign('v');
      expect(signer.unsign(signed, { maxAge: 0 })).toBe('v');
      expect(() => signer.unsign(signed, { maxAge: 0, now: T0 + 1 })).toThrow(SignatureExpired);
    });

    it('rejects NaN instead of silently never expiring', () => {
      const { signer } = clockedSigner();
      expect(() => signer.unsign(signer.sign('v'), { maxAge: Number.NaN })).toThrow(RangeError);
    });

    it('checks the signature before the age', () => {
      const { clock, signer } = clockedSigner();
      const signed = signer.sign('v');
      clock.now = T0 + 1000;
      const error = thrown(() => signer.unsign(`${signed}x`, { maxAge: 1 }));
      expect(error).toBeInstanceOf(BadTimeSignature);
      expect(error).not.toBeInstanceOf(SignatureExpired);
    });
  });

  describe('errors decided as itsdangerous decides them', () => {
    const plain = new Signer({ secret: 'secret-key' });
    const { signer } = clockedSigner();

    it('a valid signature over a value without timestamp: BadTimeSignature "timestamp missing"', () => {
      const error = thrown(() => signer.unsign(plain.sign('no-timestamp')));
      expect(error).toBeInstanceOf(BadTimeSignature);
      expect((error as BadTimeSignature).message).toBe('timestamp missing');
      expect((error as BadTimeSignature).payload).toBe('no-timestamp');
    });

    it('a valid signature over an unreadable timestamp: BadTimeSignature "Malformed timestamp"', () => {
      for (const stamp of ['!!', 'A', base64UrlEncode(new Uint8Array(9).fill(1))]) {
        const error = thrown(() => signer.unsign(plain.sign(`value.${stamp}`)));
        expect(error, stamp).toBeInstanceOf(BadTimeSignature);
        expect((error as BadTimeSignature).message).toBe('Malformed timestamp');
        expect((error as BadTimeSignature).payload).toBe('value');
        expect((error as BadTimeSignature).dateSigned).toBeUndefined();
      }
    });

    it('a bad signature over a readable timestamp: BadTimeSignature with the date', () => {
      const signed = signer.sign('value', { timestamp: T0 });
      const error = thrown(() => signer.unsign(`${signed.slice(0, -2)}AA`));
      expect(error).toBeInstanceOf(BadTimeSignature);
      expect(error).not.toBeInstanceOf(SignatureExpired);
      expect((error as BadTimeSignature).message).toMatch(/^Signature '.+' does not match$/);
      expect((error as BadTimeSignature).payload).toBe('value');
      expect((error as BadTimeSignature).dateSigned).toEqual(new Date(T0 * 1000));
    });

    it('a bad signature over an unreadable timestamp: BadTimeSignature without date', () => {
      const error = thrown(() => signer.unsign('value.!!.c2ln'));
      expect(error).toBeInstanceOf(BadTimeSignature);
      expect((error as BadTimeSignature).dateSigned).toBeUndefined();
      expect((error as BadTimeSignature).payload).toBe('value');
    });

    it('a bad signature over a timestamp past year 9999: "Malformed timestamp"', () => {
      const stamp = base64UrlEncode(intToBytes(253_402_300_800));
      const error = thrown(() => signer.unsign(`value.${stamp}.c2ln`));
      expect(error).toBeInstanceOf(BadTimeSignature);
      expect((error as BadTimeSignature).message).toBe('Malformed timestamp');
    });

    it('a bad signature and no second separator: the plain BadSignature', () => {
      const error = thrown(() => signer.unsign('value.c2ln'));
      expect(error).toBeInstanceOf(BadSignature);
      expect(error).not.toBeInstanceOf(BadTimeSignature);
      expect((error as BadSignature).payload).toBe('value');
    });

    it('no separator at all: the plain BadSignature', () => {
      const error = thrown(() => signer.unsign('value'));
      expect(error).toBeInstanceOf(BadSignature);
      expect(error).not.toBeInstanceOf(BadTimeSignature);
    });

    it('tampering with the timestamp is a bad signature', () => {
      const signed = signer.sign('value', { timestamp: T0 });
      const [value, , signature] = signed.split('.');
      const moved = `${value}.${base64UrlEncode(intToBytes(T0 + 3600))}.${signature}`;
      const error = thrown(() => signer.unsign(moved));
      expect(error).toBeInstanceOf(BadTimeSignature);
      expect((error as BadTimeSignature).dateSigned).toEqual(new Date((T0 + 3600) * 1000));
    });
  });

  it('unsignBytes takes maxAge too', () => {
    const { clock, signer } = clockedSigner();
    const signed = signer.sign('Zoë');
    expect(Buffer.from(signer.unsignBytes(signed, { maxAge: 5 })).toString()).toBe('Zoë');
    clock.now = T0 + 6;
    expect(() => signer.unsignBytes(signed, { maxAge: 5 })).toThrow(SignatureExpired);
  });

  it('verifies with fallback secrets and keeps the timestamp', () => {
    const old = new TimestampSigner({ secret: 'old', now: () => T0 });
    const rotated = new TimestampSigner({ secret: ['old', 'new'], now: () => T0 + 1 });
    expect(rotated.unsignWithTimestamp(old.sign('v'), { maxAge: 1 })).toEqual({ value: 'v', timestamp: T0 });
  });
});
