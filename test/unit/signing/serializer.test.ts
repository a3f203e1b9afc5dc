import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import {
  BadPayload,
  BadSignature,
  BadTimeSignature,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  JSON_SERIALIZER,
  Signer,
  SignatureExpired,
  TimestampSigner,
  URLSafeSerializer,
  URLSafeTimedSerializer,
  type TextSerializer,
} from '../../../src/signing/index.js';
import { base64UrlEncode } from '../../../src/signing/encoding.js';
import { flaskCookies, thrown, vectors } from './vectors.js';

const T0 = 1_700_000_000;

/** Keeps the text as is: the serializer layer then signs exactly the given payload text. */
const passThrough: TextSerializer<string> = { dumps: (text) => text, loads: (text) => text };

/** Flask's cookie profile with a pass-through serializer. */
function flaskProfile(secret: string | string[]) {
  return new URLSafeTimedSerializer<string>({
    secret,
    salt: 'cookie-session',
    signer: { keyDerivation: 'hmac', digest: 'sha1' },
    serializer: passThrough,
  });
}

/** A serializer that records what it was asked to load. */
function recordingSerializer() {
  const loaded: string[] = [];
  const serializer: TextSerializer<unknown> = {
    dumps: (value) => JSON.stringify(value),
    loads: (text) => {
      loaded.push(text);
      return JSON.parse(text);
    },
  };
  return { loaded, serializer };
}

describe('Flask cookie vectors (Flask 3.1 / itsdangerous 2.2)', () => {
  const uncompressed = flaskCookies.vectors.filter((v) => !v.compressed);
  const compressed = flaskCookies.vectors.filter((v) => v.compressed);

  it('has both kinds of vectors', () => {
    expect(uncompressed.length).toBeGreaterThan(0);
    expect(compressed.length).toBeGreaterThan(0);
  });

  it.each(uncompressed.map((v) => [v.tagged_json.slice(0, 40), v] as const))(
    'dumpsText produces the exact cookie: %s',
    (_label, v) => {
      expect(flaskProfile(v.secret).dumpsText(v.tagged_json, { timestamp: v.timestamp })).toBe(v.cookie);
    },
  );

  it.each(flaskCookies.vectors.map((v) => [v.tagged_json.slice(0, 40), v] as const))(
    'loadsText opens the cookie to the exact text and timestamp: %s',
    (_label, v) => {
      expect(flaskProfile(v.secret).loadsText(v.cookie)).toEqual({ text: v.tagged_json, timestamp: v.timestamp });
    },
  );

  it.each(compressed.map((v) => [v.tagged_json.length, v] as const))(
    'compresses the %d-byte payload too, and the result opens to the same text',
    (_length, v) => {
      const serializer = flaskProfile(v.secret);
      const ours = serializer.dumpsText(v.tagged_json, { timestamp: v.timestamp });
      expect(ours.startsWith('.')).toBe(true);
      expect(serializer.loadsText(ours)).toEqual({ text: v.tagged_json, timestamp: v.timestamp });
    },
  );

  it('opens the cookie signed with a fallback secret when that secret is listed', () => {
    const { old_secret, new_secret, cookie, tagged_json } = flaskCookies.fallback;
    expect(flaskProfile([old_secret, new_secret]).loadsText(cookie).text).toBe(tagged_json);
    expect(() => flaskProfile(new_secret).loadsText(cookie)).toThrow(BadSignature);
  });

  it('signs with the newest secret of the list', () => {
    const { old_secret, new_secret, tagged_json } = flaskCookies.fallback;
    const rotated = flaskProfile([old_secret, new_secret]).dumpsText(tagged_json, { timestamp: T0 });
    expect(rotated).toBe(flaskProfile(new_secret).dumpsText(tagged_json, { timestamp: T0 }));
    expect(() => flaskProfile(old_secret).loadsText(rotated)).toThrow(BadSignature);
  });
});

describe('itsdangerous serializer vectors', () => {
  it.each(vectors.serializer.map((v) => [v.text.slice(0, 30), v] as const))(
    'URLSafeSerializer and URLSafeTimedSerializer produce the exact output: %s',
    (_label, v) => {
      const untimed = new URLSafeSerializer<string>({ secret: v.secret, serializer: passThrough });
      const timed = new URLSafeTimedSerializer<string>({ secret: v.secret, serializer: passThrough });
      expect(untimed.dumps(v.text)).toBe(v.untimed);
      expect(timed.dumps(v.text, { timestamp: vectors.timestamp })).toBe(v.timed);
      expect(untimed.loads(v.untimed)).toBe(v.text);
      expect(timed.loadsText(v.timed)).toEqual({ text: v.text, timestamp: vectors.timestamp });
    },
  );

  it('compresses only when that saves at least two bytes (itsdangerous: len(compressed) < len(json) - 1)', () => {
    const byMargin = new Map(vectors.serializer.map((v) => [v.zlib_minus_text, v]));
    const timed = new URLSafeTimedSerializer<string>({ secret: 'secret-key', serializer: passThrough });
    expect(timed.dumps(byMargin.get(-2)!.text).startsWith('.')).toBe(true);
    expect(timed.dumps(byMargin.get(-1)!.text).startsWith('.')).toBe(false);
    expect(timed.dumps(byMargin.get(0)!.text).startsWith('.')).toBe(false);
  });

  it('defaults to JSON and the salt "itsdangerous"', () => {
    const { value, untimed, timed } = vectors.json;
    expect(new URLSafeSerializer({ secret: 'secret-key' }).dumps(value)).toBe(untimed);
    expect(new URLSafeTimedSerializer({ secret: 'secret-key' }).dumps(value, { timestamp: vectors.timestamp })).toBe(
      timed,
    );
    expect(new URLSafeTimedSerializer({ secret: 'secret-key', salt: 'itsdangerous' }).loads(timed)).toEqual(value);
  });
});

