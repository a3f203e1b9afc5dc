/** docs/adapters.md, Fastify. Run: npx tsx examples/docs/adapters/fastify.ts */
import Fastify from 'fastify';
import { sessionInterface } from './interface.js';

const app = Fastify();

// #region snippet
import { sessionPlugin } from 'sessionkit/fastify';
// #endregion snippet

async function main(): Promise<void> {
  // #region snippet
  await app.register(sessionPlugin({ sessionInterface }));
  app.get('/', async (request, reply) => {
    request.session.set('visits', (request.session.get('visits') ?? 0) + 1);
    reply.setCookie('theme', 'dark', { maxAge: 3600 });
    return 'hello';
  });
  // #endregion snippet
  await app.listen({ port: 3000 });
}

void main();
