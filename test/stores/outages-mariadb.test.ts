/**
 * SqlStore on MariaDB through crashes (mariadbd SIGKILLed under load, then a restart on the same
 * port and data: InnoDB recovers) and freezes (SIGSTOP), with a pool the store creates and one
 * passed in without any listener; and the connection failures that must be reported at once
 * with MariaDB's reason: refused, wrong password, unknown database.
 */
import mysql from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { openStore } from '../../src/stores/from-url.js';
import { SqlStore, StorageMissingError } from '../../src/stores/sql/index.js';
import { MARIADB_PASSWORD, PrivateMariaDb } from './support/mariadb-server.js';
import { crashUnderLoad, freeze, logReport, type OutageServer } from './support/outage.js';
import { freePort } from './support/processes.js';

const timeoutMs = 2000;
/** Far beyond a refused connection or password: failing before it shows the reason was seen, not waited out. */
const LONG_TIMEOUT_MS = 60_000;
/** The tables of the tests, created before them (with LONG_TIMEOUT_MS: a fresh server on a loaded machine). */
const TABLES = ['crash_owned', 'crash_given', 'freeze'];

let server: PrivateMariaDb;
let outage: OutageServer;

beforeAll(async () => {
  server = await PrivateMariaDb.start();
  outage = {
    kill: () => server.kill(),
    restart: () => server.restart(),
    pause: () => server.pause(),
    resume: () => server.resume(),
  };
  for (const table of TABLES) await (await openStore(`${server.url()}?table=${table}&timeoutMs=${LONG_TIMEOUT_MS}`)).close();
});
afterAll(async () => {
  await server?.remove();
});

describe('SqlStore (mysql) during MariaDB outages', () => {
  it('openStore: a crash under load fails calls with StoreError, loses no acknowledged write, and recovers', async () => {
    const store = await openStore(`${server.url()}?table=crash_owned&timeoutMs=${timeoutMs}`);
    try {
      logReport('MariaDB, pool created by the store, SIGKILL', await crashUnderLoad(store, outage, { timeoutMs, persistent: true }));
    } finally {
      await store.close();
    }
  });

  it('a pool passed in with no listener of its own: the crash does not stop the process', async () => {
    const pool = mysql.createPool({ uri: server.url() });
    try {
      const store = new SqlStore({ dialect: 'mysql', pool, table: 'crash_given', timeoutMs });
      await store.ready();
      logReport('MariaDB, pool passed in, SIGKILL', await crashUnderLoad(store, outage, { timeoutMs, persistent: true }));
    } finally {
      await new Promise<void>((resolve) => pool.end(() => resolve()));
    }
  });

  it('a frozen server fails every call with StoreError within timeoutMs, and the store recovers', async () => {
    const store = await openStore(`${server.url()}?table=freeze&timeoutMs=${timeoutMs}`);
    try {
      logReport('MariaDB, SIGSTOP', await freeze(store, outage, { timeoutMs }));
    } finally {
      await store.close();
    }
  });
});

describe('SqlStore (mysql) connection failures', () => {
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
    const refused = await failure(`mysql://app:${MARIADB_PASSWORD}@127.0.0.1:${nobody}/test`);
    expect(refused.message).toMatch(/ECONNREFUSED/);
    const wrongPassword = await failure(server.url('test', 'not-the-password'));
    expect(wrongPassword.message).toMatch(/Access denied for user 'app'/);
    const unknownDatabase = await failure(`mysql://root@127.0.0.1:${server.port}/no_such_database`);
    expect(unknownDatabase.message).toMatch(/Unknown database 'no_such_database'/);
    for (const error of [refused, wrongPassword, unknownDatabase]) {
      expect(error.message).toMatch(/cannot reach the database at mysql:\/\/(app:\*\*\*|root)@127\.0\.0\.1:/);
      expect(error.message).not.toContain(MARIADB_PASSWORD);
      expect(error.message).not.toContain('not-the-password');
      expect(error.cause).toBeInstanceOf(Error);
    }
  });

  it('with createTable: false, a missing table is StorageMissingError and nothing is created', async () => {
    const store = new SqlStore({ dialect: 'mysql', connection: server.url(), table: 'never_created', createTable: false, timeoutMs });
    try {
      const error = await store.ready().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageMissingError);
      expect((error as StorageMissingError).missing).toBe('the table never_created');
    } finally {
      await store.close();
    }
    const connection = mysql.createConnection({ uri: server.url() }).promise();
    try {
      const [rows] = await connection.query("show tables like 'never_created'");
      expect(rows).toEqual([]);
    } finally {
      await connection.end();
    }
  });
});
