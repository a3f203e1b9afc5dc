import { constants } from 'node:fs';
import { access, chmod, mkdir, open, readFile, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, rejectUnknownOptions, validate } from '../../config.js';
import { ConfigError, StoreError } from '../../errors.js';
import { errorReason } from '../../internal/error-text.js';
import { KeyedMutex } from '../../internal/keyed-mutex.js';
import type { Store, StoreLayout, StoreRecord, UpdateResult } from '../store.js';
import { layoutOption } from '../internal/layout.js';
import { errorCode, guard, StorageMissingError } from '../internal/errors.js';
import { optionNames } from '../internal/options.js';
import { checkTtl, isExpired } from '../internal/ttl.js';
import { randomVersion } from '../internal/version.js';
import { acquireFileLock, breakStaleLock, LockTimeoutError, tryFileLock, type FileLock } from './lock.js';
import { replaceFileAtomically, unlinkIfPresent } from './files.js';
import { CachelibFolder } from './flask-session-layout.js';
import { BREAK_SUFFIX, fileStem, LOCK_SUFFIX, RECORD_SUFFIX, TEMP_SUFFIX } from './names.js';
import { decodeFileRecord, decodeFileRecordHeader, encodeFileRecord, type FileRecord, type FileRecordHeader } from './record.js';

export { StorageMissingError } from '../internal/errors.js';

/** Options of `FileSystemStore`. */
export interface FileSystemStoreOptions {
  /**
   * Folder holding the session files; created (with its missing parents) with `dirMode` if
   * absent, and again if it is removed while the store runs. Required.
   */
  dir: string;
  /**
   * Whether the store creates `dir` when it is missing. With `false` (read-only tools) a
   * missing folder is a `StorageMissingError`. Default: `true`.
   */
  createDir?: boolean;
  /** Permission bits of a folder the store creates. Default: `0o700` (owner only). */
  dirMode?: number;
  /**
   * Most session files kept, like Flask-Session's `SESSION_FILE_THRESHOLD`. When a create
   * goes over it, expired files are removed, then the least recently written ones until 90% of
   * the threshold remains (those sessions are lost). `0` means no limit. Default: `500`.
   */
  threshold?: number;
  /** Permission bits of session files. Default: `0o600` (owner only). */
  mode?: number;
  /**
   * Longest wait for another writer's lock on a session before failing with `StoreError`. A
   * lock whose owner is a dead process of this machine is taken over at once; any lock file
   * older than this is considered abandoned (its owner hangs, or ran elsewhere) and taken over.
   * Default: `5000`.
   */
  lockTimeoutMs?: number;
  /**
   * Current time in epoch milliseconds, from which records' expiry is computed and checked;
   * inject one to test expiry. Lock files always age by the real clock. Default: `Date.now`.
   */
  clock?: () => number;
  /**
   * `'flask-session'`: the files of Flask-Session 0.8's `filesystem` and `cachelib` backends
   * (cachelib's `FileSystemCache`: `sha256(key)` names, a 4-byte expiry in whole seconds, the
   * count file, pruning over `threshold` as cachelib does it), so a Flask app and sessionkit
   * share one folder. Use it with `ServerSessionInterface`'s `serializationFormat: 'pickle'`.
   * Keys cannot be listed in this layout (`keys` is absent). Default `'sessionkit'`.
   */
  layout?: StoreLayout;
}

/** Default `threshold`: Flask-Session's `SESSION_FILE_THRESHOLD`. */
const DEFAULT_THRESHOLD = 500;
/** Default `mode`: session files readable by their owner only. */
const DEFAULT_MODE = 0o600;
/** Default `dirMode`: the folder readable by its owner only. */
const DEFAULT_DIR_MODE = 0o700;
/** Default `lockTimeoutMs`: far beyond any single write, short enough to survive a crash quickly. */
const DEFAULT_LOCK_TIMEOUT_MS = 5000;
/** Largest permission bits (`rwxrwxrwx`); setuid, setgid and sticky bits make no sense here. */
const MAX_MODE = 0o777;
/** A temporary file is left over from a crashed writer once older than this (or `lockTimeoutMs`). */
const MIN_TEMP_FILE_AGE_MS = 60_000;
/** Share of `threshold` that remains after an eviction, so evictions do not run on every create. */
const EVICT_DOWN_TO = 0.9;
const OPTIONS = optionNames<FileSystemStoreOptions>({
  dir: true,
  createDir: true,
  dirMode: true,
  threshold: true,
  mode: true,
  lockTimeoutMs: true,
  clock: true,
  layout: true,
});

