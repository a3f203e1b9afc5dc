/**
 * Flask-Session's layout in a folder: the files of cachelib's `FileSystemCache`, which
 * Flask-Session 0.8's `filesystem` and `cachelib` backends use (see `cachelib-file.ts`). A file
 * is named `sha256(key)` in hex and holds a 4-byte expiry (Unix seconds, 0 = never) followed by
 * the value the interface's codec wrote (a pickled dict with `serializationFormat: 'pickle'`).
 *
 * There is no room for a version, so the version is the SHA-1 of the value (a touch keeps it) and
 * every conditional write compares the value under the key's lock file. Lock and temporary files
 * end in cachelib's transaction suffix, which cachelib never counts or prunes. The count file is
 * kept as cachelib keeps it, and every write prunes first when the count is over the threshold,
 * exactly as cachelib's `set()` does: expired files, then the files with the smallest expiry.
 */
import { open, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CACHELIB_COUNT_FILE_NAME,
  CACHELIB_HEADER_BYTES,
  CACHELIB_MAX_EXPIRY,
  CACHELIB_TEMP_SUFFIX,
  cachelibFileName,
  decodeCachelibCountFile,
  encodeCachelibCountFile,
  isCachelibEntryLive,
  isCachelibManagementFile,
  readCachelibExpiry,
} from '../../serialization/cachelib-file.js';
import type { StoreRecord, UpdateResult } from '../store.js';
import { replaceFileAtomically, unlinkIfPresent } from './files.js';
import { errorCode } from '../internal/errors.js';
import { valueVersion } from '../internal/value-version.js';
import { tryFileLock, type FileLock } from './lock.js';

/** Suffix of a session's lock file: ends in cachelib's transaction suffix, so cachelib ignores it. */
const CACHELIB_LOCK_SUFFIX = `.lock${CACHELIB_TEMP_SUFFIX}`;
/** The smallest expiry written: 0 would mean "never expires" to cachelib. */
const MIN_EXPIRY_SECONDS = 1;
const MS_PER_SECOND = 1000;
/** The in-process mutex key of the count file: no session key starts with NUL. */
const COUNT_MUTEX_KEY = '\u0000cachelib-count';

/** One cachelib entry as read from its file. */
interface CachelibRecord {
  expiresAtSeconds: number;
  value: Uint8Array;
}

/** What the layout needs from `FileSystemStore`: the folder, the file mode, the clock and its locks. */
export interface CachelibFolderHost {
  readonly dir: string;
  readonly mode: number;
  /** `SESSION_FILE_THRESHOLD`: cachelib prunes when its count file holds more (0 = never, no counting). */
  readonly threshold: number;
  /** Age after which a lock file is taken over, and the longest wait for one. */
  readonly lockTimeoutMs: number;
  readonly clock: () => number;
  /** Runs `fn` holding the lock file at `lockPath` and `key`'s in-process mutex, failures as `StoreError`s. */
  locked<T>(key: string, lockPath: string, operation: string, fn: (lock: FileLock) => Promise<T>): Promise<T>;
}

/**
 * The Store operations on cachelib's files. `keys` cannot be offered (names are hashes); expiry
 * has whole-second precision: a record written at `now` with `ttlMs` expires at
 * `floor((now + ttlMs) / 1000)`, as cachelib's `int(time()) + timeout`.
 */
export class CachelibFolder {
  readonly #host: CachelibFolderHost;
  #pruning: Promise<void> | undefined;

  constructor(host: CachelibFolderHost) {
    this.#host = host;
  }

  async load(key: string): Promise<StoreRecord | null> {
    const record = await this.#read(this.#entryPath(key));
    if (!record || !this.#isLive(record)) return null;
    return this.#toStoreRecord(record);
  }

  async create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null> {
    await this.#prune();
    const path = this.#entryPath(key);
    const outcome = await this.#host.locked(key, this.#lockPath(path), 'create', async (lock) => {
      const current = await this.#read(path);
      if (current && this.#isLive(current)) return null;
      await this.#write(path, this.#expiry(ttlMs), value, lock);
      return { isNew: current === null };
    });
    if (outcome === null) return null;
    if (outcome.isNew) await this.#updateCount(+1);
    return valueVersion(value);
  }

