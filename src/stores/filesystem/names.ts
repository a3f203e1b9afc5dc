import { createHash } from 'node:crypto';

/** Suffix of the file holding a record. */
export const RECORD_SUFFIX = '.session';
/** Suffix of a record's lock file. */
export const LOCK_SUFFIX = '.lock';
/** Suffix of the file that guards the takeover of a stale lock (`<name>.lock.break`). */
export const BREAK_SUFFIX = '.break';
/** Suffix of a temporary file being written before it is renamed over a record. */
export const TEMP_SUFFIX = '.tmp';

/** Keys up to this many UTF-8 bytes are spelled out in the file name; longer ones are hashed. */
const MAX_SPELLED_BYTES = 100;

/**
 * The file-name stem for `key`, safe on every filesystem whatever the key holds (`/`, `..`, NUL,
 * any Unicode): `k` + the key's UTF-8 bytes in lowercase hex, or, for keys over 100 bytes,
 * `h` + the SHA-256 of the key in hex. Only `[0-9a-fhk]` appears, so a name can never leave the
 * directory, and names never collide on case-insensitive filesystems. The record file also
 * holds the key itself, which is checked on read.
 */
export function fileStem(key: string): string {
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length <= MAX_SPELLED_BYTES) return `k${bytes.toString('hex')}`;
  return `h${createHash('sha256').update(bytes).digest('hex')}`;
}
