// #region snippet
import { MemcachedStore } from 'sessionkit/stores/memcached';

const store = new MemcachedStore({ servers: 'cache1:11211,cache2:11211', timeoutMs: 2000 });
// or with your own client:  new MemcachedStore({ client: memjs.Client.create('cache1:11211') })
// #endregion snippet

// The servers are connected on first use: configuring the store reaches no server yet.
void store.close().then(() => console.log(`${store.name} store configured`));