/**
 * Sessions as files in one folder: one file per session holding its version, expiry and value
 * (see `record.ts`), named from the key's hex (or hash), so no key can name a
 * path outside the folder. Several processes may share the folder.
 *
 * How the guarantees hold across processes:
 * - Every write goes to a temporary file in the same folder, then `rename`s over the record:
 *   readers (lock-free) see the old or the new file, never a partial one.
 * - Every read-check-write (create, update, touch, destroy, and removals by sweep or the
 *   threshold) holds the key's lock file `<name>.lock`, created with `open(…, 'wx')`, which only
 *   one process can create. Inside one process, calls on the same key also queue on a mutex
 *   instead of polling the file.
 * - A lock file names its owner (pid and process start time): a lock left by a process of this
 *   machine that died is taken over at once, any other once older than `lockTimeoutMs` (see
 *   `lock.ts`); a writer that held its lock for over half that time gives up before committing
 *   (`StoreError`), so a takeover never overlaps a commit, barring a process frozen between
 *   that check and its `rename`.
 * - A folder removed while the store runs is created again (with `dirMode`) by the next call;
 *   its sessions are gone.
 *
 * Limits: one machine (or a network filesystem with atomic `rename` and `O_EXCL`); writes are
 * not fsync'ed (atomic, but the last writes can be lost on power failure); expired files stay
 * on disk until `sweep()` or the threshold removes them, or a create of the same key replaces
 * them.
 */
export class FileSystemStore implements Store {
  /** Always `"filesystem"`. */
  readonly name = 'filesystem';
  readonly #dir: string;
  readonly #createsDir: boolean;
  readonly #dirMode: number;
  readonly #threshold: number;
  readonly #mode: number;
  readonly #lockTimeoutMs: number;
  readonly #clock: () => number;
  readonly #mutex = new KeyedMutex();
  #ready: Promise<void> | undefined;
  /** Approximate number of record files (this process's view), `undefined` until counted. */
  #count: number | undefined;
  #pruning: Promise<void> | undefined;
  /** The Flask-Session layout's files, or `undefined` in sessionkit's layout. */
  readonly #cachelib: CachelibFolder | undefined;

