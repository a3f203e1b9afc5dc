import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from '../../src/errors.js';
import { FileSystemStore } from '../../src/stores/filesystem/index.js';
import { openStore, StorageMissingError, SUPPORTED_STORE_URLS, type OpenedStore } from '../../src/stores/from-url.js';
import { MemcachedStore } from '../../src/stores/memcached/index.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { MongoStore } from '../../src/stores/mongodb/index.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { SqlStore } from '../../src/stores/sql/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { startMemcached } from './support/memcached.js';
import { startMongo, startMongoPeer } from './support/mongo.js';
import { freePort } from './support/redis-server.js';
import { dropTable } from './support/shared-databases.js';

const HOUR = 3_600_000;
const KEY = `session:sk-from-url-${randomUUID().slice(0, 8)}`;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sessionkit-url-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes, reads back and deletes one record through `store`. */
async function roundTrip(store: OpenedStore): Promise<void> {
  const version = await store.create(KEY, new Uint8Array([1, 2, 3]), HOUR);
  expect(version).not.toBeNull();
  const record = await store.load(KEY);
  expect(Array.from(record!.value)).toEqual([1, 2, 3]);
  await store.destroy(KEY);
}

describe('openStore', () => {
  it('opens memory://', async () => {
    const store = await openStore('memory://?maxEntries=5');
    expect(store).toBeInstanceOf(MemoryStore);
    await roundTrip(store);
    await store.close();
  });

  it('opens file:///absolute/dir', async () => {
    const dir = join(root, 'files');
    const store = await openStore(`${pathToFileURL(dir).href}?threshold=50`);
    expect(store).toBeInstanceOf(FileSystemStore);
    await roundTrip(store);
    expect((await stat(dir)).isDirectory()).toBe(true);
    await store.close();
  });

  it('opens sqlite:///absolute/path, sqlite:relative/path and sqlite::memory:', async () => {
    const absolute = join(root, 'abs', 'sessions.db');
    const store = await openStore(`sqlite://${absolute}?table=app_sessions`);
    expect(store).toBeInstanceOf(SqliteStore);
    await roundTrip(store);
    await store.close();
    expect((await stat(absolute)).isFile()).toBe(true);

    const previous = process.cwd();
    process.chdir(root);
    try {
      const relative = await openStore('sqlite:rel/sessions.db');
      await roundTrip(relative);
      await relative.close();
      expect((await stat(join(root, 'rel', 'sessions.db'))).isFile()).toBe(true);
    } finally {
      process.chdir(previous);
    }

    const inMemory = await openStore('sqlite::memory:');
    await roundTrip(inMemory);
    await inMemory.close();
  });

  it('opens redis://host:port/db with its own client, which close() closes', async () => {
    const store = await openStore('redis://127.0.0.1:6379/0?timeoutMs=1000');
    expect(store).toBeInstanceOf(RedisStore);
    await roundTrip(store);
    await store.close();
    await expect(store.load(KEY)).rejects.toThrow(StoreError);
  });

  it('opens the networked stores, ready: memcached with several servers, MongoDB, PostgreSQL, MariaDB', async () => {
    const table = `sk_from_url_${randomUUID().slice(0, 8)}`;
    const memcached = await startMemcached();
    const mongo = await startMongoPeer();
    try {
      const opened = await Promise.all([
        openStore(`memcached://127.0.0.1:${memcached.port},127.0.0.1:${memcached.port}/?timeoutMs=5000`),
        openStore(`${mongo.url}?db=app&collection=web&timeoutMs=5000&appName=demo`),
        openStore(`postgres://postgres@127.0.0.1:5432/test?table=${table}&timeoutMs=5000`),
        openStore(`mariadb://root@127.0.0.1:3306/test?table=${table}&timeoutMs=5000`),
      ]);
      expect(opened.map((store) => store.constructor)).toEqual([MemcachedStore, MongoStore, SqlStore, SqlStore]);
      expect(opened.map((store) => store.name)).toEqual(['memcached', 'mongodb', 'sql (postgres)', 'sql (mysql)']);
      for (const store of opened) {
        await roundTrip(store);
        await store.close();
      }
    } finally {
      await dropTable('postgres', table);
      await dropTable('mysql', table);
      await memcached.stop();
      await mongo.stop();
    }
  });

  it('fails when the store is not ready, with the reason, before its timeout, and leaves nothing open', async () => {
    const port = await freePort(); // nothing listens there
    // Timeouts far beyond what a refused connection takes: failing before them shows the reason was seen.
    const timeoutMs = 30_000;
    for (const url of [
      `memcached://127.0.0.1:${port}/?timeoutMs=${timeoutMs}`,
      `postgres://postgres:hunter2-password@127.0.0.1:${port}/test?timeoutMs=${timeoutMs}`,
      `mysql://root:hunter2-password@127.0.0.1:${port}/test?timeoutMs=${timeoutMs}`,
      `redis://:hunter2-password@127.0.0.1:${port}/0?connectTimeoutMs=${timeoutMs}`,
    ]) {
      const started = Date.now();
      const error = await openStore(url).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(StoreError);
      expect(Date.now() - started, url).toBeLessThan(timeoutMs);
      expect((error as StoreError).message, url).toContain('ECONNREFUSED');
      expect((error as StoreError).message, url).not.toContain('hunter2-password');
      expect((error as StoreError).cause, url).toBeInstanceOf(Error);
    }
  });

  it('with create: false, creates no folder, database file or table, and says what is missing', async () => {
    const dir = join(root, 'never-created');
    const missingFolder = await openStore(pathToFileURL(dir).href, { create: false }).catch((e: unknown) => e);
    expect(missingFolder).toBeInstanceOf(StorageMissingError);
    expect((missingFolder as StorageMissingError).missing).toBe(`the session folder ${dir}`);
    const file = join(root, 'never-created.db');
    const missingFile = await openStore(`sqlite://${file}`, { create: false }).catch((e: unknown) => e);
    expect(missingFile).toBeInstanceOf(StorageMissingError);
    const table = `sk_never_${randomUUID().slice(0, 8)}`;
    const missingTable = await openStore(`postgres://postgres@127.0.0.1:5432/test?table=${table}`, { create: false }).catch((e: unknown) => e);
    expect(missingTable).toBeInstanceOf(StorageMissingError);
    expect((missingTable as StorageMissingError).message).toContain(`the table ${table} does not exist`);
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);

    // Existing storage opens as usual, and is used without being changed.
    const created = await openStore(`sqlite://${file}`);
    await created.create(KEY, new Uint8Array([7]), HOUR);
    await created.close();
    const readOnly = await openStore(`sqlite://${file}`, { create: false });
    expect(Array.from((await readOnly.load(KEY))!.value)).toEqual([7]);
    await readOnly.close();
  });

  it('checks every parameter before connecting to Redis', async () => {
    const port = await freePort();
    const bad = await openStore(`redis://127.0.0.1:${port}?timeoutMs=0&connectTimeoutMs=300`).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ConfigError);
    expect((bad as ConfigError).option).toBe('timeoutMs');
    await expect(openStore(`redis://127.0.0.1:${port}?connectTimeoutMs=-1`)).rejects.toThrow(/option connectTimeoutMs is invalid/);
    await expect(openStore(`redis://127.0.0.1:${port}`, { layout: 'flask' as never })).rejects.toThrow(/option layout is invalid/);
  });

  it('fails with StoreError when Redis cannot be reached', async () => {
    const port = await freePort();
    const error = await openStore(`redis://127.0.0.1:${port}?connectTimeoutMs=300`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).operation).toBe('connect');
  });

  it('reports a Redis database index out of range at once, with the server\'s reason', async () => {
    const started = Date.now();
    const error = await openStore('redis://127.0.0.1:6379/99?connectTimeoutMs=30000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/ERR DB index is out of range/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('rejects unknown schemes, listing the supported ones, and bad parameters', async () => {
    const unknown = await openStore('gopher://localhost/sessions').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ConfigError);
    expect((unknown as ConfigError).option).toBe('url');
    for (const scheme of ['memory://', 'file://', 'sqlite:', 'redis://', 'memcached://', 'mongodb://', 'postgres://', 'mysql://']) {
      expect((unknown as Error).message).toContain(scheme);
      expect(SUPPORTED_STORE_URLS.some((form) => form.startsWith(scheme))).toBe(true);
    }
    await expect(openStore('memory://', { layout: 'flask-session' })).rejects.toThrow(
      /Flask-Session layout is available for sqlite:, redis:, memcached:, mongodb:, postgres: and mysql: stores, not memory:/,
    );

    await expect(openStore('not a url')).rejects.toThrow(ConfigError);
    await expect(openStore('memory://?maxEntrys=5')).rejects.toThrow(/unknown query parameter "maxEntrys"/);
    await expect(openStore('memory://?maxEntries=lots')).rejects.toThrow(ConfigError);
    await expect(openStore('sqlite://somehost/sessions.db')).rejects.toThrow(ConfigError);
    await expect(openStore('sqlite:')).rejects.toThrow(ConfigError);
  });
});

