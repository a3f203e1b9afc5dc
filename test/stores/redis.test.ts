import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, Cluster } from 'ioredis';
import { createClient, createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from '../../src/errors.js';
import { RedisStore, type RedisClientLike } from '../../src/stores/redis/index.js';
import { adaptRedisClient } from '../../src/stores/redis/adapter.js';
import { describeStoreConformance } from './conformance.js';
import { WORKER_STORE_TIMEOUT_MS } from './support/session-requests.js';
import { PrivateRedis } from './support/redis-server.js';
import { TIMEOUT_SLACK_MS } from './support/timing.js';

const SHARED_URL = 'redis://127.0.0.1:6379';
/** How worker processes of the session tests reach it. */
const WORKER_URL = `${SHARED_URL}?timeoutMs=${WORKER_STORE_TIMEOUT_MS}&connectTimeoutMs=${WORKER_STORE_TIMEOUT_MS}`;
/** Every key this file writes on the shared server starts with this. */
const PREFIX = `session:sk-redis-test-${randomUUID().slice(0, 8)}:`;
const HOUR = 3_600_000;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (value: Uint8Array): string => new TextDecoder().decode(value);

/** The two client libraries, each able to open a connected client to a URL. */
const drivers = {
  'node-redis': async (url: string) => {
    const client = createClient({ url, socket: { reconnectStrategy: () => 100 } });
    client.on('error', () => undefined); // failures are asserted through the store
    await client.connect();
    return { client: client as RedisClientLike, close: () => client.destroy() };
  },
  ioredis: async (url: string) => {
    const client = new Redis(url, { retryStrategy: () => 100, lazyConnect: true });
    client.on('error', () => undefined);
    await client.connect();
    return { client: client as RedisClientLike, close: () => client.disconnect() };
  },
};

/** Deletes every key of this file's run from the shared server. */
async function deleteTestKeys(): Promise<void> {
  const admin = createClient({ url: SHARED_URL });
  await admin.connect();
  try {
    for await (const keys of admin.scanIterator({ MATCH: `${PREFIX}*`, COUNT: 1000 })) {
      if (keys.length > 0) await admin.del(keys);
    }
  } finally {
    admin.destroy();
  }
}

afterAll(deleteTestKeys);

for (const [driver, open] of Object.entries(drivers)) {
  // Session workers reach the server through node-redis (openStore) whichever client a suite uses: one suite per layout runs them.
  const workersRunHere = driver === 'node-redis';
  describe(`RedisStore with ${driver}`, () => {
    let connection: Awaited<ReturnType<typeof open>>;
    beforeAll(async () => {
      connection = await open(SHARED_URL);
    });
    afterAll(() => connection.close());

    describeStoreConformance(
      `RedisStore (${driver})`,
      async () => ({ store: new RedisStore({ client: connection.client }), cleanup: async () => {} }),
      { keyPrefix: `${PREFIX}${driver}:`, childStore: () => ({ url: WORKER_URL }), sessionWorkers: workersRunHere },
    );

    describeStoreConformance(
      `RedisStore (${driver}), Flask-Session layout`,
      async () => ({ store: new RedisStore({ client: connection.client, layout: 'flask-session' }), cleanup: async () => {} }),
      {
        keyPrefix: `${PREFIX}${driver}:flask:`,
        childStore: () => ({ url: WORKER_URL, layout: 'flask-session' }),
        sessionFormat: 'msgpack',
        sessionWorkers: workersRunHere,
      },
    );

    it.each(['flask-session', 'express-session'] as const)('%s layout: the key holds the bare value, as Flask-Session and connect-redis write it', async (layout) => {
      const store = new RedisStore({ client: connection.client, layout });
      const key = `${PREFIX}${driver}:bare:${layout}`;
      const value = new Uint8Array([0x81, 0xa1, 0x61, 0x01]);
      await store.create(key, value, 60_000);
      const admin = createClient({ url: SHARED_URL });
      await admin.connect();
      try {
        const raw = await admin.sendCommand(['GET', key], { typeMapping: { 36: Buffer } } as never);
        expect(Buffer.from(raw as unknown as Buffer).equals(Buffer.from(value))).toBe(true);
        // Flask (or connect-redis) rewrites the value: a version read before no longer matches
        const before = (await store.load(key))!.version;
        await admin.sendCommand(['SET', key, 'other', 'EX', '60']);
        expect(await store.update(key, value, before, 60_000)).toEqual({ ok: false, reason: 'conflict' });
      } finally {
        await admin.del(key);
        await admin.quit();
      }
    });

    it('stores one binary-safe string "sk1:<version>:<value>" with the TTL on the key', async () => {
      const store = new RedisStore({ client: connection.client });
      const key = `${PREFIX}${driver}:layout`;
      const value = new Uint8Array([0, 58, 255, 10, 13, 0]);
      const version = (await store.create(key, value, 60_000))!;
      const admin = createClient({ url: SHARED_URL });
      await admin.connect();
      try {
        const raw = await admin.withTypeMapping({ 36: Buffer }).get(key);
        expect(Buffer.isBuffer(raw)).toBe(true);
        expect(Buffer.compare(raw as unknown as Buffer, Buffer.concat([Buffer.from(`sk1:${version}:`), value]))).toBe(0);
        const pttl = await admin.pTTL(key);
        expect(pttl).toBeGreaterThan(50_000);
        expect(pttl).toBeLessThanOrEqual(60_000);

        // A value that is not a record is a failure, not an absent session.
        const foreign = `${PREFIX}${driver}:foreign`;
        await admin.set(foreign, 'plain text', { PX: 60_000 });
        await expect(store.load(foreign)).rejects.toThrow(StoreError);
        await expect(store.update(foreign, bytes('x'), 'v', 60_000)).rejects.toThrow(StoreError);
        expect(await store.create(foreign, bytes('x'), 60_000)).toBeNull();
        const hash = `${PREFIX}${driver}:hash`;
        await admin.hSet(hash, 'field', 'value');
        await admin.pExpire(hash, 60_000);
        await expect(store.load(hash)).rejects.toThrow(StoreError);
      } finally {
        admin.destroy();
      }
    });

    it('fails fast with StoreError on a client that is closed', async () => {
      const closed = await open(SHARED_URL);
      // A timeout far beyond the slack: failing before it means the closed client was noticed.
      const timeoutMs = 60_000;
      const store = new RedisStore({ client: closed.client, timeoutMs });
      await store.create(`${PREFIX}${driver}:closed`, bytes('x'), 60_000);
      await closed.close();
      const started = Date.now();
      const error = await store.load(`${PREFIX}${driver}:closed`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).store).toBe('redis');
      expect(Date.now() - started).toBeLessThan(TIMEOUT_SLACK_MS);
    });

    it('bounds every operation by timeoutMs during an outage, and loses nothing', async () => {
      const server = await PrivateRedis.start();
      const connection = await open(server.url);
      try {
        const timeoutMs = 500;
        const store = new RedisStore({ client: connection.client, timeoutMs });
        const kept = 'session:outage-kept';
        const spared = 'session:outage-spared';
        const version = (await store.create(kept, bytes('before'), HOUR))!;
        await store.create(spared, bytes('spared'), HOUR);

        await server.kill();
        await waitUntilDisconnected(connection.client);

        const attempts: [string, () => Promise<unknown>][] = [
          ['load', () => store.load(kept)],
          ['create', () => store.create('session:outage-new', bytes('new'), HOUR)],
          ['update', () => store.update(kept, bytes('during'), version, HOUR)],
          ['touch', () => store.touch(kept, 10)],
          ['destroy', () => store.destroy(spared)],
        ];
        const started = Date.now();
        const outcomes = await Promise.all(attempts.map(([, attempt]) => attempt().then(() => 'resolved', (e: unknown) => e)));
        // Generous bound: the point is that nothing waits for Redis to come back.
        expect(Date.now() - started).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
        for (const [index, [operation]] of attempts.entries()) {
          const error = outcomes[index];
          expect(error).toBeInstanceOf(StoreError);
          expect((error as StoreError).operation).toBe(operation);
          expect((error as StoreError).store).toBe('redis');
        }

        // Let any command the client might still hold go out once Redis is back.
        await server.restart();
        const reloaded = await retry(() => store.load(kept));
        await sleep(300);

        // Nothing the failed calls asked for happened, and nothing stored before was lost.
        expect(decode(reloaded!.value)).toBe('before');
        expect((await store.load(kept))!.version).toBe(version);
        expect(decode((await store.load(spared))!.value)).toBe('spared');
        expect(await store.load('session:outage-new')).toBeNull();
        expect((await store.load(kept))!.expiresAt).toBeGreaterThan(Date.now() + HOUR / 2);
        // The record is intact: its version still updates it (the script is loaded again too).
        expect((await store.update(kept, bytes('after'), version, HOUR)).ok).toBe(true);
        expect(decode((await store.load(kept))!.value)).toBe('after');
      } finally {
        await connection.close();
        await server.remove();
      }
    });
  });
}

