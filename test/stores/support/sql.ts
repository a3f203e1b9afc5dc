/**
 * SqlStore tests shared by the PostgreSQL, MariaDB and SQLite files: the conformance suite, plus
 * what is specific to a SQL table (schema, races, pagination, key comparison, pools and kysely
 * instances passed in, outages). Each file gives the dialect and how to reach its database.
 */
import { randomUUID } from 'node:crypto';
import { CamelCasePlugin, Kysely, sql, type Dialect } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../../src/errors.js';
import { SqlStore, type SqlStoreOptions } from '../../../src/stores/sql/index.js';
import { describeStoreConformance } from '../conformance.js';
import type { ChildStore } from './session-requests.js';
import { TIMEOUT_SLACK_MS } from './timing.js';

const HOUR = 3_600_000;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array): string => new TextDecoder().decode(value);

/** How one database is reached in the tests. */
export interface SqlTarget {
  /** Options reaching the database through a pool / connection the store creates. */
  options(table: string): SqlStoreOptions;
  /** Options reaching it through a pool or database object the test creates and releases. */
  withPool(table: string): { options: SqlStoreOptions; release(): Promise<void> };
  /** A kysely dialect for the test's own Kysely instance (admin queries, passing one in). */
  dialect(): Dialect;
  /** The options of a store whose database cannot be reached, or `undefined` (no such case). */
  unreachable?(): Promise<SqlStoreOptions>;
  /** How a worker process opens a store on the same database and `table` (session concurrency tests). */
  childStore(table: string): ChildStore;
  /** A schema-qualified table name to try, with what creates and drops its schema. */
  qualified?: { table: string; setUp(admin: Kysely<unknown>): Promise<void>; tearDown(admin: Kysely<unknown>): Promise<void> };
}

