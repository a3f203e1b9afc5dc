import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { rejectUnknownOptions, validate } from '../../config.js';
import { StoreError } from '../../errors.js';
import { errorReason } from '../../internal/error-text.js';
import type { Store, StoreRecord, UpdateResult } from '../store.js';
import { asPlainBytes } from '../internal/bytes.js';
import { importDriver } from '../internal/driver.js';
import { guard, StorageMissingError } from '../internal/errors.js';
import { keysInPages } from '../internal/key-pages.js';
import { LazyConnection } from '../internal/lazy-connection.js';
import { optionNames } from '../internal/options.js';
import { checkTtl } from '../internal/ttl.js';
import { KEYS_PAGE_SIZE, sqliteStatements, type SqliteQueryName, type SqliteStatements } from './statements.js';

export { DriverMissingError } from '../internal/driver.js';
export { StorageMissingError } from '../internal/errors.js';

/**
 * The part of a better-sqlite3 `Database` the store uses. Declared here so that sessionkit's
 * types do not depend on `@types/better-sqlite3`; a `new Database(...)` fits it.
 */
export interface SqliteDatabase {
  prepare(source: string): SqliteStatement;
  exec(source: string): unknown;
  close(): unknown;
}

/** The part of a better-sqlite3 `Statement` the store uses. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** Options of `SqliteStore`. */
export interface SqliteStoreOptions {
  /**
   * Database file; its folder is created (mode 0700) if missing. `":memory:"` gives a private
   * in-memory database. Ignored when `database` is given. Default: `defaultSqlitePath()`,
   * i.e. `.sessionkit/sessions.sqlite` under the working directory.
   */
  path?: string;
  /** Table holding the sessions (a plain identifier); created if absent. Default: `"sessions"`. */
  table?: string;
  /**
   * Whether the store creates what is missing: the database file and its folder, the tables and
   * the index. With `false` it creates and changes nothing (read-only tools): a missing file or
   * table is a `StorageMissingError`, and a database it opens keeps its journal mode.
   * Default: `true`.
   */
  createTable?: boolean;
  /**
   * Interval of the background `sweep()` that deletes expired rows, in milliseconds; `0`
   * disables it (call `sweep()` yourself). The timer does not keep the process alive.
   * Default: `300_000` (5 minutes).
   */
  sweepIntervalMs?: number;
  /**
   * How long a write waits for another connection (another process) holding the database's
   * write lock before failing with `StoreError`. Only for databases the store opens itself.
   * Default: `5000`.
   */
  busyTimeoutMs?: number;
  /**
   * An open better-sqlite3 `Database` to use instead of opening `path`. The store creates its
   * table in it but leaves its settings (journal mode, busy timeout) alone and never closes it.
   */
  database?: SqliteDatabase;
  /**
   * Current time in epoch milliseconds, from which rows' expiry is computed and checked; inject
   * one to test expiry. Default: `Date.now`.
   */
  clock?: () => number;
}

/** `<cwd>/.sessionkit/sessions.sqlite`: where the default store keeps its database. */
export function defaultSqlitePath(): string {
  return join(process.cwd(), '.sessionkit', 'sessions.sqlite');
}

interface Opened {
  db: SqliteDatabase;
  sql: Record<SqliteQueryName, SqliteStatement>;
}

interface RecordRow {
  value: Uint8Array;
  version: number;
  expires_at: number;
}

const VERSION = /^[1-9][0-9]{0,15}$/;
/** Longest delay `setInterval` accepts (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;
/** Default `sweepIntervalMs`: expired rows cost only disk space, so a sweep every 5 minutes is plenty. */
const DEFAULT_SWEEP_INTERVAL_MS = 300_000;
/** Default `busyTimeoutMs`: far beyond any single write of another process, so only a stuck one fails it. */
const DEFAULT_BUSY_TIMEOUT_MS = 5000;
const OPTIONS = optionNames<SqliteStoreOptions>({
  path: true,
  table: true,
  createTable: true,
  sweepIntervalMs: true,
  busyTimeoutMs: true,
  database: true,
  clock: true,
});

/**
 * Sessions in an SQLite database through better-sqlite3 (version 12, an optional peer
 * dependency, imported on first use): the embedded default store, shared safely by every
 * process on the machine that opens the same file.
 *
 * Each call is one short SQLite transaction, so it is atomic across connections and processes:
 * conditional writes are `UPDATE … WHERE key = ? AND version = ? AND expires_at > now` and
 * `INSERT … ON CONFLICT DO UPDATE … WHERE expires_at <= now` (a create replaces only an expired
 * row). Versions come from a counter table and are never reused. Expired rows are invisible to
 * every query and deleted by `sweep()`. The database it opens runs in WAL mode (readers never
 * wait for writers) with a busy timeout. better-sqlite3 is synchronous: a call blocks the event
 * loop for its (sub-millisecond) duration, or up to `busyTimeoutMs` when another process holds
 * the write lock.
 */
