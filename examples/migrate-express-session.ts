/**
 * Moving an Express app from express-session + connect-redis to sessionkit without logging
 * anybody out. Sessions express-session stored keep working; each moves to sessionkit's format
 * and cookie on its first write, and express-session's record and cookie are deleted then.
 * Run: npx tsx examples/migrate-express-session.ts   (PORT defaults to 3000, REDIS_URL to the local Redis)
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
  store: new RedisStore({ client }),
  keyPrefix: `${namespace}session:`,
  expressSession: {
    mode: 'migrate',
    // express-session's `secret` option as it was: the first signs, every one verifies.
    secret: (process.env.EXPRESS_SESSION_SECRET ?? 'keyboard cat').split(','),
    // Where connect-redis kept its records: its `prefix`, in the layout it writes.
    prefix: `${namespace}sess:`,
    store: new RedisStore({ client, layout: 'express-session' }),
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
  const data = getSession<AppSession>(req);
  data.set('user', typeof req.query.name === 'string' ? req.query.name : 'ada');
  data.regenerate(); // a new id on log-in, as express-session's req.session.regenerate()
  res.redirect('/');
});

app.get('/logout', (req, res) => {
  getSession(req).destroy();
  res.redirect('/');
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
