/**
 * SqlStore in the Flask-Session layout on SQLite, PostgreSQL (127.0.0.1:5432 or
 * SESSIONKIT_POSTGRES_URL) and MariaDB (127.0.0.1:3306 or SESSIONKIT_MYSQL_URL): the conformance
 * suite, the table as SQLAlchemy creates it, and the rows real Flask-Session 0.8 wrote and read
 * (test/fixtures/flask-session-backends/, see support/flask-session-vectors.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { ServerSessionInterface } from '../../src/index.js';
import { SqlStore, type SqlDialectName, type SqlStoreOptions } from '../../src/stores/sql/index.js';
import { describeStoreConformance, type ConformanceOptions } from './conformance.js';
import {
  finalState,
  interfaceVectors,
  readVectorFile,
  requestTime,
  reverseTime,
  sessionReadBack,
  storedStates,
  VECTORS_DIR,
  writtenParam,
  type ForwardVector,
  type VectorFile,
} from './support/flask-session-vectors.js';

const POSTGRES_URL = process.env.SESSIONKIT_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env.SESSIONKIT_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const HOUR = 3_600_000;
const run = randomUUID().slice(0, 8);
const dir = mkdtempSync(join(tmpdir(), 'sessionkit-sql-flask-'));
const sqliteFile = join(dir, 'sessions.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Plain SQL on one database, `?` placeholders, for what a third party (or Flask) does there. */
interface RawDatabase {
  run(text: string, params?: unknown[]): Promise<void>;
  rows<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

function sqliteRaw(filename: string): RawDatabase {
  const db = new Database(filename, { timeout: 5000 });
  return {
    run: async (text, params = []) => void db.prepare(text).run(...params),
    rows: async <T>(text: string, params: unknown[] = []) => db.prepare(text).all(...params) as T[],
    close: async () => void db.close(),
  };
}

function postgresRaw(): RawDatabase {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  const numbered = (text: string): string => {
    let n = 0;
    return text.replace(/\?/g, () => `$${++n}`);
  };
  return {
    run: async (text, params = []) => void (await pool.query(numbered(text), params)),
    rows: async <T>(text: string, params: unknown[] = []) => (await pool.query(numbered(text), params)).rows as T[],
    close: () => pool.end(),
  };
}

function mysqlRaw(): RawDatabase {
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
  return {
    run: async (text, params = []) => void (await pool.query(text, params)),
    rows: async <T>(text: string, params: unknown[] = []) => (await pool.query(text, params))[0] as T[],
    close: () => pool.end(),
  };
}

/** How each database is reached, and how it shows a row as the vectors recorded it. */
interface Target {
  vectors: string;
  options(table: string): SqlStoreOptions;
  raw(): RawDatabase;
  /** The recorded row's columns: `expiry` as the database prints it, plus its type. */
  rowQuery(table: string): string;
  conformance?: ConformanceOptions;
}

const TARGETS: Record<SqlDialectName, Target> = {
  sqlite: {
    vectors: 'sqlalchemy-sqlite.json',
    options: (table) => ({ dialect: 'sqlite', filename: sqliteFile, table, layout: 'flask-session' }),
    raw: () => sqliteRaw(sqliteFile),
    rowQuery: (table) =>
      `select data, expiry, typeof(id) as id_type, typeof(session_id) as session_id_type, typeof(data) as data_type, typeof(expiry) as expiry_type from ${table} where session_id = ?`,
  },
  postgres: {
    vectors: 'sqlalchemy-postgres.json',
    options: (table) => ({ dialect: 'postgres', connection: POSTGRES_URL, table, layout: 'flask-session' }),
    raw: postgresRaw,
    rowQuery: (table) => `select data, expiry::text as expiry, pg_typeof(expiry)::text as expiry_type from ${table} where session_id = ?`,
  },
  mysql: {
    vectors: 'sqlalchemy-mysql.json',
    options: (table) => ({ dialect: 'mysql', connection: MYSQL_URL, table, layout: 'flask-session' }),
    raw: mysqlRaw,
    rowQuery: (table) => `select data, cast(expiry as char) as expiry from ${table} where session_id = ?`,
    // DATETIME keeps whole seconds; Flask-Session's data column is a BLOB.
    conformance: { shortTtlMs: 2000, maxValueBytes: 65_535 },
  },
};

/** The DDL a vector file recorded for `recorded`, for the table `table`. */
function recordedDdl(file: VectorFile, recorded: string, table: string, field: 'sqlalchemy_create_table' | 'ddl_written_by_plain_python'): string {
  const ddl = file.tables?.[recorded]?.[field];
  if (typeof ddl !== 'string') throw new Error(`no ${field} recorded for ${recorded}`);
  return ddl.replaceAll(recorded, table);
}

/** Flask-Session's clock when it saved a state: the stored expiry minus the lifetime. */
const savedAt = (state: { expiresAtMs: number | undefined; ttlMs: number }): number => state.expiresAtMs! - state.ttlMs;

/** The last request of a vector with recorded times (the session was live then). */
function vectorTime(vector: ForwardVector): number {
  return requestTime(vector.requests.filter((request) => request.expiry).at(-1)!);
}

const sha1 = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex');

for (const [dialect, target] of Object.entries(TARGETS) as [SqlDialectName, Target][]) {
  const file = readVectorFile(target.vectors);
  const tables: string[] = [];
  const table = (name: string): string => {
    const full = `fsk_${run}_${name}`;
    tables.push(full);
    return full;
  };

  describe(`SqlStore (${dialect}), Flask-Session layout`, () => {
    let raw: RawDatabase;
    beforeAll(() => {
      raw = target.raw();
    });
    afterAll(async () => {
      for (const name of tables) await raw.run(`drop table if exists ${name}`);
      await raw.close();
    });

    const conformanceTable = table('conformance');
    describeStoreConformance(
      `SqlStore (${dialect}), Flask-Session layout`,
      async ({ clock }) => {
        const store = new SqlStore({ ...target.options(conformanceTable), clock });
        return { store, cleanup: () => store.close() };
      },
      // The multi-process session test runs on this database in the sessionkit layout.
      { time: 'clock', sessionWorkers: false, sessionFormat: 'msgpack', ...target.conformance },
    );

    it("creates Flask-Session's table as SQLAlchemy creates it", async () => {
      const name = table('ddl');
      const store = new SqlStore(target.options(name));
      try {
        await store.load('session:x');
        const recorded = file.tables!.fsvec_sessions_msgpack!;
        const rename = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replaceAll('fsvec_sessions_msgpack', name));
        if (dialect === 'sqlite') {
          const [master] = await raw.rows<{ sql: string }>(`select sql from sqlite_master where type = 'table' and name = ?`, [name]);
          // SQLAlchemy leaves a plain name unquoted; the store always quotes it.
          expect(master!.sql.replace(`"${name}"`, name)).toBe(recordedDdl(file, 'fsvec_sessions_msgpack', name, 'sqlalchemy_create_table'));
          expect(await raw.rows(`select * from pragma_table_info(?)`, [name])).toEqual(recorded.pragma_table_info);
          expect(await raw.rows(`select seq, name, "unique", origin, partial from pragma_index_list(?)`, [name])).toEqual(
            rename(recorded.pragma_index_list),
          );
        } else if (dialect === 'postgres') {
          const columns = await raw.rows(
            `select column_name, data_type, character_maximum_length, datetime_precision, is_nullable, column_default
             from information_schema.columns where table_name = ? order by ordinal_position`,
            [name],
          );
          expect(columns).toEqual(rename(recorded.columns));
          expect(await raw.rows(`select indexname, indexdef from pg_indexes where tablename = ? order by indexname`, [name])).toEqual(
            rename(recorded.indexes),
          );
          expect(
            await raw.rows(`select conname, pg_get_constraintdef(oid) as definition from pg_constraint where conrelid = ?::regclass order by conname`, [name]),
          ).toEqual(rename(recorded.constraints));
        } else {
          const columns = await raw.rows(
            `select COLUMN_NAME, COLUMN_TYPE, DATETIME_PRECISION, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, CHARACTER_SET_NAME, COLLATION_NAME
             from information_schema.columns where table_schema = database() and table_name = ? order by ordinal_position`,
            [name],
          );
          expect(columns).toEqual(recorded.columns);
          const indexes = (await raw.rows<Record<string, unknown>>(`show index from ${name}`)).map(
            ({ Key_name, Non_unique, Column_name, Index_type }) => ({ Key_name, Non_unique, Column_name, Index_type }),
          );
          expect(indexes).toEqual(recorded.indexes);
        }
      } finally {
        await store.close();
      }
    });

    it("keeps an update across Flask-Session's refresh of the row, and reports a conflict after Flask-Session rewrote its data", async () => {
      const name = table('interleaved');
      const store = new SqlStore(target.options(name));
      const key = 'session:interleaved';
      /** A naive UTC datetime as Flask-Session sends it. */
      const utc = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '000');
      try {
        await store.create(key, Buffer.from('a'), HOUR);
        const loaded = (await store.load(key))!;
        const id = (await raw.rows<{ id: number }>(`select id from ${name} where session_id = ?`, [key]))[0]!.id;
        // A read-only request in the Flask app: Flask-Session moves the expiry only.
        await raw.run(`update ${name} set expiry = ? where id = ?`, [utc(Date.now() + 2 * HOUR), id]);
        expect(await store.update(key, Buffer.from('b'), loaded.version, HOUR)).toEqual({ ok: true, version: sha1(Buffer.from('b')) });
        // A write in the Flask app: Flask-Session replaces data and expiry.
        const current = (await store.load(key))!;
        await raw.run(`update ${name} set data = ?, expiry = ? where id = ?`, [Buffer.from('flask'), utc(Date.now() + HOUR), id]);
        expect(await store.update(key, Buffer.from('c'), current.version, HOUR)).toEqual({ ok: false, reason: 'conflict' });
        expect(Buffer.from((await store.load(key))!.value).toString()).toBe('flask');
      } finally {
        await store.close();
      }
    });

    describe('the rows Flask-Session wrote', () => {
      const flaskTable = table('flask');
      let store: SqlStore;
      let now = 0;
      beforeAll(async () => {
        await raw.run(recordedDdl(file, 'fsvec_sessions_msgpack', flaskTable, 'sqlalchemy_create_table'));
        for (const vector of file.vectors) {
          const state = finalState(vector);
          if (!state.row) continue; // deleted by Flask-Session (session.clear())
          await raw.run(`insert into ${flaskTable} (session_id, data, expiry) values (?, ?, ?)`, [state.storeId, state.data, state.row.expiry]);
        }
        store = new SqlStore({ ...target.options(flaskTable), createTable: false, clock: () => now });
      });
      afterAll(() => store.close());

      it.each(file.vectors.map((vector) => [vector.id, vector] as const))('%s: load() returns the recorded bytes and expiry', async (_id, vector) => {
        const state = finalState(vector);
        now = vectorTime(vector);
        const record = await store.load(state.storeId);
        if (!state.row) {
          expect(record).toBeNull();
          return;
        }
        expect(Buffer.from(record!.value).equals(state.data!)).toBe(true);
        expect(record!.version).toBe(sha1(state.data!));
        expect(record!.expiresAt).toBe(state.expiresAtMs);
        // One microsecond after the stored expiry, it is gone, as Flask-Session sees it.
        now = state.expiresAtMs! + 0.001;
        expect(await store.load(state.storeId)).toBeNull();
        now = state.expiresAtMs! - 0.001;
        expect(await store.load(state.storeId)).not.toBeNull();
      });

      it.each(interfaceVectors(file))('%s: ServerSessionInterface reads the session Flask-Session read', async (_id, vector) => {
        const config = vector.flask_config;
        now = vectorTime(vector);
        const sessions = new ServerSessionInterface({
          store,
          SECRET_KEY: config.SECRET_KEY,
          SESSION_USE_SIGNER: config.SESSION_USE_SIGNER,
          SESSION_KEY_PREFIX: config.SESSION_KEY_PREFIX,
          SESSION_SERIALIZATION_FORMAT: config.SESSION_SERIALIZATION_FORMAT,
          PERMANENT_SESSION_LIFETIME: config.PERMANENT_SESSION_LIFETIME,
          SESSION_COOKIE_NAME: config.SESSION_COOKIE_NAME,
          clock: () => now,
        });
        const read = vector.requests.find((request) => request.request === 'GET /read')!;
        const session = sessions.open(read.request_cookie_header);
        await session.load();
        expect(session.isNew).toBe(false);
        expect(session.id).toBe(vector.summary.sid);
        expect(session.toObject()).toEqual(sessionReadBack(vector));
      });
    });

    it.each(file.vectors.map((vector) => [vector.id, vector] as const))('%s: sessionkit writes the rows Flask-Session wrote', async (_id, vector) => {
      const name = table(`w${file.vectors.indexOf(vector)}`);
      let now = 0;
      const store = new SqlStore({ ...target.options(name), clock: () => now });
      try {
        let version: string | null = null;
        for (const state of storedStates(vector)) {
          if (state.op === 'delete') {
            await store.destroy(state.storeId);
            expect(await raw.rows(target.rowQuery(name), [state.storeId])).toEqual([]);
            continue;
          }
          now = savedAt(state);
          if (version === null) version = await store.create(state.storeId, state.data!, state.ttlMs);
          else if (state.wroteData) {
            const result = await store.update(state.storeId, state.data!, version, state.ttlMs);
            expect(result.ok).toBe(true);
            version = result.ok ? result.version : null;
          } else expect(await store.touch(state.storeId, state.ttlMs)).toBe(true);
          expect(version).toBe(sha1(state.data!));

          const rows = await raw.rows<Record<string, unknown>>(target.rowQuery(name), [state.storeId]);
          expect(rows).toHaveLength(1);
          const row = rows[0]!;
          expect(Buffer.from(row.data as Uint8Array).equals(state.data!)).toBe(true);
          expect(row.expiry).toBe(state.row!.expiry);
          if (dialect === 'sqlite') {
            expect({ id: row.id_type, session_id: row.session_id_type, data: row.data_type, expiry: row.expiry_type }).toEqual(state.row!.sqlite_typeof);
          }
          if (dialect === 'postgres') expect(row.expiry_type).toBe(state.row!.expiry_pg_type);
        }
      } finally {
        await store.close();
      }
    });

    describe('rows a third party wrote', () => {
      const reverseTable = table('reverse');
      let store: SqlStore;
      const now = reverseTime(file);
      beforeAll(async () => {
        const recorded = Object.keys(file.tables!).find((name) => name.startsWith('fsvec_reverse_'))!;
        await raw.run(recordedDdl(file, recorded, reverseTable, 'ddl_written_by_plain_python'));
        store = new SqlStore({ ...target.options(reverseTable), clock: () => now });
      });
      afterAll(() => store.close());

      it.each(file.reverse_vectors.map((vector) => [vector.id, vector.expected_flask_sees_session, vector] as const))(
        '%s: Flask-Session used it: %s; so does the store',
        async (_id, accepted, vector) => {
          const written = vector.written_by_plain_python;
          const sql = written.sql!.replace(/fsvec_reverse_(msgpack|json)/, reverseTable).replaceAll('%s', '?');
          await raw.run(sql, written.params!.map(writtenParam));
          expect(vector.flask_saw_this_session).toBe(accepted);
          const record = await store.load(vector.store_id);
          if (accepted) {
            expect(Buffer.from(record!.value).equals(writtenParam(written.params![1]) as Buffer)).toBe(true);
            expect(record!.expiresAt).toBeGreaterThan(now);
            // A live session: its id is taken.
            expect(await store.create(vector.store_id, new Uint8Array([1]), HOUR)).toBeNull();
          } else {
            expect(record).toBeNull();
            // No session: the id is free, and the row is taken over.
            expect(await store.create(vector.store_id, new Uint8Array([1]), HOUR)).not.toBeNull();
            expect(Array.from((await store.load(vector.store_id))!.value)).toEqual([1]);
          }
        },
      );
    });
  });
}

