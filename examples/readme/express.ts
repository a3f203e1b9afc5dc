/**
 * The README's Express quick start, in an app. Run: npx tsx examples/readme/express.ts
 */
import express from 'express';
import { CookieSessionInterface } from 'sessionkit';

declare module 'sessionkit' {
  interface SessionData {
    visits?: number;
  }
}

const app = express();
const sessionInterface = new CookieSessionInterface({ secret: process.env.SECRET_KEY! });

// #region snippet
import { session } from 'sessionkit/express';
app.use(session({ sessionInterface }));
app.get('/', (req, res) => { req.session.set('visits', (req.session.get('visits') ?? 0) + 1); res.send('hi'); });
// #endregion snippet

app.listen(3000);
