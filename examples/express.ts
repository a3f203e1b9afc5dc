/**
 * Express with sessions: a visit counter and a log-in that redirects.
 * Run: npx tsx examples/express.ts   (PORT defaults to 3000)
 */
import express from 'express';
import { CookieSessionInterface } from 'sessionkit';
import { getSession, session } from 'sessionkit/express';

interface AppSession {
  visits?: number;
  user?: string;
}

const app = express();
app.use(session({ sessionInterface: new CookieSessionInterface<AppSession>({ secret: process.env.SECRET_KEY ?? 'dev-only-secret-change-me' }) }));

app.get('/', (req, res) => {
  const data = getSession<AppSession>(req); // typed; req.session is the same session, untyped
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
  req.session.clear();
  res.redirect('/');
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
