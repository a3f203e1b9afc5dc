/**
 * Koa with server-side sessions (in-memory store): a visit counter and a log-in that redirects.
 * Run: npx tsx examples/koa.ts   (PORT defaults to 3000)
 */
import Koa from 'koa';
import { ServerSessionInterface } from 'sessionkit';
import { session } from 'sessionkit/koa';
import { MemoryStore } from 'sessionkit/stores/memory';

// Types every session of the app: ctx.session here, req.session, c.get('session')…
declare module 'sessionkit' {
  interface SessionData {
    visits?: number;
    user?: string;
  }
}

const app = new Koa();
app.use(session({ sessionInterface: new ServerSessionInterface({ store: new MemoryStore() }) }));

app.use((ctx) => {
  if (ctx.path === '/login') {
    ctx.session.set('user', typeof ctx.query.name === 'string' ? ctx.query.name : 'ada');
    ctx.session.regenerate(); // a new session id at log-in
    return ctx.redirect('/');
  }
  if (ctx.path === '/logout') {
    ctx.session.destroy();
    return ctx.redirect('/');
  }
  const visits = (ctx.session.get('visits') ?? 0) + 1;
  ctx.session.set('visits', visits);
  const user = ctx.session.get('user');
  ctx.type = 'text';
  ctx.body = `visit ${visits}${user ? ` as ${user}` : ''}\n`;
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
