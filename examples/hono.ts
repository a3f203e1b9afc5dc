/**
 * Hono (on Node through @hono/node-server) with sessions: a visit counter and a log-in that redirects.
 * Run: npx tsx examples/hono.ts   (PORT defaults to 3000)
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { CookieSessionInterface } from 'sessionkit';
import { session } from 'sessionkit/hono';

// Types every session of the app: c.get('session') here, req.session, ctx.session…
declare module 'sessionkit' {
  interface SessionData {
    visits?: number;
    user?: string;
  }
}

const app = new Hono();
app.use(session({ sessionInterface: new CookieSessionInterface({ secret: process.env.SECRET_KEY ?? 'dev-only-secret-change-me' }) }));

app.get('/', (c) => {
  const data = c.get('session').data;
  data.visits = (data.visits ?? 0) + 1;
  return c.text(`visit ${data.visits}${data.user ? ` as ${data.user}` : ''}\n`);
});

app.get('/login', (c) => {
  c.get('session').set('user', c.req.query('name') ?? 'ada');
  c.get('session').regenerate(); // a new signature at log-in
  return c.redirect('/');
});

app.get('/logout', (c) => {
  c.get('session').clear();
  return c.redirect('/');
});

const port = Number(process.env.PORT ?? 3000);
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => console.log(`listening on http://127.0.0.1:${port}`));