  async update(key: string, value: Uint8Array, expectedVersion: string, ttlMs: number): Promise<UpdateResult> {
    await this.#prune();
    const path = this.#entryPath(key);
    return this.#host.locked(key, this.#lockPath(path), 'update', async (lock): Promise<UpdateResult> => {
      const current = await this.#read(path);
      if (!current || !this.#isLive(current)) return { ok: false, reason: 'missing' };
      if (valueVersion(current.value) !== expectedVersion) return { ok: false, reason: 'conflict' };
      await this.#write(path, this.#expiry(ttlMs), value, lock);
      return { ok: true, version: valueVersion(value) };
    });
  }

  async touch(key: string, ttlMs: number): Promise<boolean> {
    await this.#prune();
    const path = this.#entryPath(key);
    return this.#host.locked(key, this.#lockPath(path), 'touch', async (lock) => {
      const current = await this.#read(path);
      if (!current || !this.#isLive(current)) return false;
      await this.#write(path, this.#expiry(ttlMs), current.value, lock);
      return true;
    });
  }

  async destroy(key: string): Promise<void> {
    const path = this.#entryPath(key);
    const removed = await this.#host.locked(key, this.#lockPath(path), 'destroy', () => unlinkIfPresent(path));
    if (removed) await this.#updateCount(-1);
  }

  /** Deletes the expired entries, as cachelib's `_remove_expired`; returns how many went. */
  async sweep(): Promise<number> {
    let removed = 0;
    for (const name of await this.#entryNames()) {
      if (await this.#removeLocked(name, (expiry) => !isCachelibEntryLive(expiry, this.#nowSeconds()))) removed++;
    }
    return removed;
  }

  /**
   * cachelib's `_prune()`, which its `set()` runs before every write: when the count file holds
   * more than the threshold, delete the expired entries, then, while still over, the entries
   * with the smallest expiry (0 = never sorts first). Locked entries are left alone.
   */
  #prune(): Promise<void> {
    this.#pruning ??= this.#pruneNow().finally(() => {
      this.#pruning = undefined;
    });
    return this.#pruning;
  }

  async #pruneNow(): Promise<void> {
    if (!(await this.#overThreshold())) return;
    await this.sweep();
    if (!(await this.#overThreshold())) return;
    const entries: { name: string; expiry: number }[] = [];
    for (const name of await this.#entryNames()) {
      const expiry = await this.#readExpiry(join(this.#host.dir, name));
      if (expiry !== null) entries.push({ name, expiry });
    }
    entries.sort((a, b) => a.expiry - b.expiry);
    for (const { name } of entries) {
      await this.#removeLocked(name, () => true);
      if (!(await this.#overThreshold())) break;
    }
  }

  async #overThreshold(): Promise<boolean> {
    return this.#host.threshold !== 0 && (await this.#readCount()) > this.#host.threshold;
  }

  /** Removes entry `name` if its lock is free and `shouldRemove(expiry)` holds under it; updates the count. */
  async #removeLocked(name: string, shouldRemove: (expiry: number) => boolean): Promise<boolean> {
    const path = join(this.#host.dir, name);
    const lock = await tryFileLock(this.#lockPath(path), this.#host.lockTimeoutMs);
    if (!lock) return false;
    let removed = false;
    try {
      const expiry = await this.#readExpiry(path);
      removed = expiry !== null && shouldRemove(expiry) && (await unlinkIfPresent(path));
    } finally {
      await lock.release();
    }
    if (removed) await this.#updateCount(-1);
    return removed;
  }

  /** cachelib's `_file_count`: the count file's int, 0 when absent or unreadable. */
  async #readCount(): Promise<number> {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.#host.dir, CACHELIB_COUNT_FILE_NAME));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return 0;
      throw error;
    }
    try {
      return decodeCachelibCountFile(bytes);
    } catch {
      return 0;
    }
  }

  /** cachelib's `_update_count(delta)` (never below 0, nothing without a threshold), under the count file's lock. */
  async #updateCount(delta: number): Promise<void> {
    if (this.#host.threshold === 0) return;
    const path = join(this.#host.dir, CACHELIB_COUNT_FILE_NAME);
    await this.#host.locked(COUNT_MUTEX_KEY, this.#lockPath(path), 'count', async (lock) => {
      const count = Math.max(0, (await this.#readCount()) + delta);
      await this.#writeBytes(path, encodeCachelibCountFile(count), lock);
    });
  }

  #entryPath(key: string): string {
    return join(this.#host.dir, cachelibFileName(key));
  }

  #lockPath(path: string): string {
    return path + CACHELIB_LOCK_SUFFIX;
  }

  #nowSeconds(): number {
    return this.#host.clock() / MS_PER_SECOND;
  }

  #isLive(record: CachelibRecord): boolean {
    return isCachelibEntryLive(record.expiresAtSeconds, this.#nowSeconds());
  }

  #expiry(ttlMs: number): number {
    const seconds = Math.floor((this.#host.clock() + ttlMs) / MS_PER_SECOND);
    return Math.min(CACHELIB_MAX_EXPIRY, Math.max(MIN_EXPIRY_SECONDS, seconds));
  }

  #toStoreRecord(record: CachelibRecord): StoreRecord {
    const expiresAt = record.expiresAtSeconds === 0 ? Number.MAX_SAFE_INTEGER : record.expiresAtSeconds * MS_PER_SECOND;
    return { value: record.value, version: valueVersion(record.value), expiresAt };
  }

  /** Every name cachelib counts (`_list_dir`): all but the count file and transaction-suffixed files. */
  async #entryNames(): Promise<string[]> {
    return (await readdir(this.#host.dir)).filter((name) => !isCachelibManagementFile(name));
  }

  /** The entry at `path`; `null` when absent. A file shorter than its header reads as absent, as cachelib treats it. */
  async #read(path: string): Promise<CachelibRecord | null> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
    if (bytes.length < CACHELIB_HEADER_BYTES) return null;
    const value = bytes.subarray(CACHELIB_HEADER_BYTES);
    return { expiresAtSeconds: readCachelibExpiry(bytes), value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
  }

  /** The expiry header of the file at `path`; `null` if it vanished or is too short (cachelib skips those). */
  async #readExpiry(path: string): Promise<number | null> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'EISDIR') return null;
      throw error;
    }
    try {
      const header = Buffer.alloc(CACHELIB_HEADER_BYTES);
      const { bytesRead } = await handle.read(header, 0, CACHELIB_HEADER_BYTES, 0);
      return bytesRead < CACHELIB_HEADER_BYTES ? null : readCachelibExpiry(header);
    } catch (error) {
      if (errorCode(error) === 'EISDIR') return null;
      throw error;
    } finally {
      await handle.close();
    }
  }

  #write(path: string, expiresAtSeconds: number, value: Uint8Array, lock: FileLock): Promise<void> {
    const header = Buffer.alloc(CACHELIB_HEADER_BYTES);
    // cachelib's struct.pack("I"): native order, little-endian wherever Flask runs
    header.writeUInt32LE(expiresAtSeconds, 0);
    return this.#writeBytes(path, Buffer.concat([header, value]), lock);
  }

  /** Writes to a temporary file cachelib ignores, then renames it over `path`, as cachelib's `set()`. */
  #writeBytes(path: string, bytes: Uint8Array, lock: FileLock): Promise<void> {
    return replaceFileAtomically(path, bytes, this.#host.mode, CACHELIB_TEMP_SUFFIX, lock);
  }
}

