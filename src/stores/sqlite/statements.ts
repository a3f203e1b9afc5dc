import { ConfigError } from '../../errors.js';

/** Names of the statements a `SqliteStore` prepares. */
export type SqliteQueryName =
  | 'begin'
  | 'commit'
  | 'rollback'
  | 'nextVersion'
  | 'load'
  | 'create'
  | 'update'
  | 'isLive'
  | 'touch'
  | 'destroy'
  | 'sweep'
  | 'keysFrom'
  | 'keysAfter';

/** The SQL a `SqliteStore` runs, built once for its table name. */
export interface SqliteStatements {
  /** Creates the tables and index if absent (several statements, for `exec`). */
  schema: string;
  /** The tables `schema` creates. */
  tables: readonly string[];
  /** One statement each, to prepare. */
  queries: Record<SqliteQueryName, string>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Rows `keys()` reads per query. */
export const KEYS_PAGE_SIZE = 500;

/**
 * Builds the statements for `table`. The name must be a plain identifier (letters, digits,
 * underscores), so it can be quoted into SQL safely; anything else is a `ConfigError`.
 *
 * Layout: `<table>(key TEXT PRIMARY KEY, value BLOB, version INTEGER, expires_at INTEGER)` with
 * an index on `expires_at`, and `<table>_versions`, a one-row counter from which every write
 * takes its version, so versions are never reused, even after a record is deleted.
 */
export function sqliteStatements(table: string): SqliteStatements {
  if (!IDENTIFIER.test(table)) {
    throw new ConfigError('table', `expected a plain SQL identifier (letters, digits and _, not starting with a digit), got "${table}"`);
  }
  const t = `"${table}"`;
  const versions = `"${table}_versions"`;
  return {
    tables: [table, `${table}_versions`],
    schema: `
      CREATE TABLE IF NOT EXISTS ${t} (
        key TEXT PRIMARY KEY NOT NULL,
        value BLOB NOT NULL,
        version INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS "${table}_expires_at" ON ${t} (expires_at);
      CREATE TABLE IF NOT EXISTS ${versions} (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL);
      INSERT OR IGNORE INTO ${versions} (id, last) VALUES (1, (SELECT COALESCE(MAX(version), 0) FROM ${t}));`,
    queries: {
      begin: 'BEGIN IMMEDIATE',
      commit: 'COMMIT',
      rollback: 'ROLLBACK',
      nextVersion: `UPDATE ${versions} SET last = last + 1 WHERE id = 1 RETURNING last`,
      load: `SELECT value, version, expires_at FROM ${t} WHERE key = ? AND expires_at > ?`,
      create: `
        INSERT INTO ${t} (key, value, version, expires_at) VALUES (@key, @value, @version, @expiresAt)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, expires_at = excluded.expires_at
        WHERE ${t}.expires_at <= @now`,
      update: `
        UPDATE ${t} SET value = @value, version = @version, expires_at = @expiresAt
        WHERE key = @key AND version = @expected AND expires_at > @now`,
      isLive: `SELECT 1 FROM ${t} WHERE key = ? AND expires_at > ?`,
      touch: `UPDATE ${t} SET expires_at = ? WHERE key = ? AND expires_at > ?`,
      destroy: `DELETE FROM ${t} WHERE key = ?`,
      sweep: `DELETE FROM ${t} WHERE expires_at <= ?`,
      keysFrom: `SELECT key FROM ${t} WHERE key >= ? AND expires_at > ? ORDER BY key LIMIT ${KEYS_PAGE_SIZE}`,
      keysAfter: `SELECT key FROM ${t} WHERE key > ? AND expires_at > ? ORDER BY key LIMIT ${KEYS_PAGE_SIZE}`,
    },
  };
}
