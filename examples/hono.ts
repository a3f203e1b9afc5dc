/**
 * Hono (on Node through @hono/node-server) with sessions: a visit counter and a log-in that redirects.
 * Run: npx tsx examples/hono.ts   (PORT defaults to 3000)
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { CookieSessionInterface } from 'sessionkit';
import { session, type SessionEnv } from 'sessionkit/hono';

interface AppSession {
  visits?: number;
  user?: string;
}

const app = new Hono<SessionEnv<AppSession>>();
app.use(session({ sessionInterface: new CookieSessionInterface<AppSession>({ secret: process.env.SECRET_KEY ?? 'dev-only-secret-change-me' }) }));

app.get('/', (c) => {
  const data = c.get('session');
  const visits = (data.get('visits') ?? 0) + 1;
  data.set('visits', visits);
  const user = data.get('user');
  return c.text(`visit ${visits}${user ? ` as ${user}` : ''}\n`);
});

app.get('/login', (c) => {
  c.get('session').set('user', c.req.query('name') ?? 'ada');
  return c.redirect('/');
});

app.get('/logout', (c) => {
  c.get('session').clear();
  return c.redirect('/');
});

const port = Number(process.env.PORT ?? 3000);
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => console.log(`listening on http://127.0.0.1:${port}`));
