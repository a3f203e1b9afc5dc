/**
 * The statements of `SqlStore`'s Flask-Session layout: Flask-Session 0.8's SQLAlchemy table,
 *
 *   sessions(id, session_id UNIQUE, data, expiry)
 *
 * with the DDL SQLAlchemy emits for it on each database, and single-statement reads and
 * compare-and-set writes on it. Each write names the row by `id` and applies only while `data`
 * and `expiry` still hold what was read, so it is atomic on its own (no transaction).
 */
import type { CompiledQuery, Generated, Kysely, RawBuilder, Sql } from 'kysely';
import { FLASK_EXPIRY_COLUMNS, type FlaskExpiryColumn } from './flask-session-expiry.js';
import { likePrefix } from './queries.js';
import type { SessionsDatabase } from './queries.js';
import type { SqlDialectName } from './types.js';

/** A row of Flask-Session's table as the queries read it (`expiry` in the text form of `FlaskExpiryColumn.read`). */
export interface FlaskSessionRow {
  id: number;
  session_id: string;
  /** `bytea` / `BLOB` bytes; text on SQLite when a third party stored a string; NULL possible. */
  data: Uint8Array | string | null;
  /** What `FlaskExpiryColumn.read` returned: text, NULL, or on SQLite whatever was stored. */
  expiry: unknown;
}

/** What a write compares: the row's `id`, and its `data` and `expiry` exactly as read. */
export interface FlaskRowSnapshot {
  id: number;
  data: FlaskSessionRow['data'];
  expiry: unknown;
}

type FlaskTable = Record<string, { id: Generated<number>; session_id: string; data: Uint8Array | string | null; expiry: string | null }>;

/** Rows `keys()` reads per query. */
export const FLASK_KEYS_PAGE_SIZE = 500;
/** LIKE escape character, as the sessionkit layout uses it. */
const LIKE_ESCAPE = '!';

/**
 * The table as SQLAlchemy 2 creates Flask-Session's model (`create(checkfirst=True)`), with
 * `IF NOT EXISTS` so that a Flask app and this store may start in any order. The whitespace is
 * SQLAlchemy's; the table name is quoted. Default table name: Flask-Session's `"sessions"`.
 */
function createTable(sql: Sql, dialect: SqlDialectName, table: string): RawBuilder<unknown> {
  const id = {
    postgres: sql.raw('id SERIAL NOT NULL'),
    mysql: sql.raw('id INTEGER NOT NULL AUTO_INCREMENT'),
    sqlite: sql.raw('id INTEGER NOT NULL'),
  }[dialect];
  const data = { postgres: 'BYTEA', mysql: 'BLOB', sqlite: 'BLOB' }[dialect];
  const expiry = { postgres: 'TIMESTAMP WITHOUT TIME ZONE', mysql: 'DATETIME', sqlite: 'DATETIME' }[dialect];
  return sql`CREATE TABLE IF NOT EXISTS ${sql.table(table)} (\n\t${id}, \n\tsession_id VARCHAR(255), \n\tdata ${sql.raw(data)}, \n\texpiry ${sql.raw(expiry)}, \n\tPRIMARY KEY (id), \n\tUNIQUE (session_id)\n)`;
}

/** Statements on Flask-Session's table, compiled for one dialect and table name. */
export class FlaskSessionQueries {
  readonly #sql: Sql;
  readonly #db: Kysely<FlaskTable>;
  readonly #dialect: SqlDialectName;
  readonly #table: string;
  /** How this database holds `expiry`. */
  readonly expiry: FlaskExpiryColumn;

  /** `db` builds and compiles (it need not run them); `sql` is kysely's template tag. */
  constructor(sql: Sql, db: Kysely<SessionsDatabase>, dialect: SqlDialectName, table: string) {
    this.#sql = sql;
    // The builder was typed for sessionkit's own table; these statements use Flask-Session's.
    this.#db = db as unknown as Kysely<FlaskTable>;
    this.#dialect = dialect;
    this.#table = table;
    this.expiry = FLASK_EXPIRY_COLUMNS[dialect];
  }

