import type { CompiledQuery, MysqlPool, PostgresPool, QueryResult, SqliteDatabase } from 'kysely';
import { rejectUnknownOptions, validate } from '../../config.js';
import { ConfigError, StoreError } from '../../errors.js';
import { errorReason } from '../../internal/error-text.js';
import type { Store, StoreLayout, StoreRecord, UpdateResult } from '../store.js';
import { DEFAULT_TIMEOUT_MS, withTimeout } from '../internal/deadline.js';
import { errorCode, guard, StorageMissingError } from '../internal/errors.js';
import { keysInPages } from '../internal/key-pages.js';
import { layoutOption } from '../internal/layout.js';
import { LazyConnection } from '../internal/lazy-connection.js';
import { optionNames } from '../internal/options.js';
import { checkTtl } from '../internal/ttl.js';
import { describeTarget, loadSqlDrivers, openSqlConnection, type SqlConnection, type SqlConnectionOptions } from './connect.js';
import { FlaskSessionTable } from './flask-session-layout.js';
import { FlaskSessionQueries } from './flask-session-queries.js';
import { KEYS_PAGE_SIZE, SessionQueries, type SessionRow } from './queries.js';
import { executeRetryingDeadlocks } from './retry.js';
import { SQL_DIALECTS, type KyselyExecutor, type SqlDialectName } from './types.js';
import { initialVersion, parseVersion } from './version.js';

export { DriverMissingError } from '../internal/driver.js';
export { StorageMissingError } from '../internal/errors.js';
export type { KyselyExecutor, SqlDialectName } from './types.js';

/** Options every dialect of `SqlStore` takes. */
export interface SqlStoreCommonOptions {
  /**
   * The sessions table, `name` or `schema.name` (Flask-Session's `SESSION_SQLALCHEMY_TABLE`).
   * Default: `"sessions"`.
   */
  table?: string;
  /**
   * Longest time a store call may take, in milliseconds, getting a connection included; past
   * it the call fails with `StoreError`. Also the connect timeout of a pool the store creates.
   * Default: `2000`.
   */
  timeoutMs?: number;
  /**
   * Whether the store runs `CREATE TABLE IF NOT EXISTS` (and its index) on first use. Turn it
   * off when migrations own the schema (see docs/stores-more.md for the DDL), or to create
   * nothing at all: the store then checks that the table exists (and, on SQLite, opens only an
   * existing file), failing with `StorageMissingError` when it does not. Default: `true`.
   */
  createTable?: boolean;
  /**
   * A `Kysely` instance (kysely 0.28) to run the queries through, instead of a pool. The store
   * uses it without its plugins, and never destroys it. Its pool's `'error'` events are yours
   * to listen to (the store cannot reach them).
   */
  kysely?: KyselyExecutor;
  /**
   * Current time in epoch milliseconds, from which rows' expiry is computed and checked; inject
   * one to test expiry. Default: `Date.now`.
   */
  clock?: () => number;
  /**
   * How sessions are laid out. `'sessionkit'` (default): the table above, with a version and an
   * exact expiry. `'flask-session'`: Flask-Session 0.8's SQLAlchemy table `(id, session_id,
   * data, expiry)`, created as SQLAlchemy creates it, so a Flask app and this store share
   * sessions; the version is then the SHA-1 of `data` (compare-and-set on the data). Use it with
   * `ServerSessionInterface`'s `serializationFormat`. See docs/stores-more.md.
   */
  layout?: StoreLayout;
}

/** `SqlStore` on PostgreSQL, through node-postgres (`pg` 8). */
export interface PostgresSqlStoreOptions extends SqlStoreCommonOptions {
  dialect: 'postgres';
  /** A `pg.Pool` to use; the store never ends it. */
  pool?: PostgresPool;
  /**
   * For a pool the store creates (and ends in `close()`): a connection string, or `pg.Pool`
   * options. Default: node-postgres' defaults (the `PG*` environment variables).
   */
  connection?: string | Readonly<Record<string, unknown>>;
}

/** `SqlStore` on MySQL or MariaDB, through mysql2 (version 3). */
export interface MysqlSqlStoreOptions extends SqlStoreCommonOptions {
  dialect: 'mysql';
  /** A pool from mysql2's `createPool` (not `mysql2/promise`); the store never ends it. */
  pool?: MysqlPool;
  /**
   * For a pool the store creates (and ends in `close()`): a `mysql://` URI, or mysql2 pool
   * options. Default: mysql2's defaults (localhost:3306, user root, no database: give one).
   */
  connection?: string | Readonly<Record<string, unknown>>;
}

/** `SqlStore` on SQLite, through better-sqlite3 (version 12). */
export interface SqliteSqlStoreOptions extends SqlStoreCommonOptions {
  dialect: 'sqlite';
  /** An open better-sqlite3 `Database`; the store never closes it. */
  database?: SqliteDatabase;
  /** The database file for a connection the store opens (and closes in `close()`); `":memory:"` works. */
  filename?: string;
}

