/**
 * `SqlStore`'s Flask-Session layout: sessions in Flask-Session 0.8's SQLAlchemy table, row for
 * row as Flask-Session keeps them, so a Flask app and sessionkit share one table.
 *
 * - `session_id` holds the key (prefix + sid), `data` the bare record bytes, `expiry` the naive
 *   UTC time (see `flask-session-expiry.ts`); `id` is the database's own.
 * - A row is live while it has data and `expiry > now`, as Flask-Session reads it; an expired row,
 *   a NULL expiry or one Flask-Session cannot read is no session. Unlike Flask-Session, reading
 *   does not delete it: `create` takes it over and `sweep()` removes it.
 * - The table has no version column, so the version is the SHA-1 of `data`, and every write is
 *   a compare-and-set: read the row, then `UPDATE … WHERE id = ? AND data = <as read> AND
 *   expiry = <as read>`. If anything (Flask included) wrote in between, nothing is changed and
 *   the operation looks again. A write applied this way is as if made at the moment of its read,
 *   when the row was live.
 */
import type { CompiledQuery, QueryResult } from 'kysely';
import { StoreError } from '../../errors.js';
import type { StoreRecord, UpdateResult } from '../store.js';
import { valueVersion } from '../internal/value-version.js';
import { FLASK_KEYS_PAGE_SIZE, type FlaskRowSnapshot, type FlaskSessionQueries, type FlaskSessionRow } from './flask-session-queries.js';
import type { SqlDialectName } from './types.js';

/** Runs one compiled statement. */
export type ExecuteQuery = <R>(query: CompiledQuery<R>) => Promise<QueryResult<R>>;

/**
 * Rounds of read + compare-and-set before an operation gives up: each lost round means another
 * writer changed the row in between, so many in a row mean a row rewritten without pause.
 */
const CAS_ROUNDS = 16;
/** Duplicate-key errors of an INSERT: MySQL's (PostgreSQL and SQLite use `ON CONFLICT DO NOTHING`). */
const DUPLICATE_KEY = 'ER_DUP_ENTRY';

/** A row as read, with what it means. */
interface StoredRow extends FlaskRowSnapshot {
  /** The session bytes; `undefined` when `data` is NULL. */
  value: Uint8Array | undefined;
  /** Epoch milliseconds; `undefined` when NULL or not readable as Flask-Session reads it. */
  expiresAt: number | undefined;
}

/** One key's row: absent, held by a key that differs only in case (MySQL), or read. */
type Lookup = { kind: 'absent' } | { kind: 'other-key' } | { kind: 'row'; row: StoredRow };

/** The page `keys()` reads in one query. */
export interface FlaskKeysPage {
  /** Live keys of the page that start with the prefix. */
  keys: string[];
  /** Where the next page starts, or `undefined` after the last one. */
  after: string | undefined;
}

/** The operations of the Store contract on Flask-Session's table. */
export class FlaskSessionTable {
  readonly #queries: FlaskSessionQueries;
  readonly #dialect: SqlDialectName;
  readonly #store: string;
  readonly #table: string;
  /** Largest `data` the column holds (MySQL), once read. */
  #dataLimit: number | undefined;

  /** `store` and `table` name the store and its table in error messages. */
  constructor(queries: FlaskSessionQueries, dialect: SqlDialectName, store: string, table: string) {
    this.#queries = queries;
    this.#dialect = dialect;
    this.#store = store;
    this.#table = table;
  }

  /** The DDL of Flask-Session's table. */
  schema(): CompiledQuery[] {
    return this.#queries.schema();
  }

