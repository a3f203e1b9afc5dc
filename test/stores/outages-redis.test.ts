/**
 * RedisStore through Redis crashes (SIGKILL under load, then a restart on the same port) and
 * freezes (SIGSTOP), with node-redis (opened by `openStore`, and passed in without an `'error'`
 * listener) and ioredis; and the connection failures that must be reported at once with
 * Redis's reason: refused, wrong password, database index out of range.
 */
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { openStore } from '../../src/stores/from-url.js';
import { RedisStore, type RedisClientLike } from '../../src/stores/redis/index.js';
import { crashUnderLoad, freeze, logReport, type OutageServer } from './support/outage.js';
import { freePort, PrivateRedis } from './support/redis-server.js';

const PASSWORD = 'outage-test-password';
const timeoutMs = 2000;
/** Far beyond any refused connection: failing before it shows the reason was seen, not waited out. */
const LONG_TIMEOUT_MS = 60_000;

let server: PrivateRedis;
let outage: OutageServer;

beforeAll(async () => {
  server = await PrivateRedis.start({ password: PASSWORD });
  outage = {
    kill: () => server.kill(),
    restart: () => server.restart(),
    pause: () => server.pause(),
    resume: () => server.resume(),
  };
});
afterAll(async () => {
  await server?.remove();
});

describe('RedisStore during Redis outages', () => {
  it('openStore (node-redis): a crash under load fails calls with StoreError, loses no acknowledged write, and recovers', async () => {
    const store = await openStore(`${server.url}/0?timeoutMs=${timeoutMs}`);
    try {
      logReport('Redis, node-redis from openStore, SIGKILL', await crashUnderLoad(store, outage, { timeoutMs, persistent: true }));
    } finally {
      await store.close();
    }
  });

  it('a node-redis client passed in without an error listener: the crash does not stop the process', async () => {
    // The client's own reconnection (node-redis' default strategy) brings the store back.
    const client = createClient({ url: `${server.url}/1` });
    await client.connect();
    try {
      const store = new RedisStore({ client: client as unknown as RedisClientLike, timeoutMs });
      logReport('Redis, node-redis passed in, SIGKILL', await crashUnderLoad(store, outage, { timeoutMs, persistent: true }));
    } finally {
      client.destroy();
    }
  });

  it('an ioredis client passed in: a crash under load fails calls with StoreError and recovers', async () => {
    const client = new Redis(`${server.url}/2`);
    try {
      const store = new RedisStore({ client: client as unknown as RedisClientLike, timeoutMs });
      await store.ready();
      logReport('Redis, ioredis passed in, SIGKILL', await crashUnderLoad(store, outage, { timeoutMs, persistent: true }));
    } finally {
      client.disconnect();
    }
  });

  it('a frozen server fails every call with StoreError within timeoutMs, and the store recovers', async () => {
    const store = await openStore(`${server.url}/0?timeoutMs=${timeoutMs}`);
    try {
      logReport('Redis, node-redis from openStore, SIGSTOP', await freeze(store, outage, { timeoutMs }));
    } finally {
      await store.close();
    }
  });
});

describe('RedisStore connection failures', () => {
  /** The StoreError `open` fails with, checked to have come before the long timeout. */
  async function failure(open: () => Promise<unknown>): Promise<StoreError> {
    const started = Date.now();
    const error = await open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(LONG_TIMEOUT_MS);
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }

  it('openStore reports a refused connection, a wrong password and a bad database index with their reasons', async () => {
    const nobody = await freePort();
    const refused = await failure(() => openStore(`redis://:${PASSWORD}@127.0.0.1:${nobody}/0?connectTimeoutMs=${LONG_TIMEOUT_MS}`));
    expect(refused.message).toMatch(/ECONNREFUSED/);
    const wrongPassword = await failure(() => openStore(`${server.urlWith('not-the-password')}/0?connectTimeoutMs=${LONG_TIMEOUT_MS}`));
    expect(wrongPassword.message).toMatch(/WRONGPASS/);
    const badIndex = await failure(() => openStore(`${server.url}/99?connectTimeoutMs=${LONG_TIMEOUT_MS}`));
    expect(badIndex.message).toMatch(/ERR DB index is out of range/);
    for (const error of [refused, wrongPassword, badIndex]) {
      // The URL is named, its password is not.
      expect(error.message).toContain(':***@127.0.0.1:');
      expect(error.message).not.toContain(PASSWORD);
      expect(error.message).not.toContain('not-the-password');
      expect(error.cause).toBeInstanceOf(Error);
    }
  });

  it('a store over a client that cannot connect fails each call at once with the reason, and works once Redis is there', async () => {
    const port = await freePort();
    // node-redis' default strategy retries for ever: connect() would wait until Redis is there.
    const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: () => 50 } });
    const connecting = client.connect().catch(() => undefined);
    const store = new RedisStore({ client: client as unknown as RedisClientLike, timeoutMs: LONG_TIMEOUT_MS });
    try {
      for (const call of [() => store.load('session:x'), () => store.ready(), () => store.create('session:x', new Uint8Array([1]), 60_000)]) {
        expect((await failure(call)).message).toMatch(/ECONNREFUSED/);
      }
      const late = await PrivateRedis.startOn(port);
      try {
        await connecting;
        await store.ready();
        expect(await store.create('session:late', new Uint8Array([1]), 60_000)).not.toBeNull();
      } finally {
        await late.remove();
      }
    } finally {
      if (client.isOpen) client.destroy();
    }
  });
});