describe("SqlStore (sqlite), Flask-Session layout, on the database file Flask-Session wrote", () => {
  const file = readVectorFile('sqlalchemy-sqlite.json');
  const copy = join(dir, 'flask-session.sqlite');
  beforeAll(() => copyFileSync(join(VECTORS_DIR, 'sessions.sqlite'), copy));

  it.each(['msgpack', 'json'] as const)('reads every %s session of sessions.sqlite', async (format) => {
    const vectors = file.vectors.filter((vector) => vector.serialization_format === format);
    let now = Math.max(...vectors.map(vectorTime));
    const store = new SqlStore({ dialect: 'sqlite', filename: copy, table: `fsvec_sessions_${format}`, layout: 'flask-session', clock: () => now });
    try {
      let live = 0;
      for (const vector of vectors) {
        const state = finalState(vector);
        const record = await store.load(state.storeId);
        if (!state.row) {
          expect(record).toBeNull();
          continue;
        }
        live++;
        expect(Buffer.from(record!.value).equals(state.data!)).toBe(true);
        expect(record!.expiresAt).toBe(state.expiresAtMs);
      }
      const listed: string[] = [];
      for await (const key of store.keys('')) listed.push(key);
      expect(listed.sort()).toEqual(vectors.filter((vector) => finalState(vector).row).map((vector) => vector.summary.store_id).sort());
      expect(listed).toHaveLength(live);
      // A month later every session has expired; sweep() removes them, as Flask-Session's cleanup would.
      now += 40 * 24 * HOUR;
      expect(await store.sweep()).toBe(live);
    } finally {
      await store.close();
    }
  });
});

