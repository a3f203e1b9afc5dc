/**
 * SqlStore on PostgreSQL through crashes (the postmaster and every backend SIGKILLed under load,
 * then a restart on the same port and data) and freezes (all of them SIGSTOPped), with a pool
 * the store creates and one passed in without any listener; and the connection failures that
 * must be reported at once with PostgreSQL's reason: refused, wrong password, unknown database.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { openStore } from '../../src/stores/from-url.js';
import { SqlStore, StorageMissingError } from '../../src/stores/sql/index.js';
import { crashUnderLoad, freeze, logReport, type OutageServer } from './support/outage.js';
import { POSTGRES_PASSWORD, PrivatePostgres } from './support/postgres-server.js';
import { freePort } from './support/processes.js';

const timeoutMs = 2000;
/** Far beyond a refused connection or password: failing before it shows the reason was seen, not waited out. */
const LONG_TIMEOUT_MS = 60_000;
/** The tables of the tests, created before them (with LONG_TIMEOUT_MS: a fresh server on a loaded machine). */
const TABLES = ['crash_owned', 'crash_given', 'freeze'];

let server: PrivatePostgres;
let outage: OutageServer;

beforeAll(async () => {
  server = await PrivatePostgres.start();
  outage = {
    kill: () => server.kill(),
    restart: () => server.restart(),
    pause: () => server.pause(),
    resume: () => server.resume(),
  };
  for (const table of TABLES) await (await openStore(`${server.url('test')}?table=${table}&timeoutMs=${LONG_TIMEOUT_MS}`)).close();
});
afterAll(async () => {
  await server?.remove();
});

describe('SqlStore (postgres) during PostgreSQL outages', () => {
  it('openStore: a crash under load fails calls with StoreError, loses no acknowledged write, and recovers', async () => {
    const store = await openStore(`${server.url('test')}?table=crash_owned&timeoutMs=${timeoutMs}`);
    try {
      logReport('PostgreSQL, pool created by the store, SIGKILL', await crashUnderLoad(store, outage, { timeoutMs, persistent: true }));
    } finally {
      await store.close();
    }
  });

  it('a pool passed in with no listener of its own: the crash does not stop the process', async () => {
    const pool = new pg.Pool({ connectionString: server.url('test') });
    try {
      const store = new SqlStore({ dialect: 'postgres', pool, table: 'crash_given', timeoutMs });
      await store.ready();
      logReport('PostgreSQL, pool passed in, SIGKILL', await crashUnderLoad(store, outage, { timeoutMs, persistent: true }));
    } finally {
      await pool.end();
    }
  });

  it('a frozen server fails every call with StoreError within timeoutMs, and the store recovers', async () => {
    const store = await openStore(`${server.url('test')}?table=freeze&timeoutMs=${timeoutMs}`);
    try {
      logReport('PostgreSQL, SIGSTOP', await freeze(store, outage, { timeoutMs }));
    } finally {
      await store.close();
    }
  });
});

describe('SqlStore (postgres) connection failures', () => {
  /** The StoreError opening `url` fails with, checked to have come before the long timeout. */
  async function failure(url: string): Promise<StoreError> {
    const started = Date.now();
    const error = await openStore(`${url}?timeoutMs=${LONG_TIMEOUT_MS}`).then(
      async (store) => {
        await store.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(LONG_TIMEOUT_MS);
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }

  it('reports a refused connection, a wrong password and an unknown database with their reasons', async () => {
    const nobody = await freePort();
    const refused = await failure(`postgres://postgres:${POSTGRES_PASSWORD}@127.0.0.1:${nobody}/test`);
    expect(refused.message).toMatch(/ECONNREFUSED/);
    const wrongPassword = await failure(server.url('test', 'not-the-password'));
    expect(wrongPassword.message).toMatch(/password authentication failed for user "postgres"/);
    const unknownDatabase = await failure(server.url('no_such_database'));
    expect(unknownDatabase.message).toMatch(/database "no_such_database" does not exist/);
    for (const error of [refused, wrongPassword, unknownDatabase]) {
      expect(error.message).toContain('cannot reach the database at postgres://postgres:***@127.0.0.1:');
      expect(error.message).not.toContain(POSTGRES_PASSWORD);
      expect(error.message).not.toContain('not-the-password');
      expect(error.cause).toBeInstanceOf(Error);
    }
  });

  it('with createTable: false, a missing table is StorageMissingError and nothing is created', async () => {
    const store = new SqlStore({ dialect: 'postgres', connection: server.url('test'), table: 'never_created', createTable: false, timeoutMs });
    try {
      const error = await store.ready().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageMissingError);
      expect((error as StorageMissingError).missing).toBe('the table never_created');
      await expect(store.load('session:x')).rejects.toBeInstanceOf(StorageMissingError);
    } finally {
      await store.close();
    }
    const client = new pg.Client({ connectionString: server.url('test') });
    await client.connect();
    try {
      const { rows } = await client.query("select to_regclass('never_created') as found");
      expect(rows[0].found).toBeNull();
    } finally {
      await client.end();
    }
  });
});
