/**
 * Express with sessions: a visit counter and a log-in that redirects.
 * Run: npx tsx examples/express.ts   (PORT defaults to 3000)
 */
import express from 'express';
import { CookieSessionInterface } from 'sessionkit';
import { session } from 'sessionkit/express';

// Types every session of the app: req.session here, ctx.session, c.get('session')…
declare module 'sessionkit' {
  interface SessionData {
    visits?: number;
    user?: string;
  }
}

const app = express();
app.use(session({ sessionInterface: new CookieSessionInterface({ secret: process.env.SECRET_KEY ?? 'dev-only-secret-change-me' }) }));

app.get('/', (req, res) => {
  const visits = (req.session.data.visits ?? 0) + 1;
  req.session.data.visits = visits;
  const user = req.session.data.user;
  res.type('text').send(`visit ${visits}${user ? ` as ${user}` : ''}\n`);
});

app.get('/login', (req, res) => {
  req.session.set('user', typeof req.query.name === 'string' ? req.query.name : 'ada');
  req.session.regenerate(); // a new session id at log-in
  res.redirect('/');
});

app.get('/logout', (req, res) => {
  req.session.clear();
  res.redirect('/');
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
