/** docs/adapters.md, Hono (served on Node). Run: npx tsx examples/docs/adapters/hono.ts */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { sessionInterface } from './interface.js';

// #region snippet
import { session } from 'sessionkit/hono';
const app = new Hono();
app.use(session({ sessionInterface }));
app.get('/', (c) => {
  const s = c.get('session');
  s.set('visits', (s.get('visits') ?? 0) + 1);
  return c.text('hello');
});
// #endregion snippet

serve({ fetch: app.fetch, port: 3000 });
