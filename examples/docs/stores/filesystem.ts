// #region snippet
import { FileSystemStore } from 'sessionkit/stores/filesystem';
const store = new FileSystemStore({ dir: '/var/lib/myapp/sessions' });
// #endregion snippet

// The folder is created on first use, so constructing the store needs no permission yet.
console.log(`${store.name} store configured`);
