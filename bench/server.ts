/**
 * One benchmark server, run in a child process by `run.ts` (and `profile.ts`):
 *
 *   node --import tsx bench/server.ts <contender-id>
 *
 * Every contender answers `GET /` by incrementing a counter (in the session when it has one) and
 * sending it as text. The child listens on a free port of 127.0.0.1 and talks to its parent over
 * IPC: it sends `{ type: 'ready', port }`, answers `{ type: 'stats' }` with the store calls it
 * counted and `{ type: 'cpu' }` with the CPU time it used so far (all its threads), and exits on `{ type: 'stop' }` (through `process.exit`, so `--cpu-prof` is written).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { getIronSession } from 'iron-session';
import { getSession as expressGetSession, session as expressSession } from '../src/adapters/express.js';
import { getSession as fastifyGetSession, sessionPlugin } from '../src/adapters/fastify.js';
import { session as honoSession, type SessionEnv } from '../src/adapters/hono.js';
import { sendErrorResponse, statusOf } from '../src/adapters/internal/errors.js';
import { withSession } from '../src/adapters/node.js';
import { CookieSessionInterface, SealedCookieSessionInterface, ServerSessionInterface, type Session, type SessionInterface } from '../src/index.js';
import { contenderById, type ChildMessage, type Contender, type ParentMessage } from './contenders.js';
import { CountingStore } from './counting-store.js';
import { connectRedis, openStore, REDIS_PREFIX } from './stores.js';

/** Secret of every signed or sealed cookie (iron-session wants 32 characters or more). */
export const BENCH_SECRET = 'a long random secret for benchmarks, 0123456789';

/** The session data of the benchmark route. */
interface BenchData {
  n?: number;
}

/** A started contender: how to listen, how to stop, what it counted. */
interface Running {
  listen(): Promise<number>;
  close(): Promise<void>;
  store?: CountingStore;
}

/**
 * Errors are answered as the adapters' defaults do (503 for a store, 500 otherwise), but only the
 * first of each kind is logged: under load a failing contender would otherwise flood the output.
 * The runner counts the non-2xx responses and reports the contender as failed.
 */
const loggedErrors = new Set<string>();
function logOnce(error: unknown): void {
  const kind = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (loggedErrors.has(kind)) return;
  loggedErrors.add(kind);
  console.error(`[server ${process.argv[2] ?? '?'}] ${kind} (further ones not logged)`);
}

/** `onError` of the node adapter. */
function nodeError(error: unknown, _req: IncomingMessage, res: ServerResponse): void {
  logOnce(error);
  sendErrorResponse(res, error);
}

/** The last middleware of the Express apps. */
const expressError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  logOnce(error);
  if (res.headersSent) return void res.destroy();
  res.status(statusOf(error)).type('text/plain').send('session error');
};

/** The route's work on a sessionkit session: read the counter, store it plus one. */
function bump(session: Session<BenchData>): number {
  const n = (session.get('n') ?? 0) + 1;
  session.set('n', n);
  return n;
}

/** The same with `update()`: a save that meets a concurrent write re-runs the increment. */
function bumpByUpdate(session: Session<BenchData>): number {
  return session.update('n', (n = 0) => n + 1);
}