describe('URLSafeTimedSerializer', () => {
  const serializer = new URLSafeTimedSerializer<{ user: string }>({ secret: 'k', now: () => T0 });

  it('round-trips values with their timestamp', () => {
    const signed = serializer.dumps({ user: 'alice' });
    expect(serializer.loads(signed)).toEqual({ user: 'alice' });
    expect(serializer.loadsWithTimestamp(signed)).toEqual({ value: { user: 'alice' }, timestamp: T0 });
  });

  it('dumps with an explicit timestamp', () => {
    expect(serializer.loadsWithTimestamp(serializer.dumps({ user: 'a' }, { timestamp: 5 })).timestamp).toBe(5);
  });

  it('dumpsText/loadsText keep the payload text exactly, whitespace and key order included', () => {
    const text = '{ "b" : 1,\n"a":[ 2 ] }';
    expect(serializer.loadsText(serializer.dumpsText(text)).text).toBe(text);
  });

  it('applies maxAge (expired, future) with the clock or per-call now', () => {
    const signed = serializer.dumps({ user: 'a' });
    expect(serializer.loads(signed, { maxAge: 10, now: T0 + 10 })).toEqual({ user: 'a' });
    expect(() => serializer.loads(signed, { maxAge: 10, now: T0 + 11 })).toThrow(SignatureExpired);
    expect(() => serializer.loads(signed, { maxAge: 10, now: T0 - 1 })).toThrow(SignatureExpired);
    const later = new URLSafeTimedSerializer({ secret: 'k', now: () => T0 + 11 });
    expect(() => later.loads(signed, { maxAge: 10 })).toThrow('Signature age 11 > 10 seconds');
  });

  it('passes signer options through (key derivation, digest, separator)', () => {
    const custom = new URLSafeTimedSerializer<string>({
      secret: 'k',
      salt: 's',
      serializer: passThrough,
      signer: { keyDerivation: 'concat', digest: 'sha512', sep: '~' },
    });
    const signed = custom.dumpsText('{}', { timestamp: T0 });
    const signer = new TimestampSigner({ secret: 'k', salt: 's', keyDerivation: 'concat', digest: 'sha512', sep: '~' });
    expect(signed).toBe(signer.sign(base64UrlEncode('{}'), { timestamp: T0 }));
    expect(custom.loadsText(signed).text).toBe('{}');
  });

  it('verifies the signature before decoding anything', () => {
    const { loaded, serializer: recording } = recordingSerializer();
    const s = new URLSafeTimedSerializer({ secret: 'k', serializer: recording });
    const signed = s.dumps({ a: 1 });
    const [payload, stamp, signature] = signed.split('.');
    const forged = `${base64UrlEncode('{"a":2}')}.${stamp}.${signature}`;
    expect(() => s.loads(forged)).toThrow(BadTimeSignature);
    expect(loaded).toEqual([]);
    // Garbage that is not even base64: still a signature error, never a payload error.
    const error = thrown(() => s.loads(`!!!not-base64.${stamp}.${signature}`));
    expect(error).toBeInstanceOf(BadSignature);
    expect(error).not.toBeInstanceOf(BadPayload);
    expect(s.loads(`${payload}.${stamp}.${signature}`)).toEqual({ a: 1 });
    expect(loaded).toEqual(['{"a":1}']);
  });

  describe('BadPayload when a correctly signed payload cannot be decoded', () => {
    const signer = new TimestampSigner({ secret: 'k', salt: 'itsdangerous' });
    const s = new URLSafeTimedSerializer({ secret: 'k' });
    const signedPayload = (payload: string) => signer.sign(payload, { timestamp: T0 });

    it('invalid base64', () => {
      const error = thrown(() => s.loads(signedPayload('e30!')));
      expect(error).toBeInstanceOf(BadPayload);
      expect((error as BadPayload).message).toBe('Could not base64 decode the payload because of an exception');
      expect((error as BadPayload).originalError).toBeInstanceOf(Error);
      expect((error as BadPayload).cause).toBe((error as BadPayload).originalError);
    });

    it('invalid zlib data after the "." marker', () => {
      const error = thrown(() => s.loads(signedPayload(`.${base64UrlEncode('not zlib')}`)));
      expect(error).toBeInstanceOf(BadPayload);
      expect((error as BadPayload).message).toMatch(/zlib decompress/);
    });

    it('invalid UTF-8', () => {
      const error = thrown(() => s.loadsText(signedPayload(base64UrlEncode(Uint8Array.of(0x7b, 0xff, 0x7d)))));
      expect(error).toBeInstanceOf(BadPayload);
      expect((error as BadPayload).message).toMatch(/unserializing/);
    });

    it('the serializer throwing, with its error kept', () => {
      const error = thrown(() => s.loads(signedPayload(base64UrlEncode('{not json'))));
      expect(error).toBeInstanceOf(BadPayload);
      expect((error as BadPayload).originalError).toBeInstanceOf(SyntaxError);
    });

    it('a zip bomb: stops at maxDecompressedBytes instead of inflating it all', () => {
      const bomb = deflateSync(Buffer.alloc(DEFAULT_MAX_DECOMPRESSED_BYTES + 1, 0x20), { level: 9 });
      expect(bomb.length).toBeLessThan(3000);
      const signed = signedPayload(`.${base64UrlEncode(bomb)}`);
      const error = thrown(() => s.loadsText(signed));
      expect(error).toBeInstanceOf(BadPayload);
      expect((error as BadPayload).originalError).toBeInstanceOf(RangeError);
      const roomy = new URLSafeTimedSerializer({ secret: 'k', maxDecompressedBytes: DEFAULT_MAX_DECOMPRESSED_BYTES + 1 });
      expect(roomy.loadsText(signed).text).toHaveLength(DEFAULT_MAX_DECOMPRESSED_BYTES + 1);
    });

    it('a payload exactly at maxDecompressedBytes still opens', () => {
      const small = new URLSafeTimedSerializer<string>({ secret: 'k', serializer: passThrough, maxDecompressedBytes: 300 });
      const text = 'a'.repeat(300);
      expect(small.loadsText(small.dumpsText(text)).text).toBe(text);
      expect(() => small.loadsText(small.dumpsText(`${text}a`))).toThrow(BadPayload);
    });
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects maxDecompressedBytes %d', (value) => {
    const error = thrown(() => new URLSafeTimedSerializer({ secret: 'k', maxDecompressedBytes: value }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe('maxDecompressedBytes');
  });

  it('rejects an empty secret', () => {
    expect(() => new URLSafeTimedSerializer({ secret: '' })).toThrow(ConfigError);
    expect(() => new URLSafeTimedSerializer({ secret: [] })).toThrow(ConfigError);
  });

  it('lets serializer errors on dumps propagate unchanged', () => {
    const failing: TextSerializer<unknown> = {
      dumps: () => {
        throw new TypeError('cannot serialize');
      },
      loads: JSON.parse,
    };
    expect(() => new URLSafeTimedSerializer({ secret: 'k', serializer: failing }).dumps({})).toThrow('cannot serialize');
  });
});

describe('URLSafeSerializer', () => {
  const s = new URLSafeSerializer<number[]>({ secret: 'k' });

  it('round-trips without a timestamp', () => {
    const signed = s.dumps([1, 2, 3]);
    expect(signed.split('.')).toHaveLength(2);
    expect(s.loads(signed)).toEqual([1, 2, 3]);
    expect(s.loadsText(signed)).toBe('[1,2,3]');
    expect(new Signer({ secret: 'k', salt: 'itsdangerous' }).unsign(signed)).toBe(base64UrlEncode('[1,2,3]'));
  });

  it('compresses large payloads with the "." marker', () => {
    const signed = s.dumps(Array.from({ length: 200 }, () => 7));
    expect(signed.startsWith('.')).toBe(true);
    expect(s.loads(signed)).toHaveLength(200);
  });

  it('rejects tampering and bad payloads', () => {
    const signed = s.dumps([1]);
    expect(() => s.loads(`${signed}x`)).toThrow(BadSignature);
    const signer = new Signer({ secret: 'k', salt: 'itsdangerous' });
    expect(() => s.loads(signer.sign(base64UrlEncode('[1,')))).toThrow(BadPayload);
  });
});

describe('JSON_SERIALIZER', () => {
  it('is compact JSON without escaping non-ASCII (like itsdangerous _CompactJSON)', () => {
    expect(JSON_SERIALIZER.dumps({ a: [1, 'é'] })).toBe('{"a":[1,"é"]}');
    expect(JSON_SERIALIZER.loads('{"a":1}')).toEqual({ a: 1 });
  });

  it('refuses values JSON cannot represent instead of signing "undefined"', () => {
    expect(() => JSON_SERIALIZER.dumps(undefined)).toThrow(TypeError);
  });
});
