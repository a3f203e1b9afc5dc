/**
 * Stores that worker processes of the session concurrency tests open where no store URL
 * reaches the same backend (see `ChildStore` in session-requests.ts): SqlStore's sqlite dialect
 * and a Redis Cluster.
 */
import { createCluster } from 'redis';
import { RedisStore, type RedisClientLike } from '../../../src/stores/redis/index.js';
import { SqlStore, type SqlStoreOptions } from '../../../src/stores/sql/index.js';
import { WORKER_STORE_TIMEOUT_MS, type ClosableStore } from './session-requests.js';

/** A SqlStore with these (JSON) options. */
export function openSqlStore(options: SqlStoreOptions): ClosableStore {
  return new SqlStore(options);
}

/** A RedisStore on the Redis Cluster whose nodes listen on these loopback ports, through node-redis. */
export async function openRedisClusterStore(ports: readonly number[]): Promise<ClosableStore> {
  const client = createCluster({ rootNodes: ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })) });
  client.on('error', () => undefined); // failures reach the test through the store
  await client.connect();
  const store = new RedisStore({ client: client as unknown as RedisClientLike, timeoutMs: WORKER_STORE_TIMEOUT_MS });
  return Object.assign(store, { close: async () => void client.destroy() });
}
