import { describe, expect, it } from 'vitest';
import {
  base64UrlDecode,
  base64UrlEncode,
  bytesToInt,
  intToBytes,
  utf8Decode,
  utf8Encode,
} from '../../../src/signing/encoding.js';
import { BadData } from '../../../src/signing/errors.js';

describe('base64UrlEncode', () => {
  it('uses the URL-safe alphabet and drops padding', () => {
    expect(base64UrlEncode(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
    expect(base64UrlEncode('a')).toBe('YQ');
    expect(base64UrlEncode('')).toBe('');
  });

  it('encodes strings as UTF-8', () => {
    expect(base64UrlEncode('é')).toBe(base64UrlEncode(Uint8Array.of(0xc3, 0xa9)));
  });

  it('encodes a view of a larger buffer, not the whole buffer', () => {
    const whole = Uint8Array.of(1, 2, 3, 4);
    expect(base64UrlEncode(whole.subarray(1, 3))).toBe(base64UrlEncode(Uint8Array.of(2, 3)));
  });
});

describe('base64UrlDecode', () => {
  it('decodes without padding', () => {
    expect([...base64UrlDecode('-_8')]).toEqual([0xfb, 0xff]);
    expect(base64UrlDecode('YQ').toString()).toBe('a');
    expect(base64UrlDecode('').length).toBe(0);
  });

  it('tolerates padding', () => {
    expect(base64UrlDecode('YQ==').toString()).toBe('a');
    expect(base64UrlDecode('YQ=').toString()).toBe('a');
  });

  it.each(['YQ+', 'YQ/', 'Y Q', 'YQ!', 'é', 'YQ===', 'Y=Q', '=YQ'])('rejects %j with BadData', (text) => {
    expect(() => base64UrlDecode(text)).toThrow(BadData);
  });

  it('rejects lengths no encoder produces', () => {
    expect(() => base64UrlDecode('Y')).toThrow(BadData);
    expect(() => base64UrlDecode('YWJjZ')).toThrow('Invalid base64-encoded data');
  });

  it('round-trips every length', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      expect([...base64UrlDecode(base64UrlEncode(bytes))]).toEqual([...bytes]);
    }
  });
});

describe('intToBytes / bytesToInt', () => {
  it.each([
    [0, []],
    [1, [1]],
    [255, [255]],
    [256, [1, 0]],
    [1_700_000_000, [0x65, 0x53, 0xf1, 0x00]],
    [Number.MAX_SAFE_INTEGER, [0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
  ])('%d is %j big-endian without leading zeros', (value, bytes) => {
    expect([...intToBytes(value)]).toEqual(bytes);
    expect(bytesToInt(Uint8Array.from(bytes))).toBe(value);
  });

  it('reads leading zero bytes like itsdangerous (right-justified to 8 bytes)', () => {
    expect(bytesToInt(Uint8Array.of(0, 0, 1, 0))).toBe(256);
    expect(bytesToInt(new Uint8Array(8))).toBe(0);
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53])('intToBytes(%d) throws RangeError', (value) => {
    expect(() => intToBytes(value)).toThrow(RangeError);
  });

  it('bytesToInt refuses more than 8 bytes and unsafe integers', () => {
    expect(() => bytesToInt(new Uint8Array(9))).toThrow(RangeError);
    expect(() => bytesToInt(Uint8Array.of(0x20, 0, 0, 0, 0, 0, 0))).toThrow(RangeError);
  });
});

describe('utf8Encode / utf8Decode', () => {
  it('round-trips text beyond the BMP', () => {
    const text = 'Zoë 会话 😀';
    expect(utf8Decode(utf8Encode(text))).toBe(text);
  });

  it('keeps a byte order mark, as Python does', () => {
    expect(utf8Decode(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61))).toBe('\ufeffa');
  });

  it('rejects invalid UTF-8 with BadData instead of replacing it', () => {
    expect(() => utf8Decode(Uint8Array.of(0x61, 0xff))).toThrow(BadData);
    expect(() => utf8Decode(Uint8Array.of(0xed, 0xa0, 0x80))).toThrow(BadData);
  });
});