  /** The DDL, run on first use unless `createTable: false`. */
  schema(): CompiledQuery[] {
    return [createTable(this.#sql, this.#dialect, this.#table).compile(this.#db)];
  }

  /**
   * MySQL: the size limit of the `data` column (65,535 bytes for Flask-Session's `BLOB`), so a
   * larger session fails plainly instead of being cut off by a server in non-strict mode.
   */
  dataLimit(): CompiledQuery<{ limit: number | string | null }> {
    const sql = this.#sql;
    const [schema, name] = this.#table.includes('.') ? this.#table.split('.') : [undefined, this.#table];
    return sql<{ limit: number | string | null }>`select character_maximum_length as ${sql.id('limit')}
      from information_schema.columns
      where table_schema = ${schema === undefined ? sql`database()` : schema} and table_name = ${name} and column_name = 'data'`.compile(this.#db);
  }

  /** The row under `key`; on MySQL, whose default collation ignores case, maybe a row whose key differs in case. */
  select(key: string): CompiledQuery<FlaskSessionRow> {
    return this.#db
      .selectFrom(this.#table)
      .select(['id', 'session_id', 'data', this.expiry.read(this.#sql).as('expiry')])
      .where('session_id', '=', key)
      .compile() as CompiledQuery<FlaskSessionRow>;
  }

  /**
   * Inserts a row. PostgreSQL and SQLite: `ON CONFLICT (session_id) DO NOTHING`, no affected row
   * meaning the key is taken; MySQL: a plain insert failing with `ER_DUP_ENTRY`.
   */
  insert(key: string, data: Uint8Array, expiry: string): CompiledQuery {
    const insert = this.#db.insertInto(this.#table).values({ session_id: key, data: asBuffer(data), expiry });
    if (this.#dialect === 'mysql') return insert.compile();
    return insert.onConflict((conflict) => conflict.column('session_id').doNothing()).compile();
  }

  /** Replaces `data` and `expiry` of the row, only while both still hold what `seen` read. */
  replace(seen: FlaskRowSnapshot, data: Uint8Array, expiry: string): CompiledQuery {
    return this.#db
      .updateTable(this.#table)
      .set({ data: asBuffer(data), expiry })
      .where('id', '=', seen.id)
      .where(this.#sameData(seen.data))
      .where(this.expiry.sameAs(this.#sql, seen.expiry))
      .compile();
  }

  /** Moves `expiry` of the row, only while it still holds what `seen` read. */
  touch(seen: FlaskRowSnapshot, expiry: string): CompiledQuery {
    return this.#db
      .updateTable(this.#table)
      .set({ expiry })
      .where('id', '=', seen.id)
      .where(this.expiry.sameAs(this.#sql, seen.expiry))
      .compile();
  }

  /** Deletes the row under `key`, live or not (Flask-Session's `DELETE … WHERE session_id = ?`). */
  destroy(key: string): CompiledQuery {
    return this.#db.deleteFrom(this.#table).where('session_id', '=', key).compile();
  }

  /** Deletes every row expired at `now`, or without expiry. */
  sweep(now: number): CompiledQuery {
    return this.#db.deleteFrom(this.#table).where(this.expiry.expiredAt(this.#sql, now)).compile();
  }

  /**
   * A page of keys starting with `prefix` (LIKE only narrows: the caller re-checks), in key
   * order after `after`, with their expiry, expired rows included.
   */
  keysPage(prefix: string, after: string | undefined): CompiledQuery<Pick<FlaskSessionRow, 'session_id' | 'expiry'>> {
    const sql = this.#sql;
    let query = this.#db
      .selectFrom(this.#table)
      .select(['session_id', this.expiry.read(sql).as('expiry')])
      .where(sql<boolean>`${sql.ref('session_id')} like ${likePrefix(prefix)} escape ${sql.lit(LIKE_ESCAPE)}`);
    if (after !== undefined) query = query.where('session_id', '>', after);
    return query.orderBy('session_id').limit(FLASK_KEYS_PAGE_SIZE).compile() as CompiledQuery<Pick<FlaskSessionRow, 'session_id' | 'expiry'>>;
  }

  /** `data` still holds `data` as read (NULL included). */
  #sameData(data: FlaskSessionRow['data']): RawBuilder<boolean> {
    const sql = this.#sql;
    const value = data instanceof Uint8Array ? asBuffer(data) : data;
    const operator = { postgres: 'is not distinct from', mysql: '<=>', sqlite: 'is' }[this.#dialect];
    return sql<boolean>`${sql.ref('data')} ${sql.raw(operator)} ${value}`;
  }
}

function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
