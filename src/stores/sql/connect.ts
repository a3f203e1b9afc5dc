import { existsSync } from 'node:fs';
import type { Kysely, MysqlPool, PostgresPool, SqliteDatabase } from 'kysely';
import { redactCredentials } from '../../internal/error-text.js';
import { driverTimeoutMs } from '../internal/deadline.js';
import { importDriver, type DriverSpec } from '../internal/driver.js';
import { absorbPoolErrorEvents } from '../internal/error-events.js';
import { StorageMissingError } from '../internal/errors.js';
import type { SessionsDatabase } from './queries.js';
import type { KyselyExecutor, SqlDialectName } from './types.js';

type KyselyModule = typeof import('kysely');

/** How a `SqlStore` reaches its database (see `SqlStoreOptions`). */
export interface SqlConnectionOptions {
  dialect: SqlDialectName;
  kysely?: KyselyExecutor;
  pool?: PostgresPool | MysqlPool;
  connection?: string | Readonly<Record<string, unknown>>;
  database?: SqliteDatabase;
  filename?: string;
  /** Whether a database file the store opens may be created (SQLite); `createTable` decides it. */
  createTable: boolean;
}

/** The optional peer dependencies a `SqlStore` imports, with the versions it supports. */
const KYSELY = { packageName: 'kysely', versionRange: '0.28', load: () => import('kysely') };
const PG = { packageName: 'pg', versionRange: '8', load: () => import('pg') };
const MYSQL2 = { packageName: 'mysql2', versionRange: '3', load: () => import('mysql2') };
const BETTER_SQLITE3 = { packageName: 'better-sqlite3', versionRange: '12', load: () => import('better-sqlite3') };

/** The driver package the store imports to create its own connection; `undefined` when it is given one. */
function ownDriver(options: SqlConnectionOptions): DriverSpec<unknown> | undefined {
  if (options.kysely) return undefined;
  switch (options.dialect) {
    case 'postgres':
      return options.pool ? undefined : PG;
    case 'mysql':
      return options.pool ? undefined : MYSQL2;
    case 'sqlite':
      return options.database ? undefined : BETTER_SQLITE3;
  }
}

/**
 * Imports kysely and the driver the store needs (once: later imports are instant). `ready()`
 * does this before its deadline starts: loading modules is local work that can take a while on
 * a busy machine, not the database's time to answer.
 */
export async function loadSqlDrivers(store: string, operation: string, options: SqlConnectionOptions): Promise<void> {
  await importDriver(store, operation, KYSELY);
  const driver = ownDriver(options);
  if (driver) await importDriver(store, operation, driver);
}

/** Events through which a pool hands out a connection, whose `'error'` events the store then absorbs. */
const POOL_MEMBER_EVENTS = {
  // pg-pool: 'connect' for a new client, 'acquire' for every checkout (also of a pool passed in).
  postgres: ['connect', 'acquire'],
  // mysql2: 'connection' for a new connection, 'acquire' for every checkout.
  mysql: ['connection', 'acquire'],
} as const;

/** An open connection: a query builder, what runs its queries, and how to release it. */
export interface SqlConnection {
  sql: KyselyModule['sql'];
  /** Builds and compiles queries for the dialect. */
  builder: Kysely<SessionsDatabase>;
  /** Runs compiled queries. */
  executor: KyselyExecutor;
  /** Releases what was opened here; `undefined` when everything came from the caller. */
  release?: () => Promise<void>;
}

/**
 * Where the store connects, for messages: a connection string with its password replaced by
 * `***`, `host:port/database` from connection options, the SQLite file; `undefined` for a pool,
 * database or Kysely instance passed in.
 */
export function describeTarget(options: SqlConnectionOptions): string | undefined {
  if (options.dialect === 'sqlite') return options.database || options.kysely ? undefined : (options.filename ?? ':memory:');
  const connection = options.connection;
  if (typeof connection === 'string') return redactCredentials(connection);
  if (connection === undefined) return undefined;
  const { host, port, database } = connection as { host?: unknown; port?: unknown; database?: unknown };
  if (typeof host !== 'string') return undefined;
  return `${host}${port === undefined ? '' : `:${String(port)}`}${typeof database === 'string' ? `/${database}` : ''}`;
}

/** Loads kysely (and the dialect's driver when the store creates the pool) and connects. */
export async function openSqlConnection(
  store: string,
  operation: string,
  options: SqlConnectionOptions,
  timeoutMs: number,
): Promise<SqlConnection> {
  const kysely = await importDriver(store, operation, KYSELY);
  if (options.kysely) {
    return { sql: kysely.sql, builder: compileOnly(kysely, options.dialect), executor: options.kysely.withoutPlugins?.() ?? options.kysely };
  }
  const { dialect, owned } = await createDialect(store, operation, kysely, options, timeoutMs);
  const db = new kysely.Kysely<SessionsDatabase>({ dialect });
  return { sql: kysely.sql, builder: db, executor: db, release: owned ? () => db.destroy() : undefined };
}

