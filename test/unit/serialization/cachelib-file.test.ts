/**
 * cachelib's FileSystemCache file format on its own: the 4-byte expiry header, the session pickle,
 * the count file, expiry rules and names. (The files real Flask-Session wrote are checked in
 * test/interop/flask-session-filesystem.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import {
  CACHELIB_COUNT_FILE_NAME,
  CACHELIB_MAX_EXPIRY,
  CachelibFileError,
  cachelibExpiresAt,
  cachelibFileName,
  decodeCachelibCountFile,
  decodeCachelibFile,
  encodeCachelibCountFile,
  encodeCachelibFile,
  isCachelibEntryLive,
  isCachelibManagementFile,
  readCachelibExpiry,
} from '../../../src/serialization/cachelib-file.js';
import { dumpsPickle, PickleDecodeError, PickleRejectedError } from '../../../src/serialization/pickle.js';
import { Tuple } from '../../../src/serialization/values.js';

describe('cachelib session files', () => {
  it('writes the expiry as a little-endian uint32 before the pickle, and reads both back', () => {
    const data = { _permanent: true, user: 'Zoë', _flashes: [Tuple.of('message', 'hi')] };
    const file = Buffer.from(encodeCachelibFile(data, 1798837705));
    expect(file.subarray(0, 4).toString('hex')).toBe('c915386b');
    expect(file.subarray(4).equals(Buffer.from(dumpsPickle(data)))).toBe(true);
    const entry = decodeCachelibFile(file);
    expect(entry.expiresAt).toBe(1798837705);
    expect(entry.data).toEqual(data);
    expect(entry.data._flashes).toEqual([Tuple.of('message', 'hi')]);
    expect(readCachelibExpiry(file)).toBe(1798837705);
  });

  it('accepts expiries 0 (never) to 2**32 - 1 and nothing else', () => {
    expect(readCachelibExpiry(encodeCachelibFile({}, 0))).toBe(0);
    expect(readCachelibExpiry(encodeCachelibFile({}, CACHELIB_MAX_EXPIRY))).toBe(CACHELIB_MAX_EXPIRY);
    for (const bad of [-1, 2 ** 32, 1.5, NaN]) expect(() => encodeCachelibFile({}, bad)).toThrow(CachelibFileError);
  });

  it('refuses files Flask-Session cannot use: too short, not a dict, int keys at the top', () => {
    expect(() => decodeCachelibFile(Buffer.from('c915', 'hex'))).toThrow(/4-byte expiry/);
    const notDict = Buffer.concat([Buffer.alloc(4), Buffer.from(dumpsPickle(Buffer.from('msgpack bytes')))]);
    expect(() => decodeCachelibFile(notDict)).toThrow(/not a dict/);
    const intKeys = Buffer.concat([Buffer.alloc(4), Buffer.from(dumpsPickle(new Map([[1, 'a']])))]);
    expect(() => decodeCachelibFile(intKeys)).toThrow(/non-str keys/);
    const evil = Buffer.concat([Buffer.alloc(4), Buffer.from('80058c026f73948c0673797374656d9493942e', 'hex')]);
    expect(() => decodeCachelibFile(evil)).toThrow(PickleRejectedError);
  });

  it('refuses every truncation of a file with a typed error', () => {
    const file = Buffer.from(encodeCachelibFile({ user: 'Zoë', n: [1, 2, 3], b: Buffer.from('xyz') }, 1798837705));
    for (let end = 0; end < file.length; end++) {
      expect(() => decodeCachelibFile(file.subarray(0, end)), `cut at ${end}`).toThrow(end < 4 ? CachelibFileError : PickleDecodeError);
    }
  });

  it("follows cachelib's expiry rules: int(now) + int(lifetime), 0 = never, live while expiry >= now", () => {
    expect(cachelibExpiresAt(1796159305.99, 2678400)).toBe(1796159305 + 2678400);
    expect(cachelibExpiresAt(1796159305.2, 3600.5)).toBe(1796159305 + 3600);
    expect(cachelibExpiresAt(1796159305.2, 0.5)).toBe(0);
    expect(isCachelibEntryLive(0, 4e9)).toBe(true);
    expect(isCachelibEntryLive(100, 100)).toBe(true);
    expect(isCachelibEntryLive(100, 100.001)).toBe(false);
  });
});

describe('the cachelib count file', () => {
  it('is header 0 and a pickled int, without a frame for small counts', () => {
    expect(Buffer.from(encodeCachelibCountFile(11)).toString('hex')).toBe('0000000080054b0b2e');
    for (const count of [0, 11, 255, 256, 70000, -1]) expect(decodeCachelibCountFile(encodeCachelibCountFile(count))).toBe(count);
    expect(() => encodeCachelibCountFile(1.5)).toThrow(CachelibFileError);
    expect(() => decodeCachelibCountFile(encodeCachelibFile({ a: 1 }, 0))).toThrow(/does not hold an int/);
  });

  it('has the name cachelib gives it, and is told apart from entries like temporary files', () => {
    expect(CACHELIB_COUNT_FILE_NAME).toBe(cachelibFileName('__wz_cache_count'));
    expect(isCachelibManagementFile(CACHELIB_COUNT_FILE_NAME)).toBe(true);
    expect(isCachelibManagementFile('tmpab12cd.__wz_cache')).toBe(true);
    expect(isCachelibManagementFile(cachelibFileName('session:abc'))).toBe(false);
    expect(cachelibFileName('session:abc')).toMatch(/^[0-9a-f]{64}$/);
  });
});
