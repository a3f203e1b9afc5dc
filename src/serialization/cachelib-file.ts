/**
 * The files of cachelib's `FileSystemCache`, which Flask-Session's `filesystem` and `cachelib`
 * backends use: one file per session, named `sha256(key_prefix + sid)` in hex, holding a 4-byte
 * expiry followed by `pickle.dumps(dict(session), protocol=5)`, plus a count file cachelib keeps.
 *
 * Keeping cachelib happy when another process writes the folder (cachelib assumes it is the only
 * user of its directory):
 * - write each file to a temporary name ending in {@link CACHELIB_TEMP_SUFFIX} in the same folder,
 *   then rename it over the final name (cachelib never counts or prunes such names), mode 0600;
 * - put nothing else in the folder: cachelib counts, and may delete, every other file;
 * - when creating a file that did not exist, add 1 to the count file; when deleting one, subtract 1
 *   (never below 0). A count that is too high makes cachelib's pruning delete that many extra
 *   files, live sessions included; one that is too low only delays pruning. cachelib recounts the
 *   folder whenever a `FileSystemCache` is created (at app start);
 * - pruning happens only inside cachelib's own `set()` (when the count exceeds the threshold,
 *   default 500: first expired files, then the files with the smallest expiry, where 0 = never
 *   sorts first). cachelib never removes expired files otherwise, so a writer that does not run
 *   beside a busy Flask app should sweep expired files itself;
 * - avoid expiry 0 for sessions: it never expires, but is the first file pruned.
 */
import { createHash } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { SessionKitError } from '../errors.js';
import { dumpsFlaskSession, dumpsPickle, loadsRestricted, type PickleLoadOptions } from './pickle.js';
import { isSessionData } from './value-kinds.js';

/** Bytes of the expiry header before the pickle. */
export const CACHELIB_HEADER_BYTES = 4;
/** The largest expiry the unsigned 32-bit header holds (2106-02-07T06:28:15Z). */
export const CACHELIB_MAX_EXPIRY = 0xffffffff;
/** The expiry that means "never expires". */
export const CACHELIB_NEVER_EXPIRES = 0;
/** The key of cachelib's count file; its file name is {@link CACHELIB_COUNT_FILE_NAME}. */
export const CACHELIB_COUNT_KEY = '__wz_cache_count';
/** Suffix of cachelib's temporary files, which it never counts or prunes. */
export const CACHELIB_TEMP_SUFFIX = '.__wz_cache';
/** `SESSION_FILE_THRESHOLD`'s default: cachelib prunes when it counts more files than this (0 = never). */
export const CACHELIB_DEFAULT_THRESHOLD = 500;
/** `SESSION_FILE_MODE`'s default, the mode cachelib gives every file. */
export const CACHELIB_FILE_MODE = 0o600;

/** A cachelib file is not what Flask-Session reads (too short, not a session dict, a bad expiry). */
export class CachelibFileError extends SessionKitError {}

/** A decoded session file. */
export interface CachelibEntry {
  /** Unix seconds after which cachelib treats the entry as missing; 0 = never expires. */
  expiresAt: number;
  /** The session dict. */
  data: Record<string, unknown>;
}

/** The file name cachelib gives `storeKey` (Flask-Session: `SESSION_KEY_PREFIX + sid`): its SHA-256 in hex. */
export function cachelibFileName(storeKey: string): string {
  return createHash('sha256').update(storeKey, 'utf8').digest('hex');
}

/** The file name of cachelib's count file. */
export const CACHELIB_COUNT_FILE_NAME = cachelibFileName(CACHELIB_COUNT_KEY);

/** Whether cachelib treats `fileName` as its own bookkeeping (the count file, a temporary file) rather than an entry. */
export function isCachelibManagementFile(fileName: string): boolean {
  return fileName === CACHELIB_COUNT_FILE_NAME || fileName.endsWith(CACHELIB_TEMP_SUFFIX);
}

/**
 * The expiry cachelib writes for a lifetime, as Flask-Session calls it:
 * `int(time.time()) + int(lifetime)`, or 0 (never) when the whole-second lifetime is 0.
 */
