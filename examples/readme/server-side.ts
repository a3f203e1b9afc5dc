/**
 * Server-side sessions in Redis, with log-in and log-out routes. Needs Redis on 127.0.0.1:6379.
 * Run: npx tsx examples/readme/server-side.ts
 */
import http from 'node:http';
import { withSession } from 'sessionkit/node';
// #region snippet
import { createClient } from 'redis';
import { ServerSessionInterface } from 'sessionkit';
import { RedisStore } from 'sessionkit/stores/redis';
// #endregion snippet

declare module 'sessionkit' {
  interface SessionData {
    user?: string;
  }
}

async function main(): Promise<void> {
  // #region snippet

  const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
  const sessionInterface = new ServerSessionInterface({
    store: new RedisStore({ client }),
    idleTimeout: 30 * 60,          // ends after 30 minutes without a request
    absoluteTimeout: 12 * 3600,    // and 12 hours after log-in, however active
    sameSite: 'Lax',
  });

  // #endregion snippet
  const server = http.createServer(withSession({ sessionInterface }, (req, res) => {
    const user = { id: 'ada' };
    if (req.url === '/login') {
      // #region snippet
      // at log-in: new id, same data, old id dead (defeats session fixation)
      req.session.set('user', user.id);
      req.session.regenerate();
      // #endregion snippet
    } else if (req.url === '/logout') {
      // #region snippet
      // at log-out: record deleted, cookie cleared
      req.session.destroy();
      // #endregion snippet
    }
    res.end(`hello ${req.session.get('user') ?? 'stranger'}`);
  }));
  server.on('close', () => void client.close());
  server.listen(3000);
}

void main();
