/**
 * node:http with sessions: a visit counter and a log-in that redirects.
 * Run: npx tsx examples/node.ts   (PORT defaults to 3000)
 */
import { createServer } from 'node:http';
import { CookieSessionInterface } from 'sessionkit';
import { withSession } from 'sessionkit/node';

// Types every session of the app: req.session, ctx.session, c.get('session')…
declare module 'sessionkit' {
  interface SessionData {
    visits?: number;
    user?: string;
  }
}

const sessionInterface = new CookieSessionInterface({ secret: process.env.SECRET_KEY ?? 'dev-only-secret-change-me' });

const server = createServer(
  withSession({ sessionInterface }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/login') {
      req.session.set('user', url.searchParams.get('name') ?? 'ada');
      res.writeHead(302, { Location: '/' }).end();
      return;
    }
    if (url.pathname === '/logout') {
      req.session.clear();
      res.writeHead(302, { Location: '/' }).end();
      return;
    }
    const visits = (req.session.get('visits') ?? 0) + 1;
    req.session.set('visits', visits);
    const user = req.session.get('user');
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(`visit ${visits}${user ? ` as ${user}` : ''}\n`);
  }),
);

const port = Number(process.env.PORT ?? 3000);
server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
