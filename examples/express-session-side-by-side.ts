/**
 * A sessionkit app sharing sessions with a running express-session + connect-redis app, for a
 * rolling deploy: both read and write express-session's cookie and records, so a user can hit
 * either app. Give both the same secret, cookie name, Redis prefix and cookie settings.
 * Run: npx tsx examples/express-session-side-by-side.ts   (PORT defaults to 3000, REDIS_URL to the local Redis)
 */
import express from 'express';
import { createClient } from 'redis';
import { ServerSessionInterface } from 'sessionkit';
import { getSession, session } from 'sessionkit/express';
import { RedisStore } from 'sessionkit/stores/redis';

interface AppSession {
  visits?: number;
  user?: string;
}

const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
client.on('error', (error: Error) => console.error(`redis: ${error.message}`));
// Commands wait in node-redis's queue until the connection is up.
client.connect().catch((error: unknown) => {
  console.error(`redis: ${String(error)}`);
  process.exit(1);
});
/** Prepended to every key (empty in production; tests run the example under their own). */
const namespace = process.env.KEY_NAMESPACE ?? '';

const sessionInterface = new ServerSessionInterface<AppSession>({
  // connect-redis' records, in the layout it writes (the bare JSON, with a TTL).
  store: new RedisStore({ client, layout: 'express-session' }),
  // express-session's default cookie: no maxAge, so a browser-session cookie.
  permanent: false,
  expressSession: {
    mode: 'side-by-side',
    secret: (process.env.EXPRESS_SESSION_SECRET ?? 'keyboard cat').split(','),
    name: 'connect.sid',
    prefix: `${namespace}sess:`,
  },
});

const app = express();
app.use(session({ sessionInterface }));

app.get('/', (req, res) => {
  const data = getSession<AppSession>(req);
  const visits = (data.get('visits') ?? 0) + 1;
  data.set('visits', visits);
  const user = data.get('user');
  res.type('text').send(`visit ${visits}${user ? ` as ${user}` : ''}\n`);
});

app.get('/login', (req, res) => {
  getSession<AppSession>(req).set('user', typeof req.query.name === 'string' ? req.query.name : 'ada');
  res.redirect('/');
});

app.get('/logout', (req, res) => {
  getSession(req).destroy();
  res.redirect('/');
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
