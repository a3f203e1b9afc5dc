/**
 * The README's Fastify quick start, in an app. Run: npx tsx examples/readme/fastify.ts
 */
import Fastify from 'fastify';
import { CookieSessionInterface } from 'sessionkit';

declare module 'sessionkit' {
  interface SessionData {
    visits?: number;
  }
}

const app = Fastify();
const sessionInterface = new CookieSessionInterface({ secret: process.env.SECRET_KEY! });

// #region snippet
import { sessionPlugin } from 'sessionkit/fastify';
// #endregion snippet

async function main(): Promise<void> {
  // #region snippet
  await app.register(sessionPlugin({ sessionInterface }));
  app.get('/', async (request) => { request.session.set('visits', 1); return 'hi'; });
  // #endregion snippet
  await app.listen({ port: 3000 });
}

void main();
