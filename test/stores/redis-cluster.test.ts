/**
 * RedisStore on a real Redis Cluster (three masters started by the test), through node-redis'
 * `createCluster` and ioredis' `Cluster`.
 */
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { RedisStore, type RedisClientLike } from '../../src/stores/redis/index.js';
import { describeStoreConformance } from './conformance.js';
import { redisCli, startRedisCluster, type RedisCluster } from './support/redis-cluster.js';
import { TIMEOUT_SLACK_MS } from './support/timing.js';

const HOUR = 3_600_000;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array): string => new TextDecoder().decode(value);

let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
  console.info(`Redis Cluster: 3 masters, redis-server ${cluster.version}`);
});
afterAll(async () => {
  await cluster?.stop();
});

/** The two cluster clients, each connected to the test cluster. */
const drivers = {
  'node-redis createCluster': async () => {
    const client = createCluster({
      rootNodes: cluster.nodes.map((node) => ({ url: `redis://127.0.0.1:${node.port}` })),
      defaults: { socket: { reconnectStrategy: () => 100, connectTimeout: 500 } },
    });
    client.on('error', () => undefined); // failures are asserted through the store
    await client.connect();
    return { client: client as unknown as RedisClientLike, close: () => client.destroy() };
  },
  'ioredis Cluster': async () => {
    const client = new Cluster(
      cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
      { lazyConnect: true, clusterRetryStrategy: () => 100, redisOptions: { connectTimeout: 500 } },
    );
    client.on('error', () => undefined);
    await client.connect();
    return { client: client as unknown as RedisClientLike, close: async () => void client.disconnect() };
  },
};

for (const [driver, open] of Object.entries(drivers)) {
  // Session workers reach the cluster through node-redis whichever client a suite uses: one suite runs them.
  const workersRunHere = driver === 'node-redis createCluster';
  describe(`RedisStore on a Redis Cluster with ${driver}`, () => {
    let connection: Awaited<ReturnType<typeof open>>;
    beforeAll(async () => {
      connection = await open();
    });
    afterAll(async () => {
      await connection?.close();
    });

    describeStoreConformance(
      `RedisStore (cluster, ${driver})`,
      async () => ({ store: new RedisStore({ client: connection.client }), cleanup: async () => {} }),
      {
        childStore: () => ({
          module: 'test/stores/support/child-stores.ts',
          export: 'openRedisClusterStore',
          args: [cluster.nodes.map((node) => node.port)],
        }),
        sessionWorkers: workersRunHere,
      },
    );

    it('spreads sessions over every master', async () => {
      const store = new RedisStore({ client: connection.client });
      const keys = Array.from({ length: 30 }, (_, i) => `session:spread-${randomUUID()}-${i}`);
      for (const key of keys) await store.create(key, bytes(key), HOUR);
      const owners = new Set(await Promise.all(keys.map((key) => cluster.ownerOf(key))));
      expect(owners.size).toBe(3);
      for (const key of keys) expect(text((await store.load(key))!.value)).toBe(key);
      for (const key of keys) await store.destroy(key);
    });

    it('keeps working on a session whose slot moved to another master (MOVED, scripts not cached there)', async () => {
      const store = new RedisStore({ client: connection.client });
      const key = `session:moving-${randomUUID()}`;
      const v1 = (await store.create(key, bytes('one'), HOUR))!;
      const v2 = await store.update(key, bytes('two'), v1, HOUR); // caches the script on the old master
      expect(v2.ok).toBe(true);
      const from = await cluster.ownerOf(key);
      const to = cluster.nodes.find((node) => node.port !== from)!.port;
      await redisCli(to, 'script', 'flush');
      await cluster.moveSlot(await cluster.slotOf(key), to);
      expect(await cluster.ownerOf(key)).toBe(to);

      const loaded = await store.load(key);
      expect(text(loaded!.value)).toBe('two');
      expect(loaded!.version).toBe(v2.ok ? v2.version : '');
      const v3 = await store.update(key, bytes('three'), loaded!.version, HOUR);
      expect(v3.ok).toBe(true);
      expect(await store.update(key, bytes('stale'), v1, HOUR)).toEqual({ ok: false, reason: 'conflict' });
      expect(await store.touch(key, HOUR)).toBe(true);
      const listed: string[] = [];
      for await (const k of store.keys(key)) listed.push(k);
      expect(listed).toEqual([key]);
      await store.destroy(key);
      expect(await store.load(key)).toBeNull();
    });
  });
}

describe('RedisStore when a cluster master is down', () => {
  it('fails the keys of the down master with StoreError within timeoutMs and serves the others', async () => {
    const clients = await Promise.all(Object.values(drivers).map((open) => open()));
    try {
      const timeoutMs = 500;
      const stores = clients.map(({ client }) => new RedisStore({ client, timeoutMs }));
      const down = cluster.nodes[2]!;
      // Four keys on the master that goes down, eight on the others.
      const lost: string[] = [];
      const kept: string[] = [];
      while (lost.length < 4 || kept.length < 8) {
        const key = `session:outage-${randomUUID()}`;
        const onDown = (await cluster.ownerOf(key)) === down.port;
        if (onDown && lost.length < 4) lost.push(key);
        if (!onDown && kept.length < 8) kept.push(key);
      }
      const keys = [...lost, ...kept];
      const versions = new Map<string, string>();
      for (const key of keys) versions.set(key, (await stores[0]!.create(key, bytes(key), HOUR))!);
      await down.stop();

      for (const [index, store] of stores.entries()) {
        for (const key of keys) {
          if (lost.includes(key)) {
            const started = Date.now();
            const error = await store.load(key).catch((e: unknown) => e);
            expect(error, `store ${index}, ${key}`).toBeInstanceOf(StoreError);
            expect(Date.now() - started).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
          } else {
            expect(text((await store.load(key))!.value)).toBe(key);
            expect((await store.touch(key, HOUR))).toBe(true);
          }
        }
        const key = lost[0]!;
        await expect(store.update(key, bytes('x'), versions.get(key)!, HOUR)).rejects.toBeInstanceOf(StoreError);
        await expect(store.create(key, bytes('x'), HOUR)).rejects.toBeInstanceOf(StoreError);
      }
    } finally {
      await Promise.all(clients.map(({ close }) => close()));
    }
  });
});
