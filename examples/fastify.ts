/**
 * Fastify with server-side sessions (in-memory store): a visit counter and a log-in that redirects.
 * Run: npx tsx examples/fastify.ts   (PORT defaults to 3000)
 */
import Fastify from 'fastify';
import { ServerSessionInterface } from 'sessionkit';
import { sessionPlugin } from 'sessionkit/fastify';
import { MemoryStore } from 'sessionkit/stores/memory';

// Types every session of the app: request.session here, req.session, ctx.session…
declare module 'sessionkit' {
  interface SessionData {
    visits?: number;
    user?: string;
  }
}

async function main(): Promise<void> {
  const app = Fastify();
  await app.register(sessionPlugin({ sessionInterface: new ServerSessionInterface({ store: new MemoryStore() }) }));

  app.get('/', async (request) => {
    const visits = (request.session.get('visits') ?? 0) + 1;
    request.session.set('visits', visits);
    const user = request.session.get('user');
    return `visit ${visits}${user ? ` as ${user}` : ''}\n`;
  });

  app.get<{ Querystring: { name?: string } }>('/login', async (request, reply) => {
    request.session.set('user', request.query.name ?? 'ada');
    request.session.regenerate(); // a new session id at log-in
    return reply.redirect('/');
  });

  app.get('/logout', async (request, reply) => {
    request.session.destroy();
    return reply.redirect('/');
  });

  const port = Number(process.env.PORT ?? 3000);
  await app.listen({ port, host: '127.0.0.1' });
  console.log(`listening on http://127.0.0.1:${port}`);
}

void main();