  /** Validates the options; the folder is created on first use. */
  constructor(options: FileSystemStoreOptions) {
    rejectUnknownOptions(options, OPTIONS, 'FileSystemStore');
    this.#dir = validate.string('dir', options.dir);
    this.#createsDir = validate.boolean('createDir', options.createDir ?? true);
    this.#dirMode = permissionBits('dirMode', options.dirMode ?? DEFAULT_DIR_MODE);
    this.#threshold = validate.count('threshold', options.threshold ?? DEFAULT_THRESHOLD);
    this.#mode = permissionBits('mode', options.mode ?? DEFAULT_MODE);
    this.#lockTimeoutMs = validate.milliseconds('lockTimeoutMs', options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
    this.#clock = validate.function('clock', options.clock ?? Date.now);
    if (layoutOption(options.layout) === 'flask-session') {
      this.#cachelib = new CachelibFolder({
        dir: this.#dir,
        mode: this.#mode,
        threshold: this.#threshold,
        lockTimeoutMs: this.#lockTimeoutMs,
        clock: this.#clock,
        locked: (key, lockPath, operation, fn) => this.#locked(key, operation, fn, lockPath),
      });
      // cachelib's file names are hashes: keys cannot be listed.
      Object.defineProperty(this, 'keys', { value: undefined });
    }
  }

  /** Runs a Flask-Session layout operation, after creating the folder, with failures as `StoreError`s. */
  #inCachelib<T>(operation: string, fn: (folder: CachelibFolder) => Promise<T>): Promise<T> {
    const folder = this.#cachelib!;
    return guard(this.name, operation, () => this.#withDir(operation, () => fn(folder)));
  }

  /** Reads a live record (without locking: files are replaced atomically). */
  async load(key: string): Promise<StoreRecord | null> {
    if (this.#cachelib) return this.#inCachelib('load', (folder) => folder.load(key));
    return guard(this.name, 'load', () =>
      this.#withDir('load', async () => {
        const record = await this.#read(key, 'load');
        if (!record || isExpired(record.expiresAt, this.#clock())) return null;
        return { value: record.value, version: record.version, expiresAt: record.expiresAt };
      }),
    );
  }

  /** Writes a new record unless a live one holds the key (an expired one is replaced). */
  async create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null> {
    const ttl = checkTtl(ttlMs);
    if (this.#cachelib) return this.#inCachelib('create', (folder) => folder.create(key, value, ttl));
    const version = await this.#locked(key, 'create', async (lock) => {
      const current = await this.#read(key, 'create');
      if (current && !isExpired(current.expiresAt, this.#clock())) return null;
      const version = randomVersion();
      await this.#write(key, version, this.#clock() + ttl, value, lock);
      return version;
    });
    if (version !== null) await this.#afterCreate();
    return version;
  }

  /** Replaces the value of a live record that still has `expectedVersion`. */
  async update(key: string, value: Uint8Array, expectedVersion: string, ttlMs: number): Promise<UpdateResult> {
    const ttl = checkTtl(ttlMs);
    if (this.#cachelib) return this.#inCachelib('update', (folder) => folder.update(key, value, expectedVersion, ttl));
    return this.#locked(key, 'update', async (lock): Promise<UpdateResult> => {
      const current = await this.#read(key, 'update');
      if (!current || isExpired(current.expiresAt, this.#clock())) return { ok: false, reason: 'missing' };
      if (current.version !== expectedVersion) return { ok: false, reason: 'conflict' };
      const version = randomVersion();
      await this.#write(key, version, this.#clock() + ttl, value, lock);
      return { ok: true, version };
    });
  }

  /** Rewrites a live record with a new expiry and the same version and value. */
  async touch(key: string, ttlMs: number): Promise<boolean> {
    const ttl = checkTtl(ttlMs);
    if (this.#cachelib) return this.#inCachelib('touch', (folder) => folder.touch(key, ttl));
    return this.#locked(key, 'touch', async (lock) => {
      const current = await this.#read(key, 'touch');
      if (!current || isExpired(current.expiresAt, this.#clock())) return false;
      await this.#write(key, current.version, this.#clock() + ttl, current.value, lock);
      return true;
    });
  }

  /** Deletes the record file, if any. */
  async destroy(key: string): Promise<void> {
    if (this.#cachelib) return this.#inCachelib('destroy', (folder) => folder.destroy(key));
    await this.#locked(key, 'destroy', async () => {
      await unlinkIfPresent(this.#recordPath(key));
    });
  }

  /**
   * Deletes expired record files, plus temporary and lock files left behind by crashed
   * processes. Returns how many records were removed.
   */
  async sweep(): Promise<number> {
    if (this.#cachelib) return this.#inCachelib('sweep', (folder) => folder.sweep());
    return guard(this.name, 'sweep', async () => {
      let removed = 0;
      for (const name of await this.#withDir('sweep', () => readdir(this.#dir))) {
        const path = join(this.#dir, name);
        if (name.endsWith(RECORD_SUFFIX)) {
          if (await this.#removeIfExpired(path)) removed++;
        } else if (name.endsWith(TEMP_SUFFIX)) {
          await this.#removeIfOlder(path, Math.max(this.#lockTimeoutMs, MIN_TEMP_FILE_AGE_MS));
        } else if (name.endsWith(LOCK_SUFFIX)) {
          await breakStaleLock(path, this.#lockTimeoutMs);
        } else if (name.endsWith(BREAK_SUFFIX)) {
          await this.#removeIfOlder(path, this.#lockTimeoutMs);
        }
      }
      this.#count = undefined;
      return removed;
    });
  }

  /** Lists live keys starting with `prefix` (reads each record file's header). */
  async *keys(prefix: string): AsyncIterable<string> {
    const names = await guard(this.name, 'keys', async () =>
      (await this.#withDir('keys', () => readdir(this.#dir))).filter((name) => name.endsWith(RECORD_SUFFIX)),
    );
    for (const name of names) {
      const header = await guard(this.name, 'keys', () => this.#readHeader(join(this.#dir, name)));
      if (header && !isExpired(header.expiresAt, this.#clock()) && header.key.startsWith(prefix)) yield header.key;
    }
  }

  /**
   * Checks that the folder exists and that this process may write in it, creating it unless
   * `createDir` is false: resolves when the store can serve calls, or rejects with the reason
   * (`StorageMissingError`, a folder that is a file, no permission).
   */
  async ready(): Promise<void> {
    return guard(this.name, 'ready', () =>
      this.#withDir('ready', async () => {
        if (!(await stat(this.#dir)).isDirectory()) throw new StoreError(this.name, 'ready', undefined, `the session folder ${this.#dir} is not a folder`);
        try {
          await access(this.#dir, constants.W_OK | constants.X_OK);
        } catch (error) {
          if (errorCode(error) === 'ENOENT') throw error; // removed meanwhile: #withDir recreates it
          throw new StoreError(this.name, 'ready', error, `cannot write in the session folder ${this.#dir}: ${errorReason(error)}`);
        }
      }),
    );
  }

  #recordPath(key: string): string {
    return join(this.#dir, fileStem(key) + RECORD_SUFFIX);
  }

  /**
   * Runs `fn` in the folder: the folder is checked (or created) on first use, and when `fn`
   * fails because it is gone (`ENOENT`, `ENOTDIR`), it is created again and `fn` runs once more.
   */
  async #withDir<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    await this.#ensureDir(operation);
    try {
      return await fn();
    } catch (error) {
      const code = errorCode(error);
      if ((code === 'ENOENT' || code === 'ENOTDIR') && (await this.#recoverDir(operation, error))) return fn();
      throw error;
    }
  }

  /** On first use: creates the folder, or checks it exists with `createDir: false`. */
  #ensureDir(operation: string): Promise<void> {
    if (!this.#ready) {
      const ready = this.#createsDir ? this.#makeDir(operation) : this.#recoverDir(operation, undefined).then(() => undefined);
      this.#ready = ready;
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined;
      });
    }
    return this.#ready;
  }

  /**
   * After a failure `cause` that may mean the folder is gone: `false` when the folder is there
   * (the failure was about a file); `true` once a missing folder is created again. Throws
   * `StorageMissingError` for a missing folder with `createDir: false`, `StoreError` when `dir`
   * is not a folder.
   */
  async #recoverDir(operation: string, cause: unknown): Promise<boolean> {
    let isDir: boolean | undefined;
    try {
      isDir = (await stat(this.#dir)).isDirectory();
    } catch (error) {
      const code = errorCode(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    }
    if (isDir === true) return false;
    if (isDir === false) throw new StoreError(this.name, operation, cause, `the session folder ${this.#dir} is not a folder`);
    if (!this.#createsDir) throw new StorageMissingError(this.name, operation, `the session folder ${this.#dir}`, 'createDir');
    await this.#makeDir(operation);
    return true;
  }

  /** Creates the folder (and missing parents) with `dirMode`, exactly: the umask does not narrow it. */
  async #makeDir(operation: string): Promise<void> {
    try {
      const created = await mkdir(this.#dir, { recursive: true, mode: this.#dirMode });
      if (created !== undefined) await chmod(this.#dir, this.#dirMode);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') throw new StoreError(this.name, operation, error, `the session folder ${this.#dir} is not a folder`);
      throw new StoreError(this.name, operation, error, `cannot create the session folder ${this.#dir}: ${errorReason(error)}`);
    }
  }

  /**
   * Runs `fn` holding `key`'s lock (in-process mutex, then the lock file), within
   * `lockTimeoutMs` overall. Failures become `StoreError`s for `operation`.
   */
  async #locked<T>(key: string, operation: string, fn: (lock: FileLock) => Promise<T>, lockPath = join(this.#dir, fileStem(key) + LOCK_SUFFIX)): Promise<T> {
    const run = (): Promise<T> => {
      const deadline = Date.now() + this.#lockTimeoutMs;
      return this.#mutex.run(key, async () => {
        const lock = await this.#acquire(lockPath, operation, deadline);
        try {
          return await fn(lock);
        } finally {
          await lock.release();
        }
      });
    };
    return guard(this.name, operation, () => this.#withDir(operation, run));
  }

  /** Takes the lock file at `lockPath`, waiting until `deadline` (epoch ms) at most. */
  async #acquire(lockPath: string, operation: string, deadline: number): Promise<FileLock> {
    try {
      return await acquireFileLock(lockPath, this.#lockTimeoutMs, deadline);
    } catch (error) {
      if (error instanceof LockTimeoutError) {
        throw new StoreError(this.name, operation, error, `session is locked by another writer (waited ${this.#lockTimeoutMs} ms)`);
      }
      throw error;
    }
  }

  /**
   * The record stored under `key`, expired or not; `null` when there is no file. A missing
   * folder is not an absent record: its `ENOENT` is thrown, for `#withDir`.
   */
  async #read(key: string, operation: string): Promise<FileRecord | null> {
    const path = this.#recordPath(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT' || !(await this.#isDir())) throw error;
      return null;
    }
    let record: FileRecord;
    try {
      record = decodeFileRecord(bytes);
    } catch (error) {
      throw new StoreError(this.name, operation, error, `${path} is damaged: ${(error as Error).message}`);
    }
    // Only a hashed name can hold another key (a SHA-256 collision); never return it.
    return record.key === key ? record : null;
  }

  async #isDir(): Promise<boolean> {
    try {
      return (await stat(this.#dir)).isDirectory();
    } catch {
      return false;
    }
  }

  /** Writes the record to a temporary file, then renames it over the record file. */
  async #write(key: string, version: string, expiresAt: number, value: Uint8Array, lock: FileLock): Promise<void> {
    await replaceFileAtomically(this.#recordPath(key), encodeFileRecord(key, version, expiresAt, value), this.#mode, TEMP_SUFFIX, lock);
  }

  /** The header of a record file; `null` if it vanished or is not a record. */
  async #readHeader(path: string): Promise<FileRecordHeader | null> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
    try {
      let size = 512;
      for (;;) {
        const buffer = Buffer.alloc(size);
        const { bytesRead } = await handle.read(buffer, 0, size, 0);
        let header;
        try {
          header = decodeFileRecordHeader(buffer.subarray(0, bytesRead));
        } catch {
          return null;
        }
        if (!('needBytes' in header)) return header;
        if (bytesRead < size || header.needBytes <= size) return null; // truncated file
        size = header.needBytes;
      }
    } finally {
      await handle.close();
    }
  }

  /** Removes the record file at `path` if it has expired, checked again under its lock (skipped when locked). */
  async #removeIfExpired(path: string): Promise<boolean> {
    const isStale = (header: FileRecordHeader | null): boolean => header !== null && isExpired(header.expiresAt, this.#clock());
    if (!isStale(await this.#readHeader(path))) return false;
    const lock = await tryFileLock(path.slice(0, -RECORD_SUFFIX.length) + LOCK_SUFFIX, this.#lockTimeoutMs);
    if (!lock) return false;
    try {
      return isStale(await this.#readHeader(path)) && (await unlinkIfPresent(path));
    } finally {
      await lock.release();
    }
  }

  async #removeIfOlder(path: string, ageMs: number): Promise<void> {
    try {
      if (Date.now() - (await stat(path)).mtimeMs > ageMs) await unlink(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
  }

  /** Counts the new file and enforces `threshold`. */
  async #afterCreate(): Promise<void> {
    if (this.#threshold === 0) return;
    if (this.#count !== undefined) this.#count++;
    if (this.#count !== undefined && this.#count <= this.#threshold) return;
    this.#pruning ??= this.#prune().finally(() => {
      this.#pruning = undefined;
    });
    // The session was stored; failing to prune others must not fail its creation. The next
    // create retries, and a broken folder surfaces in the next call anyway.
    await this.#pruning.catch(() => undefined);
  }

  /** Removes expired files, then the least recently written, down to 90% of `threshold`. */
  async #prune(): Promise<void> {
    const names = (await readdir(this.#dir)).filter((name) => name.endsWith(RECORD_SUFFIX));
    let count = names.length;
    this.#count = count;
    if (count <= this.#threshold) return;
    const files: { path: string; mtimeMs: number }[] = [];
    for (const name of names) {
      const path = join(this.#dir, name);
      const header = await this.#readHeader(path);
      if (header && isExpired(header.expiresAt, this.#clock())) {
        if (await this.#removeIfExpired(path)) count--;
        continue;
      }
      const info = await stat(path).catch((error: unknown) => {
        if (errorCode(error) === 'ENOENT') return null;
        throw error;
      });
      if (info) files.push({ path, mtimeMs: info.mtimeMs });
      else count--;
    }
    const target = Math.floor(this.#threshold * EVICT_DOWN_TO);
    files.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const file of files) {
      if (count <= target) break;
      if (await this.#removeIfUnchanged(file.path, file.mtimeMs)) count--;
    }
    this.#count = count;
  }

  /** Evicts a record file unless it is locked or was rewritten since it was listed. */
  async #removeIfUnchanged(path: string, mtimeMs: number): Promise<boolean> {
    const lock = await tryFileLock(path.slice(0, -RECORD_SUFFIX.length) + LOCK_SUFFIX, this.#lockTimeoutMs);
    if (!lock) return false;
    try {
      const now = await stat(path).catch(() => null);
      if (!now || now.mtimeMs !== mtimeMs) return false;
      return await unlinkIfPresent(path);
    } finally {
      await lock.release();
    }
  }
}

/** Reads a permission-bits option (`mode`, `dirMode`): 0 to 0o777. */
function permissionBits(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_MODE) {
    throw new ConfigError(name, `expected permission bits from 0 to 0o777, got ${describe(value)}`);
  }
  return value;
}