  /** Reads what the store needs to know about the table once: on MySQL, the size of `data`. */
  async prepare(execute: ExecuteQuery): Promise<void> {
    if (this.#dialect !== 'mysql') return;
    const { rows } = await execute(this.#queries.dataLimit());
    const limit = Number(rows[0]?.limit ?? Number.NaN);
    this.#dataLimit = Number.isSafeInteger(limit) && limit > 0 ? limit : undefined;
  }

  /** The live row under `key` as a record. */
  async load(execute: ExecuteQuery, key: string, now: number): Promise<StoreRecord | null> {
    const found = await this.#lookup(execute, key);
    if (found.kind !== 'row' || !isLive(found.row, now)) return null;
    return { value: new Uint8Array(found.row.value!), version: valueVersion(found.row.value!), expiresAt: found.row.expiresAt! };
  }

  /** Inserts a row, or takes over an expired or unreadable one; `null` when a live row holds the key. */
  async create(execute: ExecuteQuery, key: string, value: Uint8Array, ttl: number, clock: () => number): Promise<string | null> {
    this.#checkSize('create', value);
    const expiry = this.#queries.expiry.write(clock() + ttl);
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const found = await this.#lookup(execute, key);
      if (found.kind === 'other-key') return null;
      if (found.kind === 'row') {
        if (isLive(found.row, clock())) return null;
        if (affected(await execute(this.#queries.replace(found.row, value, expiry))) > 0) return valueVersion(value);
      } else if (await this.#insert(execute, key, value, expiry)) {
        return valueVersion(value);
      }
    }
    return null;
  }

  /** Replaces `data` and `expiry` of the live row while its data is still the version `expected`. */
  async update(
    execute: ExecuteQuery,
    key: string,
    value: Uint8Array,
    expected: string,
    ttl: number,
    clock: () => number,
  ): Promise<UpdateResult> {
    this.#checkSize('update', value);
    const expiry = this.#queries.expiry.write(clock() + ttl);
    const target = this.#queries.expiry.parse(expiry);
    const version = valueVersion(value);
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const found = await this.#lookup(execute, key);
      if (found.kind !== 'row' || !isLive(found.row, clock())) return { ok: false, reason: 'missing' };
      const { row } = found;
      // A write that changed nothing counts 0 rows on MySQL: the row then already is what was asked
      // — only when this write keeps the data it read. Otherwise equal bytes there are another
      // writer's (two counters incremented from one value): a conflict, never this write's success.
      if (round > 0 && expected === version && row.expiresAt === target && Buffer.compare(row.value!, value) === 0) return { ok: true, version };
      if (valueVersion(row.value!) !== expected) return { ok: false, reason: 'conflict' };
      if (affected(await execute(this.#queries.replace(row, value, expiry))) > 0) return { ok: true, version };
    }
    return { ok: false, reason: 'conflict' };
  }

  /** Moves `expiry` of the live row; `data`, and so the version, stay. */
  async touch(execute: ExecuteQuery, key: string, ttl: number, clock: () => number): Promise<boolean> {
    const expiry = this.#queries.expiry.write(clock() + ttl);
    const target = this.#queries.expiry.parse(expiry);
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const found = await this.#lookup(execute, key);
      if (found.kind !== 'row' || !isLive(found.row, clock())) return false;
      if (round > 0 && found.row.expiresAt === target) return true;
      if (affected(await execute(this.#queries.touch(found.row, expiry))) > 0) return true;
    }
    throw new Error(`the row changed ${CAS_ROUNDS} times in a row while extending its expiry`);
  }

  /** Deletes the row, if any. */
  async destroy(execute: ExecuteQuery, key: string): Promise<void> {
    await execute(this.#queries.destroy(key));
  }

  /** Deletes the rows expired at `now` or without expiry; returns how many. */
  async sweep(execute: ExecuteQuery, now: number): Promise<number> {
    return affected(await execute(this.#queries.sweep(now)));
  }

  /** One page of `keys(prefix)`, after the key `after`. */
  async keysPage(execute: ExecuteQuery, prefix: string, after: string | undefined, now: number): Promise<FlaskKeysPage> {
    const { rows } = await execute(this.#queries.keysPage(prefix, after));
    const keys = rows
      .filter((row) => row.session_id.startsWith(prefix) && (this.#queries.expiry.parse(row.expiry) ?? -Infinity) > now)
      .map((row) => row.session_id);
    return { keys, after: rows.length < FLASK_KEYS_PAGE_SIZE ? undefined : rows.at(-1)!.session_id };
  }

  async #lookup(execute: ExecuteQuery, key: string): Promise<Lookup> {
    const { rows } = await execute(this.#queries.select(key));
    if (rows.length === 0) return { kind: 'absent' };
    // MySQL compares with the column's collation (case-insensitive by default): keep exact matches only.
    const row = rows.find((candidate) => candidate.session_id === key);
    return row ? { kind: 'row', row: this.#stored(row) } : { kind: 'other-key' };
  }

  #stored(row: FlaskSessionRow): StoredRow {
    const value = row.data === null ? undefined : typeof row.data === 'string' ? Buffer.from(row.data, 'utf8') : row.data;
    return { id: Number(row.id), data: row.data, expiry: row.expiry, value, expiresAt: this.#queries.expiry.parse(row.expiry) };
  }

  /** PostgreSQL / SQLite: `ON CONFLICT DO NOTHING` affected a row; MySQL: no duplicate key. */
  async #insert(execute: ExecuteQuery, key: string, value: Uint8Array, expiry: string): Promise<boolean> {
    try {
      return affected(await execute(this.#queries.insert(key, value, expiry))) > 0;
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  /** Refuses a value the `data` column would cut off or reject. */
  #checkSize(operation: string, value: Uint8Array): void {
    const limit = this.#dataLimit;
    if (limit === undefined || value.byteLength <= limit) return;
    throw new StoreError(
      this.#store,
      operation,
      undefined,
      `the session is ${value.byteLength} bytes, more than the ${limit} bytes the data column of ${this.#table} holds ` +
        "(Flask-Session's table has a BLOB there on MySQL / MariaDB); store less in the session, or widen the column " +
        `for both apps (ALTER TABLE ${this.#table} MODIFY data MEDIUMBLOB)`,
    );
  }
}

/** Whether a row is a live session at `now`. */
function isLive(row: StoredRow, now: number): boolean {
  return row.value !== undefined && row.expiresAt !== undefined && row.expiresAt > now;
}

/** Rows an UPDATE / DELETE / INSERT affected. */
function affected(result: { numAffectedRows?: bigint }): number {
  return Number(result.numAffectedRows ?? 0n);
}
