/** Needs Redis on localhost:6379. */
// #region snippet
import { createClient } from 'redis';
import { RedisStore } from 'sessionkit/stores/redis';
// #endregion snippet

async function main(): Promise<void> {
  // #region snippet

  const client = createClient({ url: 'redis://localhost:6379' });
  client.on('error', (error) => console.error('redis', error)); // an unhandled 'error' event stops Node.js
  await client.connect();
  const store = new RedisStore({ client, timeoutMs: 2000 });
  // #endregion snippet
  console.log(`${store.name} store connected`);
  await client.close();
}

void main();
