/**
 * Typing fixture (type-checked by test/examples/typecheck.test.ts against the built package,
 * never run): augmenting `SessionData` types the session of every adapter. Each
 * `@ts-expect-error` fails the check if the type it guards gets looser.
 */
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { CookieSessionInterface, ServerSessionInterface, type Session, type SessionData } from 'sessionkit';
import { getSession as expressSession, session as expressMiddleware } from 'sessionkit/express';
import { getSession as fastifySession, sessionPlugin } from 'sessionkit/fastify';
import { openSession } from 'sessionkit/fetch';
import { session as honoMiddleware } from 'sessionkit/hono';
import { getSession as koaSession, session as koaMiddleware } from 'sessionkit/koa';
import { getSession as nodeSession, withSession } from 'sessionkit/node';
import { MemoryStore } from 'sessionkit/stores/memory';

declare module 'sessionkit' {
  interface SessionData {
    user?: string;
    visits?: number;
    cart?: number[];
  }
}

const cookieSessions = new CookieSessionInterface({ secret: 'a long random secret' });
const serverSessions = new ServerSessionInterface({ store: new MemoryStore() });

/** What every adapter's session must allow and refuse. */
function checks(session: Session): void {
  const user: string | undefined = session.get('user');
  const visits: number = session.get('visits', 0);
  session.set('cart', [1, 2]);
  // @ts-expect-error -- visits is a number
  session.set('visits', 'many');
  // @ts-expect-error -- user is a string | undefined, not a number
  const wrong: number | undefined = session.get('user');
  // Keys not declared still work, with unknown values.
  const other: unknown = session.get('theme');
  // @ts-expect-error -- an undeclared key's value is unknown, not a string
  const notString: string = session.get('theme');
  session.data.user = 'alice';
  session.data.cart?.push(3);
  delete session.data.cart;
  // @ts-expect-error -- through data too
  session.data.visits = 'many';
  void [user, visits, wrong, other, notString];
}

const app = express();
app.use(expressMiddleware({ sessionInterface: cookieSessions }));
app.get('/', (req, res) => {
  checks(req.session);
  checks(expressSession(req));
  const sameType: Session<SessionData> = req.session;
  res.send(String(sameType.size));
});

const fastify = Fastify();
void fastify.register(sessionPlugin({ sessionInterface: serverSessions }));
fastify.get('/', async (request, reply) => {
  checks(request.session);
  checks(fastifySession(request));
  reply.setCookie('theme', 'dark', { maxAge: 60 });
  return 'ok';
});

const koa = new Koa();
koa.use(koaMiddleware({ sessionInterface: cookieSessions }));
koa.use((ctx) => {
  checks(ctx.session);
  checks(koaSession(ctx));
  ctx.sessionCookies.set('theme', 'dark');
});

const hono = new Hono();
hono.use(honoMiddleware({ sessionInterface: serverSessions }));
hono.get('/', (c) => {
  checks(c.get('session'));
  c.get('cookies').set('theme', 'dark');
  return c.text('ok');
});

export const nodeHandler = withSession({ sessionInterface: cookieSessions }, (req, res) => {
  checks(req.session);
  checks(nodeSession(req));
  res.end();
});

export function fetchHandler(request: Request): void {
  checks(openSession(serverSessions, request).session);
  checks(openSession(cookieSessions, request).session);
}
