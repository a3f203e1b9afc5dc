/** SqlStore's sqlite dialect on a database file through better-sqlite3. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { SqlStore, StorageMissingError, type SqlStoreOptions } from '../../src/stores/sql/index.js';
import { WORKER_STORE_TIMEOUT_MS } from './support/session-requests.js';
import { describeSqlStore } from './support/sql.js';
import { useStoreWithout } from './support/hidden-packages.js';

const dir = mkdtempSync(join(tmpdir(), 'sessionkit-sql-'));
const filename = join(dir, 'sessions.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeSqlStore('sqlite', {
  options: (table) => ({ dialect: 'sqlite', filename, table }),
  withPool(table) {
    const database = new Database(filename, { timeout: 5000 });
    return { options: { dialect: 'sqlite', database, table }, release: async () => void database.close() };
  },
  dialect: () => new SqliteDialect({ database: new Database(filename, { timeout: 5000 }) }),
  // sqlite: URLs open a SqliteStore: workers build the same SqlStore instead.
  childStore: (table) => ({ module: 'test/stores/support/child-stores.ts', export: 'openSqlStore', args: [{ dialect: 'sqlite', filename, table, timeoutMs: WORKER_STORE_TIMEOUT_MS }] }),
  unreachable: async () => ({ dialect: 'sqlite', filename: join(dir, 'missing-folder', 'sessions.sqlite') }),
  qualified: {
    table: 'main.sessions_qualified',
    setUp: async () => {},
    tearDown: async () => {},
  },
});

describe('SqlStore options', () => {
  it('refuses invalid or contradictory options with ConfigError', () => {
    const invalid: unknown[] = [
      { dialect: 'oracle', filename },
      { dialect: 'sqlite', filename, table: 'sessions; drop table x' },
      { dialect: 'sqlite', filename, table: 'a.b.c' },
      { dialect: 'sqlite', filename, timeoutMs: 0 },
      { dialect: 'sqlite' },
      { dialect: 'sqlite', filename, database: new Database(':memory:') },
      { dialect: 'postgres', connection: 'postgres://x', pool: { connect: async () => ({}), end: async () => {} } },
    ];
    for (const options of invalid) expect(() => new SqlStore(options as SqlStoreOptions), JSON.stringify(options)).toThrow(ConfigError);
    // Misspelt, or an option of another dialect.
    expect(() => new SqlStore({ dialect: 'sqlite', filename, timeOutMs: 100 } as never)).toThrow(/option timeOutMs is invalid: unknown option of SqlStore/);
    expect(() => new SqlStore({ dialect: 'postgres', filename } as never)).toThrow(/option filename is invalid: unknown option of SqlStore/);
    expect(new SqlStore({ dialect: 'postgres' }).name).toBe('sql (postgres)');
    expect(new SqlStore({ dialect: 'mysql', table: 'app.sessions' }).dialect).toBe('mysql');
  });
});

describe('SqlStore (sqlite) with createTable: false', () => {
  it('opens no file that does not exist, and finds no table it may not create', async () => {
    const absentFile = join(dir, 'absent.sqlite');
    const absent = new SqlStore({ dialect: 'sqlite', filename: absentFile, createTable: false });
    const error = await absent.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageMissingError);
    expect((error as StorageMissingError).missing).toBe(`the database file ${absentFile}`);
    expect(existsSync(absentFile)).toBe(false);
    await absent.close();
    new Database(filename).close(); // the file exists, without the table
    const noTable = new SqlStore({ dialect: 'sqlite', filename, table: 'never_created', createTable: false });
    await expect(noTable.load('session:x')).rejects.toThrow(/the table never_created does not exist/);
    await noTable.close();
  });
});

describe('SqlStore without its packages installed', () => {
  it.each([
    ['sql-postgres', 'kysely', 'npm install kysely@0.28'],
    ['sql-postgres', 'pg', 'npm install pg@8'],
    ['sql-mysql', 'mysql2', 'npm install mysql2@3'],
    ['sql-sqlite', 'better-sqlite3', 'npm install better-sqlite3@12'],
  ])('%s without %s: loads, and says to run %s', async (store, hidden, command) => {
    const report = await useStoreWithout(store, [hidden]);
    expect(report.moduleLoaded).toBe(true);
    expect(report.error).toMatchObject({ name: 'DriverMissingError', installCommand: command, isStoreError: true });
  });
});