export class SqliteStore implements Store {
  /** Always `"sqlite"`. */
  readonly name = 'sqlite';
  readonly #database: SqliteDatabase | undefined;
  readonly #path: string | undefined;
  readonly #sweepIntervalMs: number;
  readonly #busyTimeoutMs: number;
  readonly #createsTable: boolean;
  readonly #clock: () => number;
  readonly #connection: LazyConnection<Opened>;
  #timer: NodeJS.Timeout | undefined;

  /** Validates the options; the database is opened on first use. */
  constructor(options: SqliteStoreOptions = {}) {
    rejectUnknownOptions(options, OPTIONS, 'SqliteStore');
    const statements = sqliteStatements(validate.string('table', options.table ?? 'sessions'));
    this.#database = options.database;
    this.#path = options.path === undefined ? undefined : validate.string('path', options.path, { nonEmpty: false });
    this.#sweepIntervalMs = validate.milliseconds('sweepIntervalMs', options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS, { min: 0 });
    this.#busyTimeoutMs = validate.milliseconds('busyTimeoutMs', options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, { min: 0 });
    this.#createsTable = validate.boolean('createTable', options.createTable ?? true);
    this.#clock = validate.function('clock', options.clock ?? Date.now);
    this.#connection = new LazyConnection(
      this.name,
      (operation) => this.#connect(operation, statements),
      ({ db }) => {
        // A database passed in stays open.
        if (!this.#database) closeQuietly(db);
      },
    );
  }

