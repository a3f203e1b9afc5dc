/**
 * How each database holds the `expiry` column of Flask-Session's SQLAlchemy table: a SQLAlchemy
 * `DateTime` without time zone, holding **UTC wall-clock time** with no offset (Flask-Session
 * writes `datetime.utcnow() + lifetime`). The store never lets a driver convert it: it writes
 * text and reads text, so neither the process's time zone nor the database's matters.
 *
 * - SQLite: TEXT `'YYYY-MM-DD HH:MM:SS.ffffff'` (SQLAlchemy's storage format, 6 digits).
 *   SQLAlchemy 2 reads it with `datetime.fromisoformat`, so a `T` separator and fewer (or no)
 *   fraction digits are read too; an offset (`+00:00`, `Z`) makes Flask-Session fail on every
 *   request, and an INTEGER is no datetime at all: both read as no session here.
 * - PostgreSQL: `timestamp without time zone`, microseconds kept; read with `to_char` so the
 *   `DateStyle` setting does not matter.
 * - MySQL / MariaDB: `DATETIME` (precision 0): whole seconds. Flask-Session sends microseconds
 *   and MariaDB truncates them; this store truncates them itself, so MySQL (which would round)
 *   stores the same value. A session may therefore end up to a second before its TTL.
 *
 * NULL means expired (Flask-Session deletes such a row when it reads it).
 */
import type { RawBuilder, Sql } from 'kysely';
import type { SqlDialectName } from './types.js';

/** One database's `expiry` column: what is written, how it is read back, and compared. */
export interface FlaskExpiryColumn {
  /** The text written for an expiry at `ms` (epoch milliseconds, fractions kept to the microsecond). */
  write(ms: number): string;
  /** The SQL expression reading the column in the form `parse` takes. */
  read(sql: Sql): RawBuilder<unknown>;
  /** The epoch milliseconds of a value `read` returned; `undefined` for NULL or a form Flask-Session cannot read. */
  parse(value: unknown): number | undefined;
  /** Whether the column still holds `value`, exactly as `read` returned it (NULL included). */
  sameAs(sql: Sql, value: unknown): RawBuilder<boolean>;
  /** Whether a row has expired at `now` (or has no expiry), as `sweep()` deletes it. */
  expiredAt(sql: Sql, now: number): RawBuilder<boolean>;
}

const MICROS_PER_MS = 1000;
const MICROS_PER_SECOND = 1_000_000;

/**
 * A naive UTC datetime as SQLAlchemy and the databases print it, with `fractionDigits` digits
 * of the second (0: none, cut off).
 */
function naiveUtc(ms: number, fractionDigits: 0 | 6): string {
  const micros = Math.round(ms * MICROS_PER_MS);
  const seconds = Math.floor(micros / MICROS_PER_SECOND);
  const wall = new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
  if (fractionDigits === 0) return wall;
  return `${wall}.${String(micros - seconds * MICROS_PER_SECOND).padStart(6, '0')}`;
}

/** `YYYY-MM-DD HH:MM:SS[.f…]`, with a `T` instead of the space where `separators` allows it. */
function naiveUtcPattern(separators: string): RegExp {
  return new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})[${separators}](\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,6}))?$`);
}
const SPACE_ONLY = naiveUtcPattern(' ');
const SPACE_OR_T = naiveUtcPattern(' T');

/** Epoch milliseconds of a naive UTC datetime text matching `pattern`; `undefined` for anything else. */
function parseNaiveUtc(value: unknown, pattern: RegExp): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = pattern.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps the years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const valid =
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  if (!valid) return undefined;
  const micros = Number((match[7] ?? '').padEnd(6, '0'));
  return date.getTime() + micros / MICROS_PER_MS;
}

const SQLITE: FlaskExpiryColumn = {
  write: (ms) => naiveUtc(ms, 6),
  read: (sql) => sql`${sql.ref('expiry')}`,
  parse: (value) => parseNaiveUtc(value, SPACE_OR_T),
  sameAs: (sql, value) => sql<boolean>`${sql.ref('expiry')} is ${value}`,
  // Text comparison, as Flask-Session's own cleanup does; 'T' compares like the space.
  expiredAt: (sql, now) =>
    sql<boolean>`(${sql.ref('expiry')} is null or replace(${sql.ref('expiry')}, 'T', ' ') <= ${naiveUtc(now, 6)})`,
};

const POSTGRES_TEXT = 'YYYY-MM-DD HH24:MI:SS.US';
const POSTGRES: FlaskExpiryColumn = {
  write: (ms) => naiveUtc(ms, 6),
  read: (sql) => sql`to_char(${sql.ref('expiry')}, ${sql.lit(POSTGRES_TEXT)})`,
  parse: (value) => parseNaiveUtc(value, SPACE_ONLY),
  sameAs: (sql, value) => sql<boolean>`to_char(${sql.ref('expiry')}, ${sql.lit(POSTGRES_TEXT)}) is not distinct from ${value}`,
  expiredAt: (sql, now) => sql<boolean>`(${sql.ref('expiry')} is null or ${sql.ref('expiry')} <= cast(${naiveUtc(now, 6)} as timestamp))`,
};

const MYSQL_TEXT = '%Y-%m-%d %H:%i:%s.%f';
const MYSQL: FlaskExpiryColumn = {
  write: (ms) => naiveUtc(ms, 0),
  read: (sql) => sql`date_format(${sql.ref('expiry')}, ${sql.lit(MYSQL_TEXT)})`,
  parse: (value) => parseNaiveUtc(value, SPACE_ONLY),
  sameAs: (sql, value) => sql<boolean>`date_format(${sql.ref('expiry')}, ${sql.lit(MYSQL_TEXT)}) <=> ${value}`,
  // Whole seconds on both sides: an expiry E (whole seconds) is past now exactly when E <= floor(now).
  expiredAt: (sql, now) => sql<boolean>`(${sql.ref('expiry')} is null or ${sql.ref('expiry')} <= ${naiveUtc(now, 0)})`,
};

/** The `expiry` column of Flask-Session's table on each database. */
export const FLASK_EXPIRY_COLUMNS: Readonly<Record<SqlDialectName, FlaskExpiryColumn>> = {
  sqlite: SQLITE,
  postgres: POSTGRES,
  mysql: MYSQL,
};