describe('SqlStore (mysql), Flask-Session layout, keys that differ only in case', () => {
  it("share one row of Flask-Session's case-insensitive session_id column: never each other's data", async () => {
    const name = `fsk_${run}_case`;
    const store = new SqlStore({ ...TARGETS.mysql.options(name) });
    const raw = mysqlRaw();
    try {
      expect(await store.create('session:Abc', new Uint8Array([1]), HOUR)).not.toBeNull();
      expect(await store.load('session:abc')).toBeNull();
      expect(await store.create('session:abc', new Uint8Array([2]), HOUR)).toBeNull();
      expect(await store.update('session:abc', new Uint8Array([3]), sha1(new Uint8Array([1])), HOUR)).toEqual({ ok: false, reason: 'missing' });
      expect(await store.touch('session:abc', HOUR)).toBe(false);
      expect(Array.from((await store.load('session:Abc'))!.value)).toEqual([1]);
    } finally {
      await store.close();
      await raw.run(`drop table if exists ${name}`);
      await raw.close();
    }
  });
});

describe('SqlStore layout option', () => {
  it('takes sessionkit or flask-session, and refuses anything else with ConfigError', () => {
    expect(() => new SqlStore({ dialect: 'sqlite', filename: sqliteFile, layout: 'flask' as never })).toThrow(ConfigError);
    expect(() => new SqlStore({ dialect: 'postgres', layout: 'Flask-Session' as never })).toThrow(/option layout is invalid/);
    expect(new SqlStore({ dialect: 'mysql', layout: 'sessionkit' }).name).toBe('sql (mysql)');
  });
});