/** Listens on a free port of 127.0.0.1 and resolves with it. */
function listenOn(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Closes a node server, dropping its idle keep-alive connections. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A plain node server around `handler`. */
function nodeServer(handler: (req: IncomingMessage, res: ServerResponse) => unknown, cleanup: () => Promise<void> = async () => {}): Running {
  const server = createServer((req, res) => void handler(req, res));
  return {
    listen: () => listenOn(server),
    close: async () => {
      await closeServer(server);
      await cleanup();
    },
  };
}

/** An Express app served by node:http. */
function expressServer(app: express.Express, cleanup: () => Promise<void> = async () => {}): Running {
  return nodeServer(app, cleanup);
}

/** The sessionkit interface of a contender, on a counting wrapper around its real store. */
async function sessionInterfaceFor(contender: Contender): Promise<{
  sessionInterface: SessionInterface<BenchData>;
  store?: CountingStore;
  cleanup: () => Promise<void>;
}> {
  if (contender.id === 'sk-node-sealed') {
    // iron-session's cookie (same password and name); plain HTTP here, so not Secure.
    const sessionInterface = new SealedCookieSessionInterface<BenchData>({ password: BENCH_SECRET, cookieName: 'session', secure: false });
    return { sessionInterface, cleanup: async () => {} };
  }
  if (contender.session === 'cookie') {
    return { sessionInterface: new CookieSessionInterface<BenchData>({ secret: BENCH_SECRET }), cleanup: async () => {} };
  }
  const opened = await openStore(contender.store!, `${contender.id}`);
  const store = new CountingStore(opened.store);
  const sessionInterface = new ServerSessionInterface<BenchData>({ store, keyPrefix: opened.keyPrefix });
  return { sessionInterface, store, cleanup: () => opened.close() };
}

/** Loads a CommonJS or untyped package by a computed name (keeps its global type augmentations out). */
async function importUntyped<T>(name: string): Promise<T> {
  const specifier: string = name;
  return (await import(specifier)) as T;
}

/** The minimal shape of `express-session` used here. */
interface ExpressSessionModule {
  default: ((options: Record<string, unknown>) => RequestHandler) & { MemoryStore: new () => unknown };
}

/** Starts the contender's server (not listening yet). */
async function start(contender: Contender): Promise<Running> {
  switch (contender.id) {
    case 'node': {
      let n = 0;
      return nodeServer((_req, res) => {
        n++;
        res.setHeader('Content-Type', 'text/plain');
        res.end(String(n));
      });
    }
    case 'sk-node-cookie':
    case 'sk-node-sealed':
    case 'sk-node-memory':
    case 'sk-node-sqlite':
    case 'sk-node-redis':
    case 'sk-node-redis-update': {
      const { sessionInterface, store, cleanup } = await sessionInterfaceFor(contender);
      const increment = contender.increment === 'update' ? bumpByUpdate : bump;
      const handler = withSession<BenchData>({ sessionInterface, onError: nodeError }, (req, res) => {
        const n = increment(req.session);
        res.setHeader('Content-Type', 'text/plain');
        res.end(String(n));
      });
      return { ...nodeServer(handler, cleanup), store };
    }
    case 'iron-session': {
      return nodeServer(async (req, res) => {
        const session = await getIronSession<BenchData>(req, res, { password: BENCH_SECRET, cookieName: 'session' });
        const n = (session.n ?? 0) + 1;
        session.n = n;
        await session.save();
        res.setHeader('Content-Type', 'text/plain');
        res.end(String(n));
      });
    }
    case 'express': {
      const app = express();
      let n = 0;
      app.get('/', (_req, res) => {
        n++;
        res.send(String(n));
      });
      return expressServer(app);
    }
    case 'sk-express-cookie':
    case 'sk-express-memory':
    case 'sk-express-sqlite':
    case 'sk-express-redis': {
      const { sessionInterface, store, cleanup } = await sessionInterfaceFor(contender);
      const app = express();
      app.use(expressSession({ sessionInterface }));
      app.get('/', (req, res) => {
        res.send(String(bump(expressGetSession<BenchData>(req))));
      });
      app.use(expressError);
      return { ...expressServer(app, cleanup), store };
    }
    case 'cookie-session': {
      const { default: cookieSession } = await importUntyped<{ default: (options: Record<string, unknown>) => RequestHandler }>('cookie-session');
      const app = express();
      app.use(cookieSession({ name: 'session', keys: [BENCH_SECRET] }));
      app.get('/', (req, res) => {
        const data = (req as unknown as { session: BenchData }).session;
        data.n = (data.n ?? 0) + 1;
        res.send(String(data.n));
      });
      return expressServer(app);
    }
    case 'express-session-memory':
    case 'express-session-redis': {
      const { default: session } = await importUntyped<ExpressSessionModule>('express-session');
      let store: unknown;
      let cleanup = async (): Promise<void> => {};
      if (contender.redis) {
        const { RedisStore } = await importUntyped<{ RedisStore: new (options: Record<string, unknown>) => unknown }>('connect-redis');
        const client = await connectRedis();
        store = new RedisStore({ client, prefix: `${REDIS_PREFIX}${contender.id}:` });
        cleanup = async () => client.destroy();
      } else {
        store = new session.MemoryStore();
      }
      const app = express();
      app.use(session({ secret: BENCH_SECRET, resave: false, saveUninitialized: false, store }));
      app.get('/', (req, res) => {
        const data = (req as unknown as { session: BenchData }).session;
        data.n = (data.n ?? 0) + 1;
        res.send(String(data.n));
      });
      app.use(expressError);
      return expressServer(app, cleanup);
    }
    case 'fastify':
    case 'sk-fastify-cookie': {
      const app = Fastify();
      if (contender.session === 'none') {
        let n = 0;
        app.get('/', async () => String(++n));
      } else {
        const { sessionInterface } = await sessionInterfaceFor(contender);
        await app.register(sessionPlugin({ sessionInterface }));
        app.get('/', async (request) => String(bump(fastifyGetSession<BenchData>(request))));
      }
      return {
        listen: async () => {
          await app.listen({ port: 0, host: '127.0.0.1' });
          return (app.server.address() as AddressInfo).port;
        },
        close: () => app.close(),
      };
    }
    case 'hono':
    case 'sk-hono-cookie': {
      const app = new Hono<SessionEnv<BenchData>>();
      if (contender.session === 'none') {
        let n = 0;
        app.get('/', (c) => c.text(String(++n)));
      } else {
        const { sessionInterface } = await sessionInterfaceFor(contender);
        app.use(honoSession<BenchData>({ sessionInterface }));
        app.get('/', (c) => c.text(String(bump(c.get('session')))));
      }
      const server = createAdaptorServer({ fetch: app.fetch }) as Server;
      return { listen: () => listenOn(server), close: () => closeServer(server) };
    }
    default:
      throw new Error(`no server for contender ${contender.id}`);
  }
}

/** Sends a message to the runner. */
function tell(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const id = process.argv[2];
  if (!id) throw new Error('usage: node --import tsx bench/server.ts <contender-id>');
  const running = await start(contenderById(id));
  const port = await running.listen();
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stats') {
      tell({ type: 'stats', storeCalls: running.store ? { ...running.store.counts } : null });
    } else if (message.type === 'cpu') {
      const used = process.cpuUsage();
      tell({ type: 'cpu', micros: used.user + used.system });
    } else if (message.type === 'stop') {
      const timer = setTimeout(() => process.exit(0), 2000);
      timer.unref();
      void running.close().finally(() => process.exit(0));
    }
  });
  // The runner went away without saying stop: do not linger.
  process.on('disconnect', () => process.exit(0));
  if (process.send) tell({ type: 'ready', port });
  else console.log(`${id} listening on http://127.0.0.1:${port}/`);
}

await main();
