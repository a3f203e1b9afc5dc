/**
 * Sealed (encrypted) cookie sessions on node:http, readable by iron-session with the same
 * password and cookie name: a visit counter and a log-in that redirects.
 * Run: SESSION_PASSWORD=$(openssl rand -base64 32) npx tsx examples/sealed.ts   (PORT defaults to 3000)
 */
import { createServer } from 'node:http';
import { SealedCookieSessionInterface } from 'sessionkit';
import { withSession } from 'sessionkit/node';

interface AppSession {
  visits?: number;
  user?: string;
}

const sessionInterface = new SealedCookieSessionInterface<AppSession>({
  password: process.env.SESSION_PASSWORD ?? 'dev-only-password-of-at-least-32-characters',
  cookieName: 'app_session', // iron-session's cookieName, when moving an app from it
  secure: 'auto', // Secure over HTTPS; plain HTTP works for local development
});

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
