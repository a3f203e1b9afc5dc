/**
 * Typing fixture: an interface created with its own data type types the session where the
 * adapter can carry it, and a `Session<T>` of an interface type is still a `Session`.
 */
import http from 'node:http';
import express from 'express';
import { Hono } from 'hono';
import Koa from 'koa';
import { CookieSessionInterface, type Session } from 'sessionkit';
import { getSession } from 'sessionkit/express';
import { commitSession, openSession } from 'sessionkit/fetch';
import { session as honoSession, type SessionEnv } from 'sessionkit/hono';
import { type KoaSessionContext } from 'sessionkit/koa';
import { withSession, type SessionRequest } from 'sessionkit/node';

interface Cart {
  items?: number[];
}

const carts = new CookieSessionInterface<Cart>({ secret: 'a long random secret' });

/** A function written for any session: an interface-typed session can be passed to it. */
function size(session: Session): number {
  return session.size;
}

http.createServer(
  withSession({ sessionInterface: carts }, (req, res) => {
    const items: number[] | undefined = req.session.get('items');
    // @ts-expect-error -- inferred from the interface: items holds numbers
    req.session.set('items', ['a']);
    // @ts-expect-error -- and Cart has no user
    req.session.get('user');
    const typed: SessionRequest<Cart> = req;
    res.end(String(items?.length ?? size(typed.session)));
  }),
);

export async function handle(request: Request): Promise<Response> {
  const { session } = openSession(carts, request);
  // @ts-expect-error -- inferred from the interface
  session.set('items', 'none');
  session.data.items = [1];
  return commitSession(carts, session, new Response('ok'));
}

const hono = new Hono<SessionEnv<Cart>>();
hono.use(honoSession({ sessionInterface: carts }));
hono.get('/', (c) => {
  // @ts-expect-error -- typed by the app's environment
  c.get('session').set('items', 'none');
  return c.json(c.get('session').get('items') ?? []);
});

// Chaining the middleware types the app too.
new Hono().use(honoSession({ sessionInterface: carts })).get('/', (c) => {
  // @ts-expect-error -- typed through use()
  c.get('session').set('items', 'none');
  return c.json(c.get('session').get('items') ?? []);
});

new Koa().use((ctx: KoaSessionContext<Cart>) => {
  // @ts-expect-error -- typed by the handler's context
  ctx.session.set('items', 'none');
  ctx.body = size(ctx.session);
});

express().get('/', (req, res) => {
  const session = getSession<Cart>(req);
  // @ts-expect-error -- typed by the call
  session.set('items', 'none');
  res.json(session.get('items') ?? size(session));
});
