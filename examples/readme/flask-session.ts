/**
 * A session interface sharing Flask-Session 0.8's Redis records. Needs Redis on 127.0.0.1:6379.
 * Run: npx tsx examples/readme/flask-session.ts
 */
import { createClient } from 'redis';
import { ServerSessionInterface } from 'sessionkit';
import { RedisStore } from 'sessionkit/stores/redis';

async function main(): Promise<void> {
  const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
  // #region snippet
  const sessionInterface = new ServerSessionInterface({
    store: new RedisStore({ client, layout: 'flask-session' }),   // or new MemcachedStore({ layout: 'flask-session' })
    SECRET_KEY: process.env.SECRET_KEY,        // the Flask app's
    SESSION_USE_SIGNER: true,                  // as the Flask app is configured
    SESSION_SERIALIZATION_FORMAT: 'msgpack',   // Flask-Session's default; or 'json'
    PERMANENT_SESSION_LIFETIME: 31 * 86400,
  });
  // #endregion snippet
  console.log(`session cookie: ${sessionInterface.cookieName}`);
  await client.close();
}

void main();
