/**
 * Opens the real stores the benchmarks use, through the store URL registry as an app would,
 * each in a private place: a temp folder for the filesystem and SQLite stores, a key prefix of
 * its own on the shared Redis server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient } from 'redis';
import { openStore as openStoreUrl } from '../src/stores/from-url.js';
import type { Store } from '../src/stores/store.js';

/** Stores the benchmarks know how to open. */
export type StoreKind = 'memory' | 'filesystem' | 'sqlite' | 'redis';

/** Address of the shared Redis server. */
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Prefix of every Redis key this benchmark run writes (`skbench:<random>:`); the runner passes
 * its own to the processes it starts, so it can delete exactly those keys at the end.
 */
export const REDIS_PREFIX = process.env.BENCH_REDIS_PREFIX ?? `skbench:${randomBytes(4).toString('hex')}:`;

/** A connected node-redis client. */
export type RedisClient = ReturnType<typeof createClient>;

/** A store ready to use and how to release it. */
export interface OpenedStore {
  store: Store;
  /** Key prefix to give `ServerSessionInterface` (unique per run for Redis). */
  keyPrefix: string;
  /** Closes the store (and its client, temp files). Does not delete Redis keys: see `deleteRedisKeys`. */
  close(): Promise<void>;
}

/** Connects a node-redis client to the shared server; errors are logged, never fatal. */
export async function connectRedis(): Promise<RedisClient> {
  const client = createClient({ url: REDIS_URL });
  client.on('error', (error: unknown) => console.error('redis client error:', error));
  await client.connect();
  return client;
}

/** Opens a store of the given kind; `label` names its temp folder and Redis key space. */
export async function openStore(kind: StoreKind, label: string): Promise<OpenedStore> {
  const keyPrefix = `${REDIS_PREFIX}${label}:`;
  switch (kind) {
    case 'memory':
      return { ...(await opened('memory://')), keyPrefix };
    case 'filesystem': {
      const dir = mkdtempSync(join(tmpdir(), 'skbench-fs-'));
      return { ...(await opened(`${pathToFileURL(dir).href}?threshold=0`, dir)), keyPrefix };
    }
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'skbench-sqlite-'));
      const url = pathToFileURL(join(dir, 'sessions.sqlite')).href.replace(/^file:/, 'sqlite:');
      return { ...(await opened(url, dir)), keyPrefix };
    }
    case 'redis':
      return { ...(await opened(REDIS_URL)), keyPrefix };
  }
}

/** The store at `url`; closing it also removes `tempDir`. */
async function opened(url: string, tempDir?: string): Promise<Omit<OpenedStore, 'keyPrefix'>> {
  const store = await openStoreUrl(url);
  return {
    store,
    close: async () => {
      await store.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/** Deletes every key starting with `prefix` from the shared Redis server (SCAN + DEL, never FLUSH). */
export async function deleteRedisKeys(prefix: string = REDIS_PREFIX): Promise<number> {
  const client = await connectRedis();
  let deleted = 0;
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, COUNT: 1000 })) {
      if (keys.length > 0) deleted += await client.del(keys);
    }
  } finally {
    client.destroy();
  }
  return deleted;
}
