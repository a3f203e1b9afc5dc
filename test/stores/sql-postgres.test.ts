/** SqlStore on the PostgreSQL server at 127.0.0.1:5432 (or SESSIONKIT_POSTGRES_URL). */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { SqlStore } from '../../src/stores/sql/index.js';
import { freePort } from './support/processes.js';
import { WORKER_STORE_TIMEOUT_MS } from './support/session-requests.js';
import { describeSqlStore } from './support/sql.js';
import { TIMEOUT_SLACK_MS } from './support/timing.js';

const url = process.env.SESSIONKIT_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `sk_${randomUUID().slice(0, 8)}`;

describeSqlStore('postgres', {
  options: (table) => ({ dialect: 'postgres', connection: url, table }),
  withPool(table) {
    const pool = new pg.Pool({ connectionString: url });
    return { options: { dialect: 'postgres', pool, table }, release: () => pool.end() };
  },
  dialect: () => new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }),
  childStore: (table) => ({ url: `${url}?table=${table}&timeoutMs=${WORKER_STORE_TIMEOUT_MS}` }),
  unreachable: async () => ({ dialect: 'postgres', connection: `postgres://postgres@127.0.0.1:${await freePort()}/test` }),
  qualified: {
    table: `${schema}.sessions`,
    setUp: async (admin) => void (await sql`create schema ${sql.id(schema)}`.execute(admin)),
    tearDown: async (admin) => void (await sql`drop schema ${sql.id(schema)} cascade`.execute(admin)),
  },
});

describe('SqlStore (postgres) and row locks', () => {
  const client = new pg.Client({ connectionString: url });
  const table = `sk_${randomUUID().slice(0, 8)}_locks`;
  beforeAll(async () => {
    await client.connect();
    const { rows } = await client.query<{ version: string }>('select version()');
    console.info(rows[0]!.version);
  });
  afterAll(async () => {
    await client.query(`drop table if exists ${table}`);
    await client.end();
  });

  it('gives up on a row locked elsewhere with StoreError, and the statement does not run later', async () => {
    const timeoutMs = 800;
    const store = new SqlStore({ dialect: 'postgres', connection: url, table, timeoutMs });
    try {
      const version = (await store.create('session:locked', new TextEncoder().encode('before'), 3_600_000))!;
      await client.query('begin');
      await client.query(`select * from ${table} where key = $1 for update`, ['session:locked']);
      const started = Date.now();
      const error = await store.update('session:locked', new TextEncoder().encode('late'), version, 3_600_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect(Date.now() - started).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
      await sleep(1000); // statement_timeout has cancelled it on the server by now
      await client.query('commit');
      await sleep(200);
      const loaded = await store.load('session:locked');
      expect(new TextDecoder().decode(loaded!.value)).toBe('before');
      expect(loaded!.version).toBe(version);
    } finally {
      await client.query('rollback').catch(() => undefined);
      await store.close();
    }
  });
});
