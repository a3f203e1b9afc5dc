/**
 * Fastify with server-side sessions (in-memory store): a visit counter and a log-in that redirects.
 * Run: npx tsx examples/fastify.ts   (PORT defaults to 3000)
 */
import Fastify from 'fastify';
import { ServerSessionInterface } from 'sessionkit';
import { getSession, sessionPlugin } from 'sessionkit/fastify';
import { MemoryStore } from 'sessionkit/stores/memory';

interface AppSession {
  visits?: number;
  user?: string;
}

const app = Fastify();
await app.register(sessionPlugin({ sessionInterface: new ServerSessionInterface<AppSession>({ store: new MemoryStore() }) }));

app.get('/', async (request) => {
  const data = getSession<AppSession>(request);
  const visits = (data.get('visits') ?? 0) + 1;
  data.set('visits', visits);
  const user = data.get('user');
  return `visit ${visits}${user ? ` as ${user}` : ''}\n`;
});

app.get<{ Querystring: { name?: string } }>('/login', async (request, reply) => {
  getSession<AppSession>(request).set('user', request.query.name ?? 'ada');
  return reply.redirect('/');
});

app.get('/logout', async (request, reply) => {
  request.session.destroy();
  return reply.redirect('/');
});

const port = Number(process.env.PORT ?? 3000);
await app.listen({ port, host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${port}`);
