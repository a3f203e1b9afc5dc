// #region snippet
import { SqliteStore, defaultSqlitePath } from 'sessionkit/stores/sqlite';
const store = new SqliteStore({ path: defaultSqlitePath() }); // <cwd>/.sessionkit/sessions.sqlite
// #endregion snippet

async function main(): Promise<void> {
  const version = await store.create('session:example', new TextEncoder().encode('{}'), 60_000);
  console.log(`stored version ${version} in ${defaultSqlitePath()}`);
  await store.destroy('session:example');
  await store.close();
}

void main();
