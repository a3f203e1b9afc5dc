import type { CompiledQuery, Kysely, RawBuilder, Sql } from 'kysely';
import type { SqlDialectName } from './types.js';

/** A session row. `version` and `expires_at` are BIGINTs; drivers return them as numbers or strings. */
export interface SessionRow {
  key: string | Uint8Array;
  value: Uint8Array;
  version: number | string | bigint;
  expires_at: number | string | bigint;
}

/** The one table the queries use, under whatever name the store was given. */
export type SessionsDatabase = Record<string, SessionRow>;

/** Rows `keys()` reads per query. */
export const KEYS_PAGE_SIZE = 500;
/** LIKE escape character: `!` means the same in every dialect (a backslash does not). */
const LIKE_ESCAPE = '!';

/** A LIKE pattern matching strings that start with `prefix`, literally. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[!%_]/g, (c) => LIKE_ESCAPE + c)}%`;
}

function bytes(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * The statements of a SQL session store, compiled for one dialect and table. Each is a single
 * statement, atomic on its own; none needs a transaction.
 */
export class SessionQueries {
  readonly #sql: Sql;
  readonly #db: Kysely<SessionsDatabase>;
  readonly #table: string;
  readonly #dialect: SqlDialectName;

  /**
   * `db` builds and compiles the statements (it does not have to be the one that runs them);
   * `sql` is kysely's template tag (kysely is loaded lazily, so it is passed in).
   */
  constructor(sql: Sql, db: Kysely<SessionsDatabase>, dialect: SqlDialectName, table: string) {
    this.#sql = sql;
    this.#db = db;
    this.#dialect = dialect;
    this.#table = table;
  }

