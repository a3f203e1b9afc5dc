// #region snippet
import { openStore } from 'sessionkit/stores/from-url';
// #endregion snippet

async function main(): Promise<void> {
  // #region snippet
  const store = await openStore(process.env.SESSION_STORE_URL ?? 'sqlite:.sessionkit/sessions.sqlite');
  // …
  await store.close();
  // #endregion snippet
}

void main();
