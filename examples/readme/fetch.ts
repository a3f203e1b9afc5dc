/**
 * The README's Fetch quick start: a framework-free handler, served on Node here.
 * Run: npx tsx examples/readme/fetch.ts
 */
import { serve } from '@hono/node-server';
import { CookieSessionInterface } from 'sessionkit';

declare module 'sessionkit' {
  interface SessionData {
    user?: string;
  }
}

const sessionInterface = new CookieSessionInterface({ secret: process.env.SECRET_KEY! });

// #region snippet
import { openSession, commitSession } from 'sessionkit/fetch';
async function handle(request: Request): Promise<Response> {
  const { session, cookies } = openSession(sessionInterface, request);
  await session.load();
  session.set('user', 'alice');
  return commitSession(sessionInterface, session, new Response('hi'), cookies);
}
// #endregion snippet

serve({ fetch: handle, port: 3000 });
