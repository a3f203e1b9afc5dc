/**
 * The README's Hono quick start, served on Node. Run: npx tsx examples/readme/hono.ts
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { CookieSessionInterface } from 'sessionkit';

declare module 'sessionkit' {
  interface SessionData {
    user?: string;
  }
}

const sessionInterface = new CookieSessionInterface({ secret: process.env.SECRET_KEY! });

// #region snippet
import { session } from 'sessionkit/hono';
const app = new Hono();
app.use(session({ sessionInterface }));
app.get('/', (c) => { c.get('session').set('user', 'alice'); return c.text('hi'); });
// #endregion snippet

serve({ fetch: app.fetch, port: 3000 });
