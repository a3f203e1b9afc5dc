import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError, StoreError } from '../errors.js';
import type { Store, StoreRecord, UpdateResult } from './store.js';
import { asPlainBytes } from './internal/bytes.js';
import { importDriver } from './internal/driver.js';
import { guard } from './internal/errors.js';
import { KEYS_PAGE_SIZE, sqliteStatements, type SqliteQueryName, type SqliteStatements } from './internal/sqlite-sql.js';
import { checkTtl } from './internal/ttl.js';

export { DriverMissingError } from './internal/driver.js';

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
  readonly #options: SqliteStoreOptions;
  readonly #statements: SqliteStatements;
  #opening: Promise<Opened> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** Validates the options; the database is opened on first use. */
  constructor(options: SqliteStoreOptions = {}) {
    this.#options = options;
    this.#statements = sqliteStatements(options.table ?? 'sessions');
    const interval = options.sweepIntervalMs ?? 300_000;
    if (!Number.isFinite(interval) || interval < 0) {
      throw new ConfigError('sweepIntervalMs', `must be 0 or a positive number, got ${String(interval)}`);
    }
    const busy = options.busyTimeoutMs ?? 5000;
    if (!Number.isInteger(busy) || busy < 0) {
      throw new ConfigError('busyTimeoutMs', `must be 0 or a positive integer, got ${String(busy)}`);
    }
  }

  /** Reads a live record. */
  async load(key: string): Promise<StoreRecord | null> {
    return guard(this.name, 'load', async () => {
      const { sql } = await this.#open('load');
      const row = sql.load.get(key, Date.now()) as RecordRow | undefined;
      if (!row) return null;
      return { value: asPlainBytes(row.value), version: String(row.version), expiresAt: row.expires_at };
    });
  }

  /** Inserts a record, or replaces an expired one; `null` when a live record holds the key. */
  async create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null> {
    const ttl = checkTtl(ttlMs);
    return guard(this.name, 'create', async () => {
      const opened = await this.#open('create');
      return this.#transaction(opened, (version) => {
        const now = Date.now();
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
      const opened = await this.#open('update');
      return this.#transaction(opened, (version): { commit: boolean; result: UpdateResult } => {
        const now = Date.now();
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
      const { sql } = await this.#open('touch');
      const now = Date.now();
      return sql.touch.run(now + ttl, key, now).changes === 1;
    });
  }

  /** Deletes the row, if any. */
  async destroy(key: string): Promise<void> {
    return guard(this.name, 'destroy', async () => {
      const { sql } = await this.#open('destroy');
      sql.destroy.run(key);
    });
  }

  /** Deletes every expired row; returns how many. */
  async sweep(): Promise<number> {
    return guard(this.name, 'sweep', async () => {
      const { sql } = await this.#open('sweep');
      return sql.sweep.run(Date.now()).changes;
    });
  }

  /** Lists live keys starting with `prefix`, in key order, a page of rows per query. */
  async *keys(prefix: string): AsyncIterable<string> {
    let after: string | undefined;
    for (;;) {
      const page = await guard(this.name, 'keys', async () => {
        const { sql } = await this.#open('keys');
        const rows = (after === undefined ? sql.keysFrom.all(prefix, Date.now()) : sql.keysAfter.all(after, Date.now())) as {
          key: string;
        }[];
        return rows.map((row) => row.key);
      });
      for (const key of page) {
        if (!key.startsWith(prefix)) return;
        yield key;
      }
      const last = page.at(-1);
      if (last === undefined || page.length < KEYS_PAGE_SIZE) return;
      after = last;
    }
  }

  /** Stops the background sweep and closes the database if the store opened it. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const opening = this.#opening;
    this.#opening = undefined;
    if (!opening || this.#options.database) return;
    const opened = await opening.catch(() => undefined);
    if (opened) closeQuietly(opened.db);
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

  #open(operation: string): Promise<Opened> {
    if (this.#closed) return Promise.reject(new StoreError(this.name, operation, undefined, 'the store is closed'));
    if (!this.#opening) {
      this.#opening = this.#connect(operation);
      // A failed open is retried by the next call (the folder may exist by then).
      this.#opening.catch(() => {
        this.#opening = undefined;
      });
    }
    return this.#opening;
  }

  async #connect(operation: string): Promise<Opened> {
    const given = this.#options.database;
    const path = this.#options.path ?? defaultSqlitePath();
    let db: SqliteDatabase;
    if (given) {
      db = given;
    } else {
      const driver = await importDriver(this.name, operation, {
        packageName: 'better-sqlite3',
        versionRange: '12',
        load: () => import('better-sqlite3'),
      });
      try {
        if (path !== ':memory:' && path !== '') await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        db = new driver.default(path, { timeout: this.#options.busyTimeoutMs ?? 5000 });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new StoreError(this.name, operation, error, `cannot open the database at ${path}: ${reason}`);
      }
    }
    try {
      if (!given) {
        db.exec('PRAGMA journal_mode = WAL');
        db.exec('PRAGMA synchronous = NORMAL');
      }
      db.exec(this.#statements.schema);
      const sql = Object.fromEntries(
        Object.entries(this.#statements.queries).map(([name, source]) => [name, db.prepare(source)]),
      ) as Opened['sql'];
      this.#startSweeping();
      return { db, sql };
    } catch (error) {
      if (!given) closeQuietly(db);
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreError(this.name, operation, error, `cannot set up the database at ${given ? 'the given connection' : path}: ${reason}`);
    }
  }

  #startSweeping(): void {
    const interval = this.#options.sweepIntervalMs ?? 300_000;
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
