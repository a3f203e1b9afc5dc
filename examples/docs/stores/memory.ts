// #region snippet
import { MemoryStore } from 'sessionkit/stores/memory';
const store = new MemoryStore({ maxEntries: 10_000 });
// #endregion snippet

console.log(`${store.name} store, ${store.size} sessions`);
