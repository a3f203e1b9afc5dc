/**
 * A framework-free Fetch handler with sessions — the same code runs on Bun, Deno or a worker;
 * here it is served on Node through @hono/node-server. Run: npx tsx examples/fetch.ts
 * (PORT defaults to 3000)
 */
import { serve } from '@hono/node-server';
import { CookieSessionInterface } from 'sessionkit';
import { commitSession, openSession } from 'sessionkit/fetch';

// Types every session of the app: req.session, ctx.session, c.get('session')…
declare module 'sessionkit' {
  interface SessionData {
    visits?: number;
    user?: string;
  }
}

const sessionInterface = new CookieSessionInterface({ secret: process.env.SECRET_KEY ?? 'dev-only-secret-change-me' });

async function handle(request: Request): Promise<Response> {
  const { session } = openSession(sessionInterface, request);
  const url = new URL(request.url);
  let response: Response;
  if (url.pathname === '/login') {
    session.set('user', url.searchParams.get('name') ?? 'ada');
    response = Response.redirect(new URL('/', url), 302); // immutable headers: commitSession copies it
  } else if (url.pathname === '/logout') {
    session.clear();
    response = Response.redirect(new URL('/', url), 302);
  } else {
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    const user = session.get('user');
    response = new Response(`visit ${visits}${user ? ` as ${user}` : ''}\n`, { headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  }
  return commitSession(sessionInterface, session, response);
}

const port = Number(process.env.PORT ?? 3000);
serve({ fetch: handle, port, hostname: '127.0.0.1' }, () => console.log(`listening on http://127.0.0.1:${port}`));
