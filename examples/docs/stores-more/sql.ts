// #region snippet
import { SqlStore } from 'sessionkit/stores/sql';

const pg = new SqlStore({ dialect: 'postgres', connection: 'postgres://app@db/app' });
const my = new SqlStore({ dialect: 'mysql', connection: 'mysql://app@db:3306/app', table: 'sessions' });
const lite = new SqlStore({ dialect: 'sqlite', filename: '/var/lib/app/sessions.sqlite' });
// or your own pool / Kysely instance:
//   new SqlStore({ dialect: 'postgres', pool: new pg.Pool(...) })
//   new SqlStore({ dialect: 'postgres', kysely: db })
setInterval(() => void pg.sweep().catch(console.error), 5 * 60_000).unref(); // expired rows stay until swept
// #endregion snippet

// Each store connects on first use: configuring them reaches no database yet.
void Promise.all([pg.close(), my.close(), lite.close()]).then(() => console.log('SQL stores configured'));
