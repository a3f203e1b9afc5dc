/**
 * What a client sees when the session store fails, through each adapter's default error path and
 * the framework's own default error handler, in development and in production mode: a 503 and a
 * fixed text — never the driver's message, a path, a connection string or a stack trace. The
 * failure itself reaches the server's log.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { session as expressSession, getSession as expressGetSession } from '../../src/adapters/express.js';
import { sessionPlugin, getSession as fastifyGetSession } from '../../src/adapters/fastify.js';
import { commitSession, errorResponse, openSession } from '../../src/adapters/fetch.js';
import { session as honoSession, type SessionEnv } from '../../src/adapters/hono.js';
import { session as koaSession, getSession as koaGetSession } from '../../src/adapters/koa.js';
import { withSession } from '../../src/adapters/node.js';
import { StoreError } from '../../src/errors.js';
import { CookieSessionInterface } from '../../src/interfaces/cookie.js';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import type { SessionInterface } from '../../src/interfaces/session-interface.js';
import type { Session } from '../../src/session.js';
import { captureConsoleErrors } from './support/console.js';
import { failingStores, secretTexts, type FailingStores } from './support/failing-stores.js';
import { listen, type RunningApp } from './support/http.js';

type Data = { count?: number; note?: string };
type Mode = 'development' | 'production';
const MODES: readonly Mode[] = ['development', 'production'];

/** A running app: requests go to it with an optional Cookie header. */
interface Client {
  get(path: string, cookie?: string): Promise<Response>;
  close(): Promise<void>;
}

/** What every app does: `/count` increments `count`; `/big` stores more than a cookie holds. */
function route(path: string, session: Session<Data>): string {
  // Random text: itsdangerous compresses the payload, so repeated characters would stay small.
  if (path === '/big') session.set('note', randomBytes(4000).toString('base64'));
  else session.set('count', (session.get('count') ?? 0) + 1);
  return 'ok';
}

const overHttp = (app: RunningApp): Client => ({
  get: (path, cookie) => fetch(app.url + path, { headers: cookie ? { cookie } : {}, redirect: 'manual' }),
  close: () => app.close(),
});

const inProcess = (handle: (request: Request) => Promise<Response> | Response): Client => ({
  get: async (path, cookie) => handle(new Request(`http://example.test${path}`, { headers: cookie ? { cookie } : {} })),
  close: async () => undefined,
});

/** Each adapter with no error option given, under the framework's default error handling. */
const TARGETS: Record<string, (sessionInterface: SessionInterface<Data>, mode: Mode) => Promise<Client>> = {
  node: async (sessionInterface) =>
    overHttp(await listen(createServer(withSession({ sessionInterface }, (req, res) => void res.end(route(req.url ?? '/', req.session)))))),
  express: async (sessionInterface, mode) => {
    const app = express();
    app.set('env', mode); // finalhandler prints err.stack outside production
    app.use(expressSession({ sessionInterface }));
    app.get(['/count', '/big'], (req, res) => void res.send(route(req.path, expressGetSession<Data>(req))));
    return overHttp(await listen(createServer(app)));
  },
  fastify: async (sessionInterface) => {
    const app = Fastify();
    await app.register(sessionPlugin({ sessionInterface }));
    app.get('/count', async (request) => route('/count', fastifyGetSession<Data>(request)));
    app.get('/big', async (request) => route('/big', fastifyGetSession<Data>(request)));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return overHttp({ url, close: () => app.close() });
  },
  koa: async (sessionInterface, mode) => {
    const app = new Koa({ env: mode });
    app.use(koaSession({ sessionInterface }));
    app.use((ctx) => {
      ctx.body = route(ctx.path, koaGetSession<Data>(ctx));
    });
    return overHttp(await listen(createServer(app.callback())));
  },
  hono: async (sessionInterface) => {
    const app = new Hono<SessionEnv<Data>>();
    app.use(honoSession({ sessionInterface }));
    app.get('*', (c) => c.text(route(c.req.path, c.get('session'))));
    return inProcess((request) => app.request(request));
  },
  fetch: async (sessionInterface) =>
    inProcess(async (request) => {
      const { session } = openSession(sessionInterface, request);
      try {
        await session.load();
        return await commitSession(sessionInterface, session, new Response(route(new URL(request.url).pathname, session)));
      } catch (error) {
        console.error(error);
        return errorResponse(error);
      }
    }),
};

/** A returning visitor: a well-formed session id, so the session is read from the store. */
const RETURNING = `session=${'a'.repeat(43)}`;

/** The status line, every header and the body of a response, as one text. */
async function everything(response: Response): Promise<string> {
  const headers: string[] = [];
  response.headers.forEach((value, name) => void headers.push(`${name}: ${value}`));
  return [`${response.status} ${response.statusText}`, ...headers, await response.text()].join('\n');
}

/** Runs `fn` with NODE_ENV set to `mode`, as the app would be started. */
async function inMode<R>(mode: Mode, fn: () => Promise<R>): Promise<R> {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = mode;
  try {
    return await fn();
  } finally {
    process.env.NODE_ENV = previous;
  }
}

let failing: FailingStores;
beforeAll(async () => {
  failing = await failingStores();
});
afterAll(() => failing.cleanup());

for (const [adapter, start] of Object.entries(TARGETS)) {
  describe(`${adapter}: what a client sees of a failure`, () => {
    for (const mode of MODES) {
      describe(`in ${mode} mode`, () => {
        for (const index of [0, 1, 2]) {
          it(`a store that fails (#${index + 1}): 503, no driver text, path, connection string or stack; the cause is logged`, async () => {
            const { kind, store } = failing.stores[index]!;
            const sessionInterface = new ServerSessionInterface<Data>({ store });
            const client = await inMode(mode, () => start(sessionInterface, mode));
            try {
              for (const [cookie, operation] of [[undefined, 'create'], [RETURNING, 'load']] as const) {
                const { result: text, logged } = await captureConsoleErrors(async () => {
                  const response = await client.get('/count', cookie);
                  expect(response.status, kind).toBe(503);
                  return everything(response);
                });
                expect(text).toMatch(/Session store unavailable|Service Unavailable/);
                for (const secret of secretTexts()) expect(text, `${kind}, ${operation}`).not.toContain(secret);
                // The operator gets what the client does not: the StoreError, driver error and all.
                const failure = logged.flat().find((arg): arg is StoreError => arg instanceof StoreError);
                expect(failure?.operation).toBe(operation);
              }
            } finally {
              await client.close();
            }
          });
        }

        it("a cookie over the browser limit: 500, not the error's message or stack", async () => {
          const sessionInterface = new CookieSessionInterface<Data>({ secret: 'public-errors-secret' });
          const client = await inMode(mode, () => start(sessionInterface, mode));
          try {
            const { result: response } = await captureConsoleErrors(() => client.get('/big'));
            expect(response.status).toBe(500);
            const text = await everything(response);
            expect(response.headers.getSetCookie()).toEqual([]);
            for (const secret of [...secretTexts(), 'limit browsers keep']) expect(text).not.toContain(secret);
          } finally {
            await client.close();
          }
        });
      });
    }
  });
}
