import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from '../../src/errors.js';
import { SqliteStore, StorageMissingError, defaultSqlitePath, type SqliteDatabase } from '../../src/stores/sqlite/index.js';
import { describeStoreConformance } from './conformance.js';
import { WORKER_STORE_TIMEOUT_MS } from './support/session-requests.js';

let root: string;
let counter = 0;
/** A fresh database path in this file's temporary folder. */
const freshPath = (): string => join(root, `db-${++counter}`, 'sessions.sqlite');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sessionkit-sqlite-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The database file every store of the conformance suite shares (instances of one test share records). */
let conformancePath: string | undefined;
describeStoreConformance(
  'SqliteStore',
  async ({ clock }) => {
    const store = new SqliteStore({ path: (conformancePath ??= freshPath()), clock });
    return { store, cleanup: () => store.close() };
  },
  { time: 'clock', childStore: () => ({ url: `sqlite://${conformancePath!}?busyTimeoutMs=${WORKER_STORE_TIMEOUT_MS}` }) },
);

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const HOUR = 3_600_000;

describe('SqliteStore', () => {
  it('with createTable: false, creates nothing: a missing file or table is StorageMissingError', async () => {
    const path = freshPath();
    const absent = new SqliteStore({ path, createTable: false });
    for (const call of [() => absent.ready(), () => absent.load('session:x')]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageMissingError);
      expect((error as StorageMissingError).missing).toBe(`the database file ${path}`);
    }
    await expect(stat(join(path, '..'))).rejects.toThrow(/ENOENT/);

    const other = join(root, `other-${++counter}.sqlite`);
    new Database(other).close(); // someone else's database: no sessions table
    const noTable = new SqliteStore({ path: other, createTable: false });
    await expect(noTable.ready()).rejects.toThrow(/the table sessions does not exist/);
    const check = new Database(other, { readonly: true });
    expect(check.prepare("select name from sqlite_master where type = 'table'").all()).toEqual([]);
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    check.close();

    const writer = new SqliteStore({ path });
    await writer.create('session:x', bytes('x'), HOUR);
    await writer.close();
    const reader = new SqliteStore({ path, createTable: false });
    await reader.ready();
    expect((await reader.load('session:x'))!.value).toEqual(bytes('x'));
    await reader.close();
  });

  it('creates its folder, WAL mode, the table, the expiry index and the version counter', async () => {
    const path = freshPath();
    const store = new SqliteStore({ path });
    await store.create('session:a', bytes('x'), HOUR);
    await store.close();
    expect((await stat(join(path, '..'))).mode & 0o777).toBe(0o700);

    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const columns = db.prepare('PRAGMA table_info(sessions)').all() as { name: string; type: string; pk: number }[];
      expect(columns.map((c) => [c.name, c.type, c.pk])).toEqual([
        ['key', 'TEXT', 1],
        ['value', 'BLOB', 0],
        ['version', 'INTEGER', 0],
        ['expires_at', 'INTEGER', 0],
      ]);
      const indexes = db.prepare('PRAGMA index_list(sessions)').all() as { name: string }[];
      expect(indexes.map((i) => i.name)).toContain('sessions_expires_at');
      const row = db.prepare('SELECT key, value, version, expires_at FROM sessions').get() as {
        key: string;
        value: Buffer;
        version: number;
        expires_at: number;
      };
      expect(row.key).toBe('session:a');
      expect(row.value.toString()).toBe('x');
      expect(row.version).toBeGreaterThan(0);
      expect(row.expires_at).toBeGreaterThan(Date.now());
    } finally {
      db.close();
    }
  });

  it('keeps versions unique across store instances and deleted rows', async () => {
    const path = freshPath();
    const first = new SqliteStore({ path });
    const v1 = (await first.create('session:v', bytes('1'), HOUR))!;
    await first.destroy('session:v');
    await first.close();
    const second = new SqliteStore({ path });
    const v2 = (await second.create('session:v', bytes('2'), HOUR))!;
    await second.close();
    expect(v2).not.toBe(v1);
    expect(Number(v2)).toBeGreaterThan(Number(v1));
  });

  it('loses no update when two connections to one file write concurrently', async () => {
    const path = freshPath();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    const key = 'session:shared';
    await a.create(key, bytes('{}'), HOUR);
    const writer = async (store: SqliteStore, id: number): Promise<void> => {
      for (;;) {
        const record = (await store.load(key))!;
        const data = JSON.parse(new TextDecoder().decode(record.value)) as Record<string, number>;
        data[`w${id}`] = id;
        const result = await store.update(key, bytes(JSON.stringify(data)), record.version, HOUR);
        if (result.ok) return;
        expect(result.reason).toBe('conflict');
        await sleep(0);
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, id) => writer(id % 2 ? a : b, id)));
    const final = JSON.parse(new TextDecoder().decode((await b.load(key))!.value)) as Record<string, number>;
    expect(Object.keys(final)).toHaveLength(40);
    await a.close();
    await b.close();
  });

  it('uses a database it is given, with a custom table, and never closes it', async () => {
    const db = new Database(freshPath().replace('/sessions.sqlite', '.sqlite'));
    const store = new SqliteStore({ database: db satisfies SqliteDatabase, table: 'web_sessions', sweepIntervalMs: 0 });
    const version = (await store.create('session:g', bytes('given'), HOUR))!;
    expect((await store.load('session:g'))!.version).toBe(version);
    await store.close();
    expect(db.open).toBe(true);
    const row = db.prepare('SELECT value FROM web_sessions WHERE key = ?').get('session:g') as { value: Buffer };
    expect(row.value.toString()).toBe('given');
    await expect(store.load('session:g')).rejects.toThrow(StoreError);
    db.close();
  });

  it('rejects a table name that is not a plain identifier', () => {
    expect(() => new SqliteStore({ table: 'sessions; DROP TABLE x' })).toThrow(ConfigError);
  });

  it('sweeps expired rows in the background', async () => {
    const path = freshPath();
    let time = Date.now();
    const store = new SqliteStore({ path, sweepIntervalMs: 50, clock: () => time });
    await store.create('session:old', bytes('x'), 100);
    await store.create('session:new', bytes('y'), HOUR);
    time += 200;
    const db = new Database(path, { readonly: true });
    const keys = (): string[] => (db.prepare('SELECT key FROM sessions ORDER BY key').all() as { key: string }[]).map((r) => r.key);
    try {
      // The sweep runs on its own timer: wait for it (bounded), then the expired row is gone.
      const giveUp = Date.now() + 10_000;
      while (keys().length > 1 && Date.now() < giveUp) await sleep(20);
      expect(keys()).toEqual(['session:new']);
    } finally {
      db.close();
      await store.close();
    }
  });

  it('fails with StoreError when the database path cannot be opened', async () => {
    const file = join(root, `plain-file-${++counter}`);
    await writeFile(file, 'not a folder');
    const underFile = new SqliteStore({ path: join(file, 'sessions.sqlite') });
    const error = await underFile.load('session:x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).store).toBe('sqlite');
    expect((error as StoreError).operation).toBe('load');
    expect((error as StoreError).cause).toBeDefined();

    const notADatabase = join(root, `garbage-${++counter}.sqlite`);
    await writeFile(notADatabase, 'this is not an SQLite database file, just some text '.repeat(100));
    const garbage = new SqliteStore({ path: notADatabase });
    await expect(garbage.create('session:x', bytes('x'), HOUR)).rejects.toThrow(StoreError);

    const isDirectory = new SqliteStore({ path: root });
    await expect(isDirectory.create('session:x', bytes('x'), HOUR)).rejects.toThrow(StoreError);
  });

  it('fails with StoreError, changing nothing, while another process holds the write lock', async () => {
    const path = freshPath();
    const store = new SqliteStore({ path, busyTimeoutMs: 100 });
    const version = (await store.create('session:locked', bytes('before'), HOUR))!;
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const error = await store.update('session:locked', bytes('after'), version, HOUR).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).operation).toBe('update');
      // Readers are not blocked in WAL mode.
      expect(new TextDecoder().decode((await store.load('session:locked'))!.value)).toBe('before');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect((await store.update('session:locked', bytes('after'), version, HOUR)).ok).toBe(true);
    await store.close();
  });

  it('defaults to .sessionkit/sessions.sqlite under the working directory, creating the folder', async () => {
    const previous = process.cwd();
    const cwd = join(root, `cwd-${++counter}`);
    await rm(cwd, { recursive: true, force: true });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(cwd);
    process.chdir(cwd);
    try {
      expect(defaultSqlitePath()).toBe(join(cwd, '.sessionkit', 'sessions.sqlite'));
      const store = new SqliteStore();
      await store.create('session:d', bytes('x'), HOUR);
      await store.close();
      expect((await stat(join(cwd, '.sessionkit', 'sessions.sqlite'))).isFile()).toBe(true);
    } finally {
      process.chdir(previous);
    }
  });

  it('rejects bad TTLs, bad options and a misspelt one', async () => {
    const store = new SqliteStore({ path: freshPath() });
    await expect(store.create('k', bytes('x'), -1)).rejects.toThrow(RangeError);
    expect(() => new SqliteStore({ sweepIntervalMs: -5 })).toThrow(ConfigError);
    expect(() => new SqliteStore({ busyTimeout: 100 } as never)).toThrow(/option busyTimeout is invalid: unknown option of SqliteStore/);
    await store.close();
  });
});
