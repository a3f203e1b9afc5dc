import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSession, sessionPlugin, type FastifySessionOptions } from '../../src/adapters/fastify.js';
import { CookieSessionInterface } from '../../src/interfaces/cookie.js';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import { SessionStoreUnavailableError, StoreError } from '../../src/errors.js';
import { captureConsoleErrors } from './support/console.js';
import { describeAdapterContract, type StartOptions, type TestData } from './support/contract.js';
import { Browser, delay, setCookies, type RunningApp } from './support/http.js';
import { FlakyStore } from './support/stores.js';

type Options = StartOptions & FastifySessionOptions<TestData>;

/** A Fastify app with the contract routes. */
async function buildApp(
  options: Options,
  fastifyOptions: FastifyServerOptions = {},
  configure?: (app: FastifyInstance) => void,
): Promise<FastifyInstance> {
  const app = Fastify(fastifyOptions);
  configure?.(app);
  await app.register(sessionPlugin(options));
  const typed = (request: FastifyRequest) => getSession<TestData>(request);
  const count = (request: FastifyRequest): string => {
    const next = (typed(request).get('count') ?? 0) + 1;
    typed(request).set('count', next);
    return String(next);
  };
  app.get('/count', async (request) => count(request));
  app.get('/count-lazy', async (request) => {
    await request.session.load();
    return count(request);
  });
  app.get('/peek', async () => 'peek');
  app.get('/read', async (request) => String(typed(request).get('count') ?? 0));
  app.get('/login', async (request, reply) => {
    typed(request).set('user', 'ada');
    return reply.redirect('/whoami');
  });
  app.get('/whoami', async (request) => typed(request).get('user') ?? 'nobody');
  app.get('/note', async (request) => typed(request).get('note') ?? 'none');
  app.get('/stream', async (request, reply) => {
    typed(request).set('note', 'streamed');
    const body = Readable.from(
      (async function* chunks() {
        yield 'a';
        await delay(10);
        yield 'b';
        await delay(10);
        yield 'c';
      })(),
    );
    return reply.type('text/plain').send(body);
  });
  app.get('/pipe', async (request, reply) => {
    typed(request).set('note', 'piped');
    return reply.type('text/plain').send(Readable.from(['x', 'y', 'z']));
  });
  app.get('/late', async (request, reply) => {
    // A hijacked reply written on reply.raw mid-handler: the raw response is guarded too.
    reply.hijack();
    await delay(5);
    typed(request).set('note', 'late');
    reply.raw.setHeader('Content-Type', 'text/plain');
    reply.raw.end('late');
    await delay(20);
  });
  app.get('/prefs/set', async (_request, reply) => {
    reply.setCookie('theme', 'dark', { maxAge: 60 });
    return 'ok';
  });
  app.get('/prefs/get', async (request) => request.cookies.get('theme') ?? 'none');
  app.get('/prefs/delete', async (_request, reply) => {
    reply.clearCookie('theme');
    return 'ok';
  });
  app.get('/signed/set', async (request) => {
    request.cookies.setSigned('uid', '42');
    return 'ok';
  });
  app.get('/signed/get', async (request) => request.cookies.getSigned('uid') ?? 'invalid');
  app.get('/logout', async (request) => {
    request.session.clear();
    return 'bye';
  });
  return app;
}

async function startApp(app: FastifyInstance): Promise<RunningApp> {
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

const start = async (options: Options, fastifyOptions?: FastifyServerOptions): Promise<RunningApp> =>
  startApp(await buildApp(options, fastifyOptions));

describeAdapterContract('fastify', (options) => start(options));

describe('fastify adapter', () => {
  const iface = new CookieSessionInterface<TestData>({ secret: 'fastify-adapter-secret', secure: 'auto' });

  it("follows Fastify's trustProxy for secure: 'auto'", async () => {
    const trusting = await start({ sessionInterface: iface }, { trustProxy: true });
    const plain = await start({ sessionInterface: iface });
    try {
      const secure = async (app: RunningApp) =>
        setCookies(await new Browser(app.url).request('/count', { headers: { 'x-forwarded-proto': 'https' } }))
          .find((c) => c.name === iface.cookieName)
          ?.attributes.has('secure');
      expect(await secure(trusting)).toBe(true);
      expect(await secure(plain)).toBe(false);
    } finally {
      await trusting.close();
      await plain.close();
    }
  });

  it('reaches routes of child plugins (not encapsulated) and keeps headers set by the route', async () => {
    const app = Fastify();
    await app.register(sessionPlugin({ sessionInterface: iface }));
    await app.register(async (child) => {
      child.get('/child', async (request, reply) => {
        request.session.set('count', 9);
        reply.header('vary', 'Accept-Language');
        reply.header('set-cookie', 'own=1');
        return 'child';
      });
    });
    const running = await startApp(app);
    try {
      const response = await new Browser(running.url).request('/child');
      expect(await response.text()).toBe('child');
      expect(setCookies(response).map((c) => c.name)).toEqual(['own', iface.cookieName]);
      expect(response.headers.get('vary')).toBe('Accept-Language, Cookie');
    } finally {
      await running.close();
    }
  });

  describe('errors', () => {
    let store: FlakyStore;
    let app: RunningApp;
    let handled: unknown[];
    beforeAll(async () => {
      store = new FlakyStore();
      handled = [];
      const fastify = await buildApp({ sessionInterface: new ServerSessionInterface<TestData>({ store }) }, {}, (instance) => {
        instance.setErrorHandler((error, _request, reply) => {
          handled.push(error);
          return reply.status((error as { statusCode?: number }).statusCode ?? 500).send({ failed: (error as Error).name });
        });
      });
      app = await startApp(fastify);
    });
    afterAll(async () => {
      await app.close();
    });

    it("routes a failed save through Fastify's error handler as SessionStoreUnavailableError (statusCode 503)", async () => {
      store.failing = true;
      try {
        const { result: response } = await captureConsoleErrors(() => fetch(`${app.url}/count`));
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({ failed: 'SessionStoreUnavailableError' });
        expect(response.headers.getSetCookie()).toEqual([]);
      } finally {
        store.failing = false;
      }
      expect(handled).toHaveLength(1);
      expect((handled[0] as SessionStoreUnavailableError).cause).toBeInstanceOf(StoreError);
      expect((await fetch(`${app.url}/peek`)).status).toBe(200);
    });

    it('answers a hijacked reply whose save failed with a plain 503', async () => {
      store.failing = true;
      try {
        const { result: response } = await captureConsoleErrors(() => fetch(`${app.url}/late`));
        expect(response.status).toBe(503);
        expect(await response.text()).toBe('Session store unavailable');
      } finally {
        store.failing = false;
      }
    });
  });
});

/** Compile-time checks: `tsc --noEmit` fails if the session stops being typed. */
export function typedUsage(request: FastifyRequest): void {
  const typed = getSession<TestData>(request);
  const count: number | undefined = typed.get('count');
  // @ts-expect-error -- count is a number
  typed.set('count', 'three');
  // @ts-expect-error -- no such key in TestData
  typed.get('missing');
  request.session.set('anything', count);
  request.cookies.set('a', 'b', { maxAge: 1 });
}
