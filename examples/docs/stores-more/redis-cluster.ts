/**
 * RedisStore on a Redis Cluster.
 * @example-not-run it needs a Redis Cluster reachable at 10.0.0.1:7000 and 10.0.0.2:7000.
 */
// #region snippet
import { createCluster } from 'redis';
import { RedisStore } from 'sessionkit/stores/redis';
// #endregion snippet

async function main(): Promise<void> {
  // #region snippet
  const client = createCluster({ rootNodes: [{ url: 'redis://10.0.0.1:7000' }, { url: 'redis://10.0.0.2:7000' }] });
  client.on('error', (error) => console.error('redis', error));
  await client.connect();
  const store = new RedisStore({ client });
  // ioredis:  new RedisStore({ client: new Redis.Cluster([{ host: '10.0.0.1', port: 7000 }]) })
  // #endregion snippet
  console.log(`${store.name} store on a cluster`);
  await client.close();
}

void main();
