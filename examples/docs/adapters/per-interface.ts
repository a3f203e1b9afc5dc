/**
 * docs/adapters.md: data typed per interface rather than app-wide, in each adapter.
 * Run: npx tsx examples/docs/adapters/per-interface.ts
 */
import http from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { CookieSessionInterface } from 'sessionkit';
import { getSession as expressSession, session } from 'sessionkit/express';
import { getSession as fastifySession } from 'sessionkit/fastify';
import { type SessionEnv } from 'sessionkit/hono';
import { type KoaSessionContext } from 'sessionkit/koa';
import { withSession } from 'sessionkit/node';

const app = express();
const fastify = Fastify();
const koa = new Koa();

// #region snippet
interface Cart { items?: string[] }
const carts = new CookieSessionInterface<Cart>({ secret: process.env.SECRET_KEY! });

// node:http and Fetch: inferred from the interface
http.createServer(withSession({ sessionInterface: carts }, (req, res) => { res.end(String(req.session.get('items')?.length)); }));
// Hono: the app's environment
const hono = new Hono<SessionEnv<Cart>>();
hono.get('/', (c) => c.json(c.get('session').get('items') ?? []));
// Koa: the handler's context
koa.use((ctx: KoaSessionContext<Cart>) => { ctx.body = ctx.session.get('items') ?? []; });
// Express and Fastify: getSession<T>
app.use(session({ sessionInterface: carts }));
app.get('/', (req, res) => { res.json(expressSession<Cart>(req).get('items') ?? []); });
fastify.get('/', async (request) => fastifySession<Cart>(request).get('items') ?? []);
// #endregion snippet

app.listen(3000);
void hono;