/** Registers the conformance suite and the SQL-specific tests of `SqlStore` on `target`. */
export function describeSqlStore(label: string, target: SqlTarget): void {
  const run = randomUUID().slice(0, 8);
  const tables: string[] = [];
  const table = (name: string): string => {
    const full = `sk_${run}_${name}`;
    tables.push(full);
    return full;
  };
  const admin = new Kysely<unknown>({ dialect: target.dialect() });

  afterAll(async () => {
    for (const name of tables) await sql`drop table if exists ${sql.table(name)}`.execute(admin);
    await admin.destroy();
  });

  const conformanceTable = table('conformance');
  describeStoreConformance(
    `SqlStore (${label})`,
    async ({ clock }) => {
      const store = new SqlStore({ ...target.options(conformanceTable), clock });
      return { store, cleanup: () => store.close() };
    },
    { time: 'clock', childStore: () => target.childStore(conformanceTable) },
  );

  const pooledTable = table('pooled');
  describeStoreConformance(
    `SqlStore (${label}), pool passed in`,
    async ({ clock }) => {
      const { options, release } = target.withPool(pooledTable);
      const store = new SqlStore({ ...options, clock });
      return {
        store,
        cleanup: async () => {
          await store.close();
          await release();
        },
      };
    },
    // The workers of the suite above already ran on this database.
    { time: 'clock', sessionWorkers: false },
  );

  describe(`SqlStore (${label}) on its database`, () => {
    it('creates the documented table once, and finds it again', async () => {
      const name = table('schema');
      const first = new SqlStore(target.options(name));
      const second = new SqlStore(target.options(name));
      try {
        await Promise.all([first.load('session:x'), second.load('session:x')]);
        const version = await first.create('session:x', bytes('x'), HOUR);
        const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(admin);
        expect(rows.rows).toHaveLength(1);
        expect(Object.keys(rows.rows[0]!).sort()).toEqual(['expires_at', 'key', 'value', 'version']);
        expect(String(rows.rows[0]!.version)).toBe(version);
        const reopened = new SqlStore(target.options(name));
        expect((await reopened.load('session:x'))!.version).toBe(version);
        await reopened.close();
      } finally {
        await first.close();
        await second.close();
      }
    });

    it('compares keys exactly: case, trailing spaces and LIKE wildcards matter', async () => {
      const store = new SqlStore(target.options(table('exact')));
      try {
        const keys = ['session:Abc', 'session:abc', 'session:abc ', 'session:a%c', 'session:a_c', 'session:a!c'];
        for (const key of keys) expect(await store.create(key, bytes(key), HOUR)).not.toBeNull();
        for (const key of keys) expect(text((await store.load(key))!.value)).toBe(key);
        const listed = async (prefix: string): Promise<string[]> => {
          const found: string[] = [];
          for await (const key of store.keys(prefix)) found.push(key);
          return found.sort();
        };
        expect(await listed('session:a')).toEqual(['session:a!c', 'session:a%c', 'session:a_c', 'session:abc', 'session:abc '].sort());
        expect(await listed('session:A')).toEqual(['session:Abc']);
        expect(await listed('session:a%')).toEqual(['session:a%c']);
        expect(await listed('session:a_')).toEqual(['session:a_c']);
        expect(await listed('session:a!')).toEqual(['session:a!c']);
        expect(await listed('session:abc ')).toEqual(['session:abc ']);
        await expect(store.create('k'.repeat(256), bytes('x'), HOUR)).rejects.toBeInstanceOf(RangeError);
        expect(await store.create('k'.repeat(255), bytes('x'), HOUR)).not.toBeNull();
      } finally {
        await store.close();
      }
    });

    it('pages through more keys than one query returns', async () => {
      const store = new SqlStore(target.options(table('many')));
      try {
        const keys = Array.from({ length: 1234 }, (_, i) => `session:many:${String(i).padStart(5, '0')}`);
        for (let i = 0; i < keys.length; i += 100) {
          await Promise.all(keys.slice(i, i + 100).map((key) => store.create(key, bytes('x'), HOUR)));
        }
        const listed: string[] = [];
        for await (const key of store.keys('session:many:')) listed.push(key);
        expect(listed).toEqual(keys);
      } finally {
        await store.close();
      }
    });

    it('rejects an update with a version of an earlier life of the key', async () => {
      const store = new SqlStore(target.options(table('lives')));
      try {
        const key = 'session:lives';
        const first = (await store.create(key, bytes('1'), HOUR))!;
        const updated = await store.update(key, bytes('1b'), first, HOUR);
        expect(updated.ok).toBe(true);
        await store.destroy(key);
        const second = (await store.create(key, bytes('2'), HOUR))!;
        expect(await store.update(key, bytes('stale'), first, HOUR)).toEqual({ ok: false, reason: 'conflict' });
        expect(await store.update(key, bytes('stale'), updated.ok ? updated.version : '', HOUR)).toEqual({ ok: false, reason: 'conflict' });
        expect((await store.load(key))!.version).toBe(second);
        expect(await store.update(key, bytes('x'), '00012', HOUR)).toEqual({ ok: false, reason: 'conflict' });
        expect(await store.update('session:none', bytes('x'), 'junk', HOUR)).toEqual({ ok: false, reason: 'missing' });
      } finally {
        await store.close();
      }
    });

    it('uses a Kysely instance passed in, without its plugins, and never destroys it', async () => {
      const name = table('kysely');
      const db = new Kysely<unknown>({ dialect: target.dialect(), plugins: [new CamelCasePlugin()] });
      try {
        const store = new SqlStore({ ...dialectOnly(target.options(name)), table: name, kysely: db });
        const version = await store.create('session:k', bytes('kysely'), HOUR);
        const loaded = await store.load('session:k');
        expect(loaded!.version).toBe(version);
        expect(loaded!.expiresAt).toBeGreaterThan(Date.now());
        await store.close();
        const count = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(name)}`.execute(db);
        expect(Number(count.rows[0]!.n)).toBe(1);
      } finally {
        await db.destroy();
      }
    });

    it('fails with StoreError, not a hang, when the table is missing and may not be created', async () => {
      const store = new SqlStore({ ...target.options(`sk_${run}_absent`), createTable: false });
      try {
        await expect(store.load('session:x')).rejects.toBeInstanceOf(StoreError);
        await expect(store.create('session:x', bytes('x'), HOUR)).rejects.toBeInstanceOf(StoreError);
      } finally {
        await store.close();
      }
    });

    if (target.qualified) {
      const qualified = target.qualified;
      it(`works with a schema-qualified table (${qualified.table})`, async () => {
        await qualified.setUp(admin);
        let time = Date.now();
        const store = new SqlStore({ ...target.options(qualified.table), clock: () => time });
        try {
          const version = (await store.create('session:q', bytes('q'), 100))!;
          expect((await store.update('session:q', bytes('q2'), version, 100)).ok).toBe(true);
          time += 250;
          expect(await store.create('session:q', bytes('q3'), HOUR)).not.toBeNull();
          expect(await store.sweep()).toBe(0);
          expect(text((await store.load('session:q'))!.value)).toBe('q3');
        } finally {
          await store.close();
          await qualified.tearDown(admin);
        }
      });
    }

    const unreachable = target.unreachable;
    if (unreachable) {
      it('fails every call with StoreError within timeoutMs when the database cannot be reached', async () => {
        const timeoutMs = 1000;
        const store = new SqlStore({ ...(await unreachable()), timeoutMs });
        try {
          for (const call of [
            () => store.load('session:x'),
            () => store.create('session:x', bytes('x'), HOUR),
            () => store.update('session:x', bytes('x'), '1', HOUR),
            () => store.touch('session:x', HOUR),
            () => store.destroy('session:x'),
            () => store.sweep(),
          ]) {
            const started = Date.now();
            const error = await call().catch((e: unknown) => e);
            expect(error).toBeInstanceOf(StoreError);
            expect(Date.now() - started).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
          }
          const keys = store.keys('session:')[Symbol.asyncIterator]();
          await expect(keys.next()).rejects.toBeInstanceOf(StoreError);
        } finally {
          await store.close();
        }
      });
    }
  });
}

/** Just the dialect of `options` (to combine with another way of reaching the database). */
function dialectOnly(options: SqlStoreOptions): { dialect: SqlStoreOptions['dialect'] } {
  return { dialect: options.dialect };
}
