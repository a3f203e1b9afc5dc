/** SqlStore on the MariaDB / MySQL server at 127.0.0.1:3306 (or SESSIONKIT_MYSQL_URL). */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MysqlDialect, sql } from 'kysely';
import mysql from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { SqlStore } from '../../src/stores/sql/index.js';
import { freePort } from './support/processes.js';
import { WORKER_STORE_TIMEOUT_MS } from './support/session-requests.js';
import { describeSqlStore } from './support/sql.js';
import { TIMEOUT_SLACK_MS } from './support/timing.js';

const url = process.env.SESSIONKIT_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const database = `sk_${randomUUID().slice(0, 8)}`;

describeSqlStore('mysql', {
  options: (table) => ({ dialect: 'mysql', connection: url, table }),
  withPool(table) {
    const pool = mysql.createPool({ uri: url });
    return {
      options: { dialect: 'mysql', pool, table },
      release: () => new Promise<void>((resolve, reject) => pool.end((error) => (error ? reject(error) : resolve()))),
    };
  },
  dialect: () => new MysqlDialect({ pool: mysql.createPool({ uri: url }) }),
  childStore: (table) => ({ url: `${url}?table=${table}&timeoutMs=${WORKER_STORE_TIMEOUT_MS}` }),
  unreachable: async () => ({ dialect: 'mysql', connection: `mysql://root@127.0.0.1:${await freePort()}/test` }),
  qualified: {
    table: `${database}.sessions`,
    setUp: async (admin) => void (await sql`create database ${sql.id(database)}`.execute(admin)),
    tearDown: async (admin) => void (await sql`drop database ${sql.id(database)}`.execute(admin)),
  },
});

describe('SqlStore (mysql) and row locks', () => {
  const connection = mysql.createConnection({ uri: url }).promise();
  const table = `sk_${randomUUID().slice(0, 8)}_locks`;
  beforeAll(async () => {
    const [rows] = await connection.query('select version() as version');
    console.info(`MySQL/MariaDB ${(rows as { version: string }[])[0]!.version}`);
  });
  afterAll(async () => {
    await connection.query(`drop table if exists ${table}`);
    await connection.end();
  });

  it('gives up on a row locked elsewhere with StoreError, and the statement does not run later', async () => {
    const timeoutMs = 800;
    const store = new SqlStore({ dialect: 'mysql', connection: url, table, timeoutMs });
    try {
      const version = (await store.create('session:locked', new TextEncoder().encode('before'), 3_600_000))!;
      await connection.query('begin');
      await connection.query(`select * from ${table} where \`key\` = ? for update`, ['session:locked']);
      const started = Date.now();
      const error = await store.update('session:locked', new TextEncoder().encode('late'), version, 3_600_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect(Date.now() - started).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
      await sleep(1500); // innodb_lock_wait_timeout (1 s) has ended the waiting statement by now
      await connection.query('commit');
      await sleep(200);
      const loaded = await store.load('session:locked');
      expect(new TextDecoder().decode(loaded!.value)).toBe('before');
      expect(loaded!.version).toBe(version);
    } finally {
      await connection.query('rollback').catch(() => undefined);
      await store.close();
    }
  });
});
