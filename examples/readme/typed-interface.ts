/**
 * Session data typed per interface instead of app-wide. Run: npx tsx examples/readme/typed-interface.ts
 */
import http from 'node:http';
import express from 'express';
import { ServerSessionInterface } from 'sessionkit';
import { getSession, session } from 'sessionkit/express';
import { withSession } from 'sessionkit/node';
import { MemoryStore } from 'sessionkit/stores/memory';

const app = express();

// #region snippet
interface CartSession { cart?: number[] }
const carts = new ServerSessionInterface<CartSession>({ store: new MemoryStore() });

// node:http, Fetch and Hono infer the data type from the interface…
const server = http.createServer(withSession({ sessionInterface: carts }, (req, res) => {
  req.session.data.cart = [...(req.session.data.cart ?? []), 7]; // req.session: Session<CartSession>
  res.end('added');
}));
// …Express, Fastify and Koa declare req.session with SessionData: ask for the type
app.use(session({ sessionInterface: carts }));
app.get('/', (req, res) => { res.json(getSession<CartSession>(req).get('cart') ?? []); });
// #endregion snippet

app.listen(3000);
void server;
