/**
 * The README's Koa quick start, in an app. Run: npx tsx examples/readme/koa.ts
 */
import Koa from 'koa';
import { CookieSessionInterface } from 'sessionkit';

declare module 'sessionkit' {
  interface SessionData {
    visits?: number;
  }
}

const app = new Koa();
const sessionInterface = new CookieSessionInterface({ secret: process.env.SECRET_KEY! });

// #region snippet
import { session } from 'sessionkit/koa';
app.use(session({ sessionInterface }));
app.use((ctx) => { ctx.session.set('visits', 1); ctx.body = 'hi'; });
// #endregion snippet

app.listen(3000);