  /** `CREATE TABLE IF NOT EXISTS` and its index on `expires_at`, in order. */
  schema(): CompiledQuery[] {
    const sql = this.#sql;
    const table = sql.table(this.#table);
    const [schema, name] = this.#table.includes('.') ? this.#table.split('.') : [undefined, this.#table];
    const indexName = `${name}_expires_at_idx`;
    const index = sql.id(indexName);
    const statements: RawBuilder<unknown>[] = [];
    switch (this.#dialect) {
      case 'postgres':
        statements.push(
          sql`create table if not exists ${table} (
            ${sql.id('key')} varchar(255) collate "C" primary key,
            ${sql.id('value')} bytea not null,
            ${sql.id('version')} bigint not null,
            ${sql.id('expires_at')} bigint not null)`,
          sql`create index if not exists ${index} on ${table} (${sql.id('expires_at')})`,
        );
        break;
      case 'mysql':
        // VARBINARY: keys compare byte for byte (no case folding, no trailing-space padding).
        statements.push(
          sql`create table if not exists ${table} (
            ${sql.id('key')} varbinary(255) not null primary key,
            ${sql.id('value')} longblob not null,
            ${sql.id('version')} bigint not null,
            ${sql.id('expires_at')} bigint not null,
            index ${index} (${sql.id('expires_at')})) engine = InnoDB`,
        );
        break;
      case 'sqlite':
        statements.push(
          sql`create table if not exists ${table} (
            ${sql.id('key')} varchar(255) not null primary key,
            ${sql.id('value')} blob not null,
            ${sql.id('version')} integer not null,
            ${sql.id('expires_at')} integer not null)`,
          // SQLite qualifies the index, not the table, with the schema.
          sql`create index if not exists ${schema ? sql.id(schema, indexName) : index} on ${sql.id(name!)} (${sql.id('expires_at')})`,
        );
        break;
    }
    return statements.map((statement) => statement.compile(this.#db));
  }

  /** `select 1`: a round trip that proves the database answers. */
  probe(): CompiledQuery {
    return this.#sql`select 1 as ${this.#sql.id('one')}`.compile(this.#db);
  }

  /** One row when the table exists, none when it does not (never an error for a missing table). */
  tableExists(): CompiledQuery {
    const sql = this.#sql;
    const [schema, name] = this.#table.includes('.') ? this.#table.split('.') : [undefined, this.#table];
    let query: RawBuilder<unknown>;
    switch (this.#dialect) {
      case 'postgres': {
        // to_regclass resolves the name as the queries do (search_path, quoted case), or gives null.
        const quoted = [schema, name].filter((part) => part !== undefined).map((part) => `"${part}"`).join('.');
        query = sql`select 1 as ${sql.id('present')} where to_regclass(${quoted}) is not null`;
        break;
      }
      case 'mysql':
        query = sql`select 1 as ${sql.id('present')} from information_schema.tables
          where table_schema = coalesce(${schema ?? null}, database()) and table_name = ${name}`;
        break;
      case 'sqlite':
        query = sql`select 1 as ${sql.id('present')} from ${schema ? sql.id(schema, 'sqlite_master') : sql.id('sqlite_master')}
          where type = 'table' and name = ${name}`;
        break;
    }
    return query.compile(this.#db);
  }

  /** The live row under `key`. */
  load(key: string, now: number): CompiledQuery<SessionRow> {
    return this.#db
      .selectFrom(this.#table)
      .select(['key', 'value', 'version', 'expires_at'])
      .where('key', '=', key)
      .where('expires_at', '>', now)
      .compile();
  }

  /** Whether a live row holds `key`. */
  isLive(key: string, now: number): CompiledQuery<{ key: SessionRow['key'] }> {
    return this.#db.selectFrom(this.#table).select('key').where('key', '=', key).where('expires_at', '>', now).compile();
  }

  /**
   * PostgreSQL and SQLite: inserts the row, or replaces the existing one only if it has expired,
   * in one statement (`INSERT … ON CONFLICT (key) DO UPDATE … WHERE expires_at <= now`).
   * One affected row: created; none: a live row holds the key.
   */
  insertOrReplaceExpired(key: string, value: Uint8Array, version: number, expiresAt: number, now: number): CompiledQuery {
    return this.#db
      .insertInto(this.#table)
      .values({ key, value: bytes(value), version, expires_at: expiresAt })
      .onConflict((conflict) =>
        conflict
          .column('key')
          .doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            version: eb.ref('excluded.version'),
            expires_at: eb.ref('excluded.expires_at'),
          }))
          .where(this.#sql.ref(`${this.#table}.expires_at`), '<=', now),
      )
      .compile();
  }

  /** MySQL, first half of a create: deletes the row under `key` if it has expired. */
  deleteExpired(key: string, now: number): CompiledQuery {
    return this.#db.deleteFrom(this.#table).where('key', '=', key).where('expires_at', '<=', now).compile();
  }

  /** MySQL, second half of a create: a plain insert, failing with a duplicate key if the key is taken. */
  insert(key: string, value: Uint8Array, version: number, expiresAt: number): CompiledQuery {
    return this.#db.insertInto(this.#table).values({ key, value: bytes(value), version, expires_at: expiresAt }).compile();
  }

  /** Replaces value, version and expiry of the live row that still has `expected`. */
  update(key: string, value: Uint8Array, version: number, expiresAt: number, expected: number, now: number): CompiledQuery {
    return this.#db
      .updateTable(this.#table)
      .set({ value: bytes(value), version, expires_at: expiresAt })
      .where('key', '=', key)
      .where('version', '=', expected)
      .where('expires_at', '>', now)
      .compile();
  }

  /** Moves the expiry of the live row. */
  touch(key: string, expiresAt: number, now: number): CompiledQuery {
    return this.#db
      .updateTable(this.#table)
      .set({ expires_at: expiresAt })
      .where('key', '=', key)
      .where('expires_at', '>', now)
      .compile();
  }

  /** Deletes the row, live or not. */
  destroy(key: string): CompiledQuery {
    return this.#db.deleteFrom(this.#table).where('key', '=', key).compile();
  }

  /** Deletes every expired row. */
  sweep(now: number): CompiledQuery {
    return this.#db.deleteFrom(this.#table).where('expires_at', '<=', now).compile();
  }

  /**
   * A page of live keys starting with `prefix`, in key order, after `after`. LIKE only narrows
   * the rows (SQLite's LIKE ignores ASCII case): the caller keeps the keys that really start
   * with `prefix`.
   */
  keysPage(prefix: string, after: string | undefined, now: number): CompiledQuery<{ key: SessionRow['key'] }> {
    const sql = this.#sql;
    let query = this.#db
      .selectFrom(this.#table)
      .select('key')
      .where(sql<boolean>`${sql.ref('key')} like ${likePrefix(prefix)} escape ${sql.lit(LIKE_ESCAPE)}`)
      .where('expires_at', '>', now);
    if (after !== undefined) query = query.where('key', '>', after);
    return query.orderBy('key').limit(KEYS_PAGE_SIZE).compile();
  }
}
