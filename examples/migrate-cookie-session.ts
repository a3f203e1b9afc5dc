/**
 * Moving an Express app from cookie-session to sessionkit's signed cookies without logging
 * anybody out: a request bringing cookie-session's `session` + `session.sig` cookies gets their
 * data, and its response re-issues it as a sessionkit cookie and clears `session.sig`.
 * Run: npx tsx examples/migrate-cookie-session.ts   (PORT defaults to 3000)
 */
import express from 'express';
import { CookieSessionInterface } from 'sessionkit';
import { getSession, session } from 'sessionkit/express';

interface AppSession {
  visits?: number;
  user?: string;
}

const sessionInterface = new CookieSessionInterface<AppSession>({
  secret: process.env.SECRET_KEY ?? 'dev-only-secret-change-me',
  // cookie-session's options as they were: its `keys` (the first signed), its cookie `name`.
  cookieSession: { keys: (process.env.COOKIE_SESSION_KEYS ?? 'key1,key2').split(','), name: 'session' },
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
  getSession(req).clear();
  res.redirect('/');
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