describe('RedisStore client detection', () => {
  it('recognizes node-redis and ioredis clients and clusters without connecting', () => {
    const nodeClient = createClient();
    const nodeCluster = createCluster({ rootNodes: [{ url: SHARED_URL }] });
    const ioClient = new Redis({ lazyConnect: true });
    const ioCluster = new Cluster([{ host: '127.0.0.1', port: 6379 }], { lazyConnect: true });
    // Compile-time: every kind fits the option's type.
    const clients = [nodeClient, nodeCluster, ioClient, ioCluster] satisfies RedisClientLike[];
    expect(clients.map((c) => adaptRedisClient(c)).map((a) => [a.driver, a.cluster])).toEqual([
      ['node-redis', false],
      ['node-redis', true],
      ['ioredis', false],
      ['ioredis', true],
    ]);
    ioClient.disconnect();
    ioCluster.disconnect();
  });

  it('rejects anything else with a ConfigError', () => {
    expect(() => new RedisStore({ client: {} as RedisClientLike })).toThrow(ConfigError);
    expect(() => new RedisStore({ client: createClient(), timeoutMs: 0 })).toThrow(ConfigError);
    expect(() => new RedisStore({ client: createClient(), layout: 'flask' as never })).toThrow(
      /option layout is invalid: expected one of "sessionkit", "flask-session", "express-session", got "flask"/,
    );
    expect(() => new RedisStore({ client: createClient(), timeout: 100 } as never)).toThrow(/option timeout is invalid: unknown option of RedisStore/);
  });
});

/** Waits until the client has noticed that the server is gone. */
async function waitUntilDisconnected(client: RedisClientLike): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ready = 'status' in client ? client.status === 'ready' : (client as unknown as { isReady: boolean }).isReady;
    if (!ready) return;
    await sleep(10);
  }
  throw new Error('the client never noticed the outage');
}

/** Retries `fn` until it succeeds (the client reconnecting), for up to 10 s. */
async function retry<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}