describe('openStore with the Flask-Session layout', () => {
  const table = `fsk_url_${randomUUID().slice(0, 8)}`;
  const postgresUrl = process.env.SESSIONKIT_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const mysqlUrl = process.env.SESSIONKIT_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
  const FLASK_COLUMNS = ['id', 'session_id', 'data', 'expiry'];

  it('opens sqlite: as SqlStore on SQLite with ?layout=flask-session, the table being Flask-Session\'s', async () => {
    // SqlStore opens the file in an existing directory (SqliteStore would create it).
    await mkdir(join(root, 'flask'));
    const path = join(root, 'flask', 'sessions.sqlite');
    const store = await openStore(`sqlite://${path}?layout=flask-session&table=${table}&timeoutMs=1000`);
    expect(store).toBeInstanceOf(SqlStore);
    expect(store.name).toBe('sql (sqlite)');
    await roundTrip(store);
    await store.create(KEY, new Uint8Array([4]), HOUR);
    await store.close();
    const db = new Database(path);
    try {
      expect(db.prepare(`select name from pragma_table_info(?)`).all(table).map((row) => (row as { name: string }).name)).toEqual(FLASK_COLUMNS);
      expect(db.prepare(`select session_id, data from ${table}`).all()).toEqual([{ session_id: KEY, data: Buffer.from([4]) }]);
    } finally {
      db.close();
    }
    // The same through the option, and the sqlite: parameters of each store stay its own.
    const again = await openStore('sqlite::memory:', { layout: 'flask-session' });
    expect(again).toBeInstanceOf(SqlStore);
    await roundTrip(again);
    await again.close();
    await expect(openStore('sqlite::memory:?layout=flask-session&sweepIntervalMs=1000')).rejects.toThrow(/takes table and timeoutMs, not sweepIntervalMs/);
    await expect(openStore('sqlite::memory:?timeoutMs=1000')).rejects.toThrow(/SqliteStore takes busyTimeoutMs/);
  });

  it('opens postgres: and mysql: URLs on Flask-Session\'s table', async () => {
    for (const [url, columns] of [
      [`${postgresUrl}?layout=flask-session&table=${table}`, async () => {
        const client = new pg.Client({ connectionString: postgresUrl });
        await client.connect();
        try {
          const { rows } = await client.query<{ column_name: string }>(
            'select column_name from information_schema.columns where table_name = $1 order by ordinal_position',
            [table],
          );
          await client.query(`drop table ${table}`);
          return rows.map((row) => row.column_name);
        } finally {
          await client.end();
        }
      }],
      [`${mysqlUrl.replace(/^mysql:/, 'mariadb:')}?table=${table}&layout=flask-session`, async () => {
        const connection = await mysql.createConnection({ uri: mysqlUrl });
        try {
          const [rows] = await connection.query(
            'select column_name as name from information_schema.columns where table_schema = database() and table_name = ? order by ordinal_position',
            [table],
          );
          await connection.query(`drop table ${table}`);
          return (rows as { name: string }[]).map((row) => row.name);
        } finally {
          await connection.end();
        }
      }],
    ] as const) {
      const store = await openStore(url);
      expect(store).toBeInstanceOf(SqlStore);
      await roundTrip(store);
      await store.close();
      expect(await columns()).toEqual(FLASK_COLUMNS);
    }
  });

  it('opens mongodb: URLs with Flask-Session\'s documents, the layout parameter not passed to the driver', async () => {
    const server = await startMongo();
    const db = `flask_url_${randomUUID().slice(0, 8)}`;
    const client = new MongoClient(server.url);
    try {
      const store = await openStore(`${server.url}?layout=flask-session&db=${db}&timeoutMs=5000`);
      expect(store).toBeInstanceOf(MongoStore);
      await roundTrip(store);
      await store.create(KEY, new Uint8Array([5]), HOUR);
      const document = await client.db(db).collection('sessions').findOne({ id: KEY }, { projection: { _id: 0 } });
      expect(Object.keys(document!).sort()).toEqual(['expiration', 'id', 'val']);
      await store.close();
    } finally {
      await client.db(db).dropDatabase();
      await client.close();
      await server.stop();
    }
  });

  it('refuses a layout it does not know, the layout twice, or a URL and options that disagree', async () => {
    await expect(openStore('postgres://postgres@127.0.0.1:1/test?layout=flask')).rejects.toThrow(/option layout is invalid/);
    await expect(openStore('postgres://postgres@127.0.0.1:1/test?layout=flask-session&layout=flask-session')).rejects.toThrow(/once/);
    await expect(openStore('mysql://root@127.0.0.1:1/test?layout=flask-session', { layout: 'sessionkit' })).rejects.toThrow(
      /the URL says layout=flask-session but the options say sessionkit/,
    );
    await expect(openStore('file:///tmp/sessions?layout=flask-session')).rejects.toThrow(/not file:/);
    // The sessionkit layout may be named in any URL.
    const memory = await openStore('memory://?layout=sessionkit');
    expect(memory).toBeInstanceOf(MemoryStore);
    await memory.close();
  });
});