export function cachelibExpiresAt(nowSeconds: number, lifetimeSeconds: number): number {
  const lifetime = Math.trunc(lifetimeSeconds);
  return lifetime === 0 ? CACHELIB_NEVER_EXPIRES : Math.floor(nowSeconds) + lifetime;
}

/** Whether cachelib reads an entry with this expiry at `nowSeconds`: `expiry == 0 or expiry >= now`. */
export function isCachelibEntryLive(expiresAt: number, nowSeconds: number): boolean {
  return expiresAt === CACHELIB_NEVER_EXPIRES || expiresAt >= nowSeconds;
}

function header(expiresAtSeconds: number): Buffer {
  if (!Number.isInteger(expiresAtSeconds) || expiresAtSeconds < 0 || expiresAtSeconds > CACHELIB_MAX_EXPIRY) {
    throw new CachelibFileError(
      `expiresAtSeconds must be a whole number of Unix seconds in 0..${CACHELIB_MAX_EXPIRY} (0 = never expires), got ${String(expiresAtSeconds)}`,
    );
  }
  const out = Buffer.alloc(CACHELIB_HEADER_BYTES);
  // cachelib writes struct.pack("I"): native order, little-endian on every platform Flask runs on
  out.writeUInt32LE(expiresAtSeconds, 0);
  return out;
}

/** Reads only the expiry header, as cachelib's pruning does. */
export function readCachelibExpiry(bytes: Uint8Array): number {
  if (bytes.length < CACHELIB_HEADER_BYTES) {
    throw new CachelibFileError(`a cachelib file starts with a ${CACHELIB_HEADER_BYTES}-byte expiry; this one has ${bytes.length} bytes`);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, CACHELIB_HEADER_BYTES).readUInt32LE(0);
}

/**
 * The bytes of a session file: the expiry header, then the session pickled as Flask-Session does.
 *
 * @throws CachelibFileError for an expiry outside 0..2^32-1 or not whole.
 * @throws UnpicklableValueError for data with no Python counterpart.
 */
export function encodeCachelibFile(data: Record<string, unknown>, expiresAtSeconds: number): Uint8Array {
  return Buffer.concat([header(expiresAtSeconds), dumpsFlaskSession(data)]);
}

/**
 * Reads a session file with the restricted pickle reader. The caller decides about expiry (see
 * {@link isCachelibEntryLive}); cachelib itself keeps expired files and treats them as missing.
 *
 * @throws CachelibFileError if the file is shorter than its header or holds something other than
 *   a session dict with str keys (Flask-Session fails with HTTP 500 on such files).
 * @throws PickleDecodeError (one of its subclasses) if the pickle is refused.
 */
export function decodeCachelibFile(bytes: Uint8Array, options?: PickleLoadOptions): CachelibEntry {
  const expiresAt = readCachelibExpiry(bytes);
  const data = loadsRestricted(bytes.subarray(CACHELIB_HEADER_BYTES), options);
  if (!isSessionData(data)) {
    const what = data instanceof Map ? 'a dict with non-str keys' : 'not a dict';
    throw new CachelibFileError(`the pickled session is ${what}; Flask-Session stores a dict with str keys`);
  }
  return { expiresAt, data };
}

/** The bytes of cachelib's count file: header 0 and the pickled count. */
export function encodeCachelibCountFile(count: number): Uint8Array {
  if (!Number.isSafeInteger(count)) throw new CachelibFileError(`the file count must be a whole number, got ${String(count)}`);
  return Buffer.concat([header(CACHELIB_NEVER_EXPIRES), dumpsPickle(count)]);
}

/**
 * The count held by cachelib's count file.
 *
 * @throws CachelibFileError if the file does not hold an int.
 */
export function decodeCachelibCountFile(bytes: Uint8Array): number {
  readCachelibExpiry(bytes);
  const count = loadsRestricted(bytes.subarray(CACHELIB_HEADER_BYTES));
  if (typeof count !== 'number' || !Number.isInteger(count)) throw new CachelibFileError('the cachelib count file does not hold an int');
  return count;
}
