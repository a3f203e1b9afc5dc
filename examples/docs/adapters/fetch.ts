/** docs/adapters.md, a Fetch handler (served on Node here). Run: npx tsx examples/docs/adapters/fetch.ts */
import { serve } from '@hono/node-server';
import { sessionInterface } from './interface.js';

// #region snippet
import { openSession, commitSession } from 'sessionkit/fetch';
async function handle(request: Request): Promise<Response> {
  const { session } = openSession(sessionInterface, request);
  await session.load(); // needed for server-side sessions; free for cookie sessions
  session.set('visits', (session.get('visits') ?? 0) + 1);
  return commitSession(sessionInterface, session, new Response('hello'));
}
// #endregion snippet

serve({ fetch: handle, port: 3000 });