/** Options of `SqlStore`: the dialect, and how to reach the database. */
export type SqlStoreOptions = PostgresSqlStoreOptions | MysqlSqlStoreOptions | SqliteSqlStoreOptions;

const TABLE = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;
/** The key column is 255 wide. */
const MAX_KEY_LENGTH = 255;
/** Pause before running the DDL again after another process's concurrent `CREATE TABLE` made it fail. */
const CREATE_TABLE_RETRY_MS = 100;

const COMMON_OPTIONS = { dialect: true, table: true, timeoutMs: true, createTable: true, kysely: true, clock: true, layout: true } as const;
/** The options each dialect accepts. */
const OPTIONS: Record<SqlDialectName, ReadonlySet<string>> = {
  postgres: optionNames<PostgresSqlStoreOptions>({ ...COMMON_OPTIONS, pool: true, connection: true }),
  mysql: optionNames<MysqlSqlStoreOptions>({ ...COMMON_OPTIONS, pool: true, connection: true }),
  sqlite: optionNames<SqliteSqlStoreOptions>({ ...COMMON_OPTIONS, database: true, filename: true }),
};

interface Opened extends SqlConnection {
  queries: SessionQueries;
  /** The operations on Flask-Session's table, in the `'flask-session'` layout. */
  flask: FlaskSessionTable | undefined;
  /** Runs one statement, again if it was a deadlock victim. */
  execute<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/**
 * Sessions in a SQL table through kysely (0.28) on PostgreSQL, MySQL / MariaDB or SQLite.
 * kysely and the dialect's driver are optional peer dependencies, imported on first use.
 *
 * One row per session: `key` (primary key), `value` (bytes), `version` (BIGINT), `expires_at`
 * (BIGINT, epoch milliseconds, indexed). Every call is a single statement, atomic in the
 * database, so any number of processes can share the table:
 * - create: PostgreSQL and SQLite `INSERT … ON CONFLICT (key) DO UPDATE … WHERE expires_at <= now`
 *   (replaces only an expired row); MySQL deletes the key's row if expired, then `INSERT`s, a
 *   duplicate key meaning a live row holds it. Either way two creates of one key: one wins.
 * - update: `UPDATE … WHERE key = ? AND version = ? AND expires_at > now`, checking the affected
 *   rows; it never recreates a row.
 * - touch: `UPDATE … SET expires_at WHERE key = ? AND expires_at > now`; destroy: `DELETE`.
 * Expired rows are invisible to every query; `sweep()` deletes them (call it now and then, e.g.
 * from a timer). Times come from this process's clock.
 *
 * With `layout: 'flask-session'` the rows are Flask-Session's instead (`flask-session-layout.ts`).
 */
export class SqlStore implements Store {
  /** `"sql (postgres)"`, `"sql (mysql)"` or `"sql (sqlite)"`. */
  readonly name: string;
  /** The dialect given in the options. */
  readonly dialect: SqlDialectName;
  readonly #options: SqlStoreOptions;
  readonly #table: string;
  readonly #timeoutMs: number;
  /** Upper bound of one call in milliseconds (the `timeoutMs` option). */ get timeoutMs(): number { return this.#timeoutMs; }
  readonly #createsTable: boolean;
  readonly #clock: () => number;
  readonly #flaskLayout: boolean;
  readonly #connection: LazyConnection<Opened>;

  /** Validates the options; nothing is loaded or connected before the first call. */
  constructor(options: SqlStoreOptions) {
    const dialect = validate.oneOf('dialect', options?.dialect, SQL_DIALECTS);
    rejectUnknownOptions(options, OPTIONS[dialect], 'SqlStore');
    this.dialect = dialect;
    this.name = `sql (${dialect})`;
    this.#options = options;
    this.#table = validate.string('table', options.table ?? 'sessions');
    if (!TABLE.test(this.#table)) throw new ConfigError('table', `expected a plain table name (letters, digits, _; optionally schema.table), got "${this.#table}"`);
    this.#timeoutMs = validate.milliseconds('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#createsTable = validate.boolean('createTable', options.createTable ?? true);
    this.#clock = validate.function('clock', options.clock ?? Date.now);
    this.#flaskLayout = layoutOption(options.layout) === 'flask-session';
    this.#connection = new LazyConnection(this.name, (operation) => this.#connect(operation), (opened) => opened.release?.());
    const sources = [options.kysely, 'pool' in options ? options.pool : undefined, 'database' in options ? options.database : undefined];
    const given = sources.filter((source) => source !== undefined).length;
    const settings = ('connection' in options && options.connection !== undefined) || ('filename' in options && options.filename !== undefined);
    if (given > 1 || (given === 1 && settings)) throw new ConfigError('kysely', 'give one way to reach the database: kysely, pool/database, or connection/filename');
    if (dialect === 'sqlite' && given === 0 && !settings) throw new ConfigError('filename', 'the sqlite dialect needs a filename, a database or a kysely instance');
  }

  /** Reads a live row. */
  async load(key: string): Promise<StoreRecord | null> {
    return this.#run('load', async (db) => {
      if (db.flask) return db.flask.load(db.execute, key, this.#clock());
      const { rows } = await db.execute(db.queries.load(key, this.#clock()));
      const row = rows[0];
      return row ? recordOf(row) : null;
    });
  }

  /** Inserts a row, or replaces an expired one; `null` when a live row holds the key. */
  async create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null> {
    const ttl = checkTtl(ttlMs);
    checkKey(key);
    return this.#run('create', async (db) => {
      if (db.flask) return db.flask.create(db.execute, key, value, ttl, this.#clock);
      const version = initialVersion();
      const now = this.#clock();
      if (this.dialect !== 'mysql') {
        const result = await db.execute(db.queries.insertOrReplaceExpired(key, value, version, now + ttl, now));
        return affected(result) > 0 ? String(version) : null;
      }
      await db.execute(db.queries.deleteExpired(key, now));
      try {
        await db.execute(db.queries.insert(key, value, version, now + ttl));
        return String(version);
      } catch (error) {
        if (errorCode(error) === 'ER_DUP_ENTRY') return null;
        throw error;
      }
    });
  }

  /** Replaces the value of a live row that still has `expectedVersion`. */
  async update(key: string, value: Uint8Array, expectedVersion: string, ttlMs: number): Promise<UpdateResult> {
    const ttl = checkTtl(ttlMs);
    const expected = parseVersion(expectedVersion);
    return this.#run('update', async (db): Promise<UpdateResult> => {
      if (db.flask) return db.flask.update(db.execute, key, value, expectedVersion, ttl, this.#clock);
      const now = this.#clock();
      if (expected !== undefined) {
        const version = expected + 1;
        const result = await db.execute(db.queries.update(key, value, version, now + ttl, expected, now));
        if (affected(result) > 0) return { ok: true, version: String(version) };
      }
      return { ok: false, reason: (await this.#isLive(db, key)) ? 'conflict' : 'missing' };
    });
  }

  /** Moves the expiry of a live row; keeps its version. */
  async touch(key: string, ttlMs: number): Promise<boolean> {
    const ttl = checkTtl(ttlMs);
    return this.#run('touch', async (db) => {
      if (db.flask) return db.flask.touch(db.execute, key, ttl, this.#clock);
      const now = this.#clock();
      const result = await db.execute(db.queries.touch(key, now + ttl, now));
      if (affected(result) > 0) return true;
      // MySQL without CLIENT_FOUND_ROWS counts only changed rows: an unchanged expiry reads as 0.
      if (this.dialect === 'mysql') return this.#isLive(db, key);
      return false;
    });
  }

  /** Deletes the row, if any. */
  async destroy(key: string): Promise<void> {
    await this.#run('destroy', async (db) => {
      if (db.flask) await db.flask.destroy(db.execute, key);
      else await db.execute(db.queries.destroy(key));
    });
  }

  /** Deletes every expired row; returns how many. */
  async sweep(): Promise<number> {
    return this.#run('sweep', async (db) =>
      db.flask ? db.flask.sweep(db.execute, this.#clock()) : affected(await db.execute(db.queries.sweep(this.#clock()))),
    );
  }

  /** Lists live keys starting with `prefix`, in key order, a page of rows per query. */
  keys(prefix: string): AsyncIterable<string> {
    if (this.#flaskLayout) return this.#flaskKeys(prefix);
    const page = (after: string | undefined): Promise<string[]> =>
      this.#run('keys', async (db) => {
        const { rows } = await db.execute(db.queries.keysPage(prefix, after, this.#clock()));
        return rows.map((row) => keyText(row.key));
      });
    // LIKE only narrows the rows (SQLite's ignores ASCII case): keys without the prefix are skipped.
    return keysInPages(prefix, KEYS_PAGE_SIZE, page, { contiguous: false });
  }

  /**
   * Loads the drivers, then, within `timeoutMs`, connects (once), checks or creates the table,
   * and runs `select 1`: resolves once the database answers, or rejects with the reason
   * (`StoreError`: connection refused, password refused, unknown database;
   * `StorageMissingError`, `DriverMissingError`).
   */
  async ready(): Promise<void> {
    await guard(this.name, 'ready', () => loadSqlDrivers(this.name, 'ready', this.#connectionOptions()));
    await this.#run('ready', (db) => db.execute(db.queries.probe()));
  }

  /** Releases a pool or database the store opened itself (never one passed in). */
  async close(): Promise<void> {
    await this.#connection.close();
  }

  /** `keys()` on Flask-Session's table: a page of rows per query, expired ones skipped. */
  async *#flaskKeys(prefix: string): AsyncIterable<string> {
    let after: string | undefined;
    do {
      const page = await this.#run('keys', (db) => db.flask!.keysPage(db.execute, prefix, after, this.#clock()));
      yield* page.keys;
      after = page.after;
    } while (after !== undefined);
  }

  async #isLive(db: Opened, key: string): Promise<boolean> {
    const { rows } = await db.execute(db.queries.isLive(key, this.#clock()));
    return rows.length > 0;
  }

  /** Runs one store call within `timeoutMs`, every failure as `StoreError`. */
  #run<T>(operation: string, body: (db: Opened) => Promise<T>): Promise<T> {
    return withTimeout(this.name, operation, this.#timeoutMs, async () => body(await this.#connection.get(operation)));
  }

  /**
   * Connects (a first statement proves the database answers), then creates the table or checks
   * that it exists. A failure (database down, password refused, table not creatable) releases
   * what was opened; the next call tries again.
   */
  async #connect(operation: string): Promise<Opened> {
    const options = this.#connectionOptions();
    const connection = await openSqlConnection(this.name, operation, options, this.#timeoutMs);
    const queries = new SessionQueries(connection.sql, connection.builder, this.dialect, this.#table);
    const flask = this.#flaskLayout
      ? new FlaskSessionTable(new FlaskSessionQueries(connection.sql, connection.builder, this.dialect, this.#table), this.dialect, this.name, this.#table)
      : undefined;
    try {
      await this.#reach(connection, queries, operation, describeTarget(options));
      if (this.#createsTable) {
        await this.#createTable(connection, flask ? flask.schema() : queries.schema()).catch((error: unknown) => {
          throw new StoreError(this.name, operation, error, `cannot create the table ${this.#table}: ${errorReason(error)}`);
        });
      } else if ((await connection.executor.executeQuery(queries.tableExists())).rows.length === 0) {
        throw new StorageMissingError(this.name, operation, `the table ${this.#table}`, 'createTable');
      }
    } catch (error) {
      await connection.release?.().catch(() => undefined);
      throw error;
    }
    const execute = <R>(query: CompiledQuery<R>): Promise<QueryResult<R>> => executeRetryingDeadlocks(connection.executor, query);
    if (flask) {
      try {
        await flask.prepare(execute);
      } catch (error) {
        await connection.release?.().catch(() => undefined);
        throw error;
      }
    }
    return { ...connection, queries, flask, execute };
  }

  #connectionOptions(): SqlConnectionOptions {
    return { ...this.#options, createTable: this.#createsTable } as SqlConnectionOptions;
  }

  /** Runs `select 1`; a failure says the database could not be reached, and why. */
  async #reach(connection: SqlConnection, queries: SessionQueries, operation: string, target: string | undefined): Promise<void> {
    try {
      await connection.executor.executeQuery(queries.probe());
    } catch (error) {
      const where = target === undefined ? 'the database' : `the database at ${target}`;
      throw new StoreError(this.name, operation, error, `cannot reach ${where}: ${errorReason(error)}`);
    }
  }

  /**
   * Runs the `IF NOT EXISTS` DDL. Two processes creating the table at the same moment can make
   * one fail (PostgreSQL reports a duplicate catalog entry): once the other committed, the same
   * DDL succeeds, so one failure is retried after a pause.
   */
  async #createTable(connection: SqlConnection, schema: readonly CompiledQuery[]): Promise<void> {
    const run = async (): Promise<void> => {
      for (const statement of schema) await executeRetryingDeadlocks(connection.executor, statement);
    };
    try {
      await run();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, CREATE_TABLE_RETRY_MS));
      await run();
    }
  }
}

/** Rows an UPDATE / DELETE / INSERT affected. */
function affected(result: { numAffectedRows?: bigint }): number {
  return Number(result.numAffectedRows ?? 0n);
}

/** A key as text: MySQL's VARBINARY column comes back as bytes. */
function keyText(key: SessionRow['key']): string {
  return typeof key === 'string' ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('utf8');
}

function recordOf(row: SessionRow): StoreRecord {
  return { value: new Uint8Array(row.value), version: String(row.version), expiresAt: Number(row.expires_at) };
}

/** Throws `RangeError` for a key the 255-wide key column cannot hold exactly. */
function checkKey(key: string): void {
  // VARCHAR(255) counts characters; MySQL's VARBINARY(255) counts bytes: check both.
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || Buffer.byteLength(key) > MAX_KEY_LENGTH) {
    throw new RangeError(`SQL session keys are 1 to ${MAX_KEY_LENGTH} bytes long, got ${Buffer.byteLength(key)}`);
  }
}