/** A Kysely that only builds and compiles queries for `dialect` (it cannot run them). */
function compileOnly(kysely: KyselyModule, dialect: SqlDialectName): Kysely<SessionsDatabase> {
  const parts = {
    postgres: { Adapter: kysely.PostgresAdapter, Compiler: kysely.PostgresQueryCompiler, Introspector: kysely.PostgresIntrospector },
    mysql: { Adapter: kysely.MysqlAdapter, Compiler: kysely.MysqlQueryCompiler, Introspector: kysely.MysqlIntrospector },
    sqlite: { Adapter: kysely.SqliteAdapter, Compiler: kysely.SqliteQueryCompiler, Introspector: kysely.SqliteIntrospector },
  }[dialect];
  return new kysely.Kysely<SessionsDatabase>({
    dialect: {
      createAdapter: () => new parts.Adapter(),
      createDriver: () => new kysely.DummyDriver(),
      createIntrospector: (db) => new parts.Introspector(db),
      createQueryCompiler: () => new parts.Compiler(),
    },
  });
}

function connectionConfig(connection: SqlConnectionOptions['connection'], urlKey: string): Record<string, unknown> {
  if (connection === undefined) return {};
  return typeof connection === 'string' ? { [urlKey]: connection } : { ...connection };
}

async function createDialect(
  store: string,
  operation: string,
  kysely: KyselyModule,
  options: SqlConnectionOptions,
  timeoutMs: number,
): Promise<{ dialect: InstanceType<KyselyModule['PostgresDialect' | 'MysqlDialect' | 'SqliteDialect']>; owned: boolean }> {
  switch (options.dialect) {
    case 'postgres': {
      if (options.pool) {
        absorbPoolErrorEvents(options.pool, POOL_MEMBER_EVENTS.postgres);
        return { dialect: new kysely.PostgresDialect({ pool: options.pool as PostgresPool }), owned: false };
      }
      const pg = await importDriver(store, operation, PG);
      // statement_timeout: the server cancels a statement the store has given up on (a row lock
      // held elsewhere), instead of running it later.
      const config = {
        connectionTimeoutMillis: driverTimeoutMs(timeoutMs),
        statement_timeout: timeoutMs,
        ...connectionConfig(options.connection, 'connectionString'),
      };
      const pool = new pg.default.Pool(config);
      // pg-pool listens to the 'error' events of idle clients only: a client checked out when
      // the server goes away would stop the process. The queries it fails report the error.
      absorbPoolErrorEvents(pool, POOL_MEMBER_EVENTS.postgres);
      return { dialect: new kysely.PostgresDialect({ pool }), owned: true };
    }
    case 'mysql': {
      if (options.pool) {
        absorbPoolErrorEvents(options.pool, POOL_MEMBER_EVENTS.mysql);
        return { dialect: new kysely.MysqlDialect({ pool: options.pool as MysqlPool }), owned: false };
      }
      const mysql = await importDriver(store, operation, MYSQL2);
      const config = { connectTimeout: driverTimeoutMs(timeoutMs), ...connectionConfig(options.connection, 'uri') };
      const pool = mysql.createPool(config);
      // A pool connection listens to its 'error' event only once: a second one would stop the process.
      absorbPoolErrorEvents(pool, POOL_MEMBER_EVENTS.mysql);
      // Like PostgreSQL's statement_timeout for the case that matters: a statement waiting for a
      // row lock gives up (whole seconds, at least 1) instead of writing after the store gave up.
      const lockWait = Math.max(1, Math.ceil(timeoutMs / 1000));
      pool.on('connection', (connection) => {
        connection.query(`SET SESSION innodb_lock_wait_timeout = ${lockWait}`, () => undefined);
      });
      return { dialect: new kysely.MysqlDialect({ pool }), owned: true };
    }
    case 'sqlite': {
      if (options.database) return { dialect: new kysely.SqliteDialect({ database: options.database }), owned: false };
      const driver = await importDriver(store, operation, BETTER_SQLITE3);
      const filename = options.filename ?? ':memory:';
      const inMemory = filename === ':memory:' || filename === '';
      if (!options.createTable && !inMemory && !existsSync(filename)) {
        throw new StorageMissingError(store, operation, `the database file ${filename}`, 'createTable');
      }
      // better-sqlite3 takes whole milliseconds.
      const database = new driver.default(filename, { timeout: Math.ceil(timeoutMs), fileMustExist: !options.createTable && !inMemory });
      // WAL: readers do not wait for a writer in another connection or process. With
      // createTable false the store changes nothing in the file, its journal mode included.
      if (!inMemory && options.createTable) database.pragma('journal_mode = WAL');
      return { dialect: new kysely.SqliteDialect({ database }), owned: true };
    }
  }
}