  /** Reads a live record. */
  async load(key: string): Promise<StoreRecord | null> {
    return guard(this.name, 'load', async () => {
      const { sql } = await this.#connection.get('load');
      const row = sql.load.get(key, this.#clock()) as RecordRow | undefined;
      if (!row) return null;
      return { value: asPlainBytes(row.value), version: String(row.version), expiresAt: row.expires_at };
    });
  }

  /** Inserts a record, or replaces an expired one; `null` when a live record holds the key. */
  async create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null> {
    const ttl = checkTtl(ttlMs);
    return guard(this.name, 'create', async () => {
      const opened = await this.#connection.get('create');
      return this.#transaction(opened, (version) => {
        const now = this.#clock();
        const { changes } = opened.sql.create.run({ key, value, version, expiresAt: now + ttl, now });
        return changes === 1 ? { commit: true, result: String(version) } : { commit: false, result: null };
      });
    });
  }

  /** Replaces the value of a live record that still has `expectedVersion`. */
  async update(key: string, value: Uint8Array, expectedVersion: string, ttlMs: number): Promise<UpdateResult> {
    const ttl = checkTtl(ttlMs);
    const expected = VERSION.test(expectedVersion) ? Number(expectedVersion) : -1;
    return guard(this.name, 'update', async () => {
      const opened = await this.#connection.get('update');
      return this.#transaction(opened, (version): { commit: boolean; result: UpdateResult } => {
        const now = this.#clock();
        const { changes } = opened.sql.update.run({ key, value, version, expiresAt: now + ttl, expected, now });
        if (changes === 1) return { commit: true, result: { ok: true, version: String(version) } };
        const live = opened.sql.isLive.get(key, now) !== undefined;
        return { commit: false, result: { ok: false, reason: live ? 'conflict' : 'missing' } };
      });
    });
  }

  /** Moves the expiry of a live record; keeps its version. */
  async touch(key: string, ttlMs: number): Promise<boolean> {
    const ttl = checkTtl(ttlMs);
    return guard(this.name, 'touch', async () => {
      const { sql } = await this.#connection.get('touch');
      const now = this.#clock();
      return sql.touch.run(now + ttl, key, now).changes === 1;
    });
  }

  /** Deletes the row, if any. */
  async destroy(key: string): Promise<void> {
    return guard(this.name, 'destroy', async () => {
      const { sql } = await this.#connection.get('destroy');
      sql.destroy.run(key);
    });
  }

  /** Deletes every expired row; returns how many. */
  async sweep(): Promise<number> {
    return guard(this.name, 'sweep', async () => {
      const { sql } = await this.#connection.get('sweep');
      return sql.sweep.run(this.#clock()).changes;
    });
  }

  /** Lists live keys starting with `prefix`, in key order, a page of rows per query. */
  keys(prefix: string): AsyncIterable<string> {
    const page = (after: string | undefined): Promise<string[]> =>
      guard(this.name, 'keys', async () => {
        const { sql } = await this.#connection.get('keys');
        const now = this.#clock();
        const rows = (after === undefined ? sql.keysFrom.all(prefix, now) : sql.keysAfter.all(after, now)) as { key: string }[];
        return rows.map((row) => row.key);
      });
    // Pages start at the prefix in key order: the keys with the prefix come first, together.
    return keysInPages(prefix, KEYS_PAGE_SIZE, page, { contiguous: true });
  }

  /** Opens the database (creating the file and tables unless `createTable` is false) and reads from it. */
  async ready(): Promise<void> {
    return guard(this.name, 'ready', async () => {
      const { sql } = await this.#connection.get('ready');
      sql.isLive.get('', this.#clock());
    });
  }

  /** Stops the background sweep and closes the database if the store opened it. */
  async close(): Promise<void> {
    await this.#connection.close();
    // After the connection: an open still in progress has started the timer by now.
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Runs `body` in a write transaction with a fresh version from the counter; commits or rolls
   * back (which also gives the version back) as `body` says.
   */
  #transaction<T>({ sql }: Opened, body: (version: number) => { commit: boolean; result: T }): T {
    sql.begin.run();
    try {
      const { last } = sql.nextVersion.get() as { last: number };
      const { commit, result } = body(last);
      (commit ? sql.commit : sql.rollback).run();
      return result;
    } catch (error) {
      try {
        sql.rollback.run();
      } catch {
        // No transaction left to roll back (SQLite already did); report the original failure.
      }
      throw error;
    }
  }

  /**
   * Opens the database (or takes the given one), creates the tables (or checks that they exist)
   * and prepares the statements; a failure is retried by the next call.
   */
  async #connect(operation: string, statements: SqliteStatements): Promise<Opened> {
    const given = this.#database;
    const path = this.#path ?? defaultSqlitePath();
    const create = this.#createsTable;
    let db: SqliteDatabase;
    if (given) {
      db = given;
    } else {
      const driver = await importDriver(this.name, operation, {
        packageName: 'better-sqlite3',
        versionRange: '12',
        load: () => import('better-sqlite3'),
      });
      const inMemory = path === ':memory:' || path === '';
      if (!create && !inMemory && !existsSync(path)) {
        throw new StorageMissingError(this.name, operation, `the database file ${path}`, 'createTable');
      }
      try {
        if (create && !inMemory) await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        // better-sqlite3 takes whole milliseconds.
        db = new driver.default(path, { timeout: Math.ceil(this.#busyTimeoutMs), fileMustExist: !create && !inMemory });
      } catch (error) {
        throw new StoreError(this.name, operation, error, `cannot open the database at ${path}: ${errorReason(error)}`);
      }
    }
    try {
      if (!given) {
        if (create) db.exec('PRAGMA journal_mode = WAL');
        db.exec('PRAGMA synchronous = NORMAL');
      }
      if (create) db.exec(statements.schema);
      else this.#checkTables(db, operation, statements.tables);
      const sql = Object.fromEntries(Object.entries(statements.queries).map(([name, source]) => [name, db.prepare(source)])) as Opened['sql'];
      this.#startSweeping();
      return { db, sql };
    } catch (error) {
      if (!given) closeQuietly(db);
      if (error instanceof StorageMissingError) throw error;
      throw new StoreError(this.name, operation, error, `cannot set up the database at ${given ? 'the given connection' : path}: ${errorReason(error)}`);
    }
  }

  /** Throws `StorageMissingError` unless every table the store uses exists. */
  #checkTables(db: SqliteDatabase, operation: string, tables: readonly string[]): void {
    const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`);
    for (const table of tables) {
      if (exists.get(table) === undefined) throw new StorageMissingError(this.name, operation, `the table ${table}`, 'createTable');
    }
  }

  #startSweeping(): void {
    const interval = this.#sweepIntervalMs;
    if (interval === 0 || this.#timer) return;
    // A failing background sweep is not reported: the next call on the store surfaces the problem.
    this.#timer = setInterval(() => void this.sweep().catch(() => undefined), Math.min(interval, MAX_TIMER_MS));
    this.#timer.unref();
  }
}

/** Closes a connection the store opened, ignoring failure (it is being discarded anyway). */
function closeQuietly(db: SqliteDatabase): void {
  try {
    db.close();
  } catch {
    // Nothing useful to do: the connection is unusable or already closed.
  }
}
