/** docs/adapters.md, Koa. Run: npx tsx examples/docs/adapters/koa.ts */
import Koa from 'koa';
import { sessionInterface } from './interface.js';

const app = new Koa();

// #region snippet
import { session } from 'sessionkit/koa';
app.use(session({ sessionInterface }));
app.use((ctx) => {
  ctx.session.set('visits', (ctx.session.get('visits') ?? 0) + 1);
  ctx.sessionCookies.set('theme', 'dark');
  ctx.body = 'hello';
});
// #endregion snippet

app.listen(3000);
