import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSession, session, type KoaSessionContext, type KoaSessionOptions } from '../../src/adapters/koa.js';
import { CookieSessionInterface } from '../../src/interfaces/cookie.js';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import { SessionStoreUnavailableError, StoreError } from '../../src/errors.js';
import { captureConsoleErrors } from './support/console.js';
import { describeAdapterContract, type StartOptions, type TestData } from './support/contract.js';
import { Browser, delay, listen, setCookies, type RunningApp } from './support/http.js';
import { FlakyStore } from './support/stores.js';

type Options = StartOptions & KoaSessionOptions<TestData>;

/** A Koa app with the contract routes; `ctx.session` is typed by the handler's `KoaSessionContext<TestData>`. */
function buildApp(options: Options): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(session<TestData>(options));
  app.use(async (ctx: KoaSessionContext<TestData>) => {
    const { session: s, sessionCookies: cookies } = ctx;
    const text = (body: string): void => {
      ctx.type = 'text';
      ctx.body = body;
    };
    switch (ctx.path) {
      case '/count-lazy':
        await s.load();
      // falls through
      case '/count': {
        const count = (s.get('count') ?? 0) + 1;
        s.set('count', count);
        return text(String(count));
      }
      case '/peek':
        return text('peek');
      case '/read':
        return text(String(s.get('count') ?? 0));
      case '/login':
        s.set('user', 'ada');
        return ctx.redirect('/whoami');
      case '/whoami':
        return text(s.get('user') ?? 'nobody');
      case '/note':
        return text(s.get('note') ?? 'none');
      case '/stream': {
        s.set('note', 'streamed');
        ctx.type = 'text';
        ctx.body = Readable.from(
          (async function* chunks() {
            yield 'a';
            await delay(10);
            yield 'b';
            await delay(10);
            yield 'c';
          })(),
        );
        return;
      }
      case '/pipe':
        s.set('note', 'piped');
        ctx.type = 'text';
        ctx.body = Readable.from(['x', 'y', 'z']);
        return;
      case '/late':
        // Writes ctx.res directly, mid-handler: the guard holds the headers until the save is done.
        ctx.respond = false;
        await delay(5);
        s.set('note', 'late');
        ctx.res.setHeader('Content-Type', 'text/plain');
        ctx.res.end('late');
        await delay(20);
        return;
      case '/prefs/set':
        cookies.set('theme', 'dark', { maxAge: 60 });
        return text('ok');
      case '/prefs/get':
        return text(cookies.get('theme') ?? 'none');
      case '/prefs/delete':
        cookies.delete('theme');
        return text('ok');
      case '/signed/set':
        cookies.setSigned('uid', '42');
        return text('ok');
      case '/signed/get':
        return text(cookies.getSigned('uid') ?? 'invalid');
      case '/logout':
        s.clear();
        return text('bye');
      case '/koa-cookies':
        // Koa's own cookie API stays available next to ctx.sessionCookies.
        ctx.cookies.set('koa', 'native');
        return text(String(ctx.cookies.get('theme') ?? 'none'));
      default:
        return undefined;
    }
  });
  return app;
}

const start = (options: Options, configure?: (app: Koa) => void): Promise<RunningApp> => {
  const app = buildApp(options);
  configure?.(app);
  return listen(createServer(app.callback()));
};

describeAdapterContract('koa', (options) => start(options));

describe('koa adapter', () => {
  const iface = new CookieSessionInterface<TestData>({ secret: 'koa-adapter-secret', secure: 'auto' });

  it("leaves Koa's ctx.cookies alone", async () => {
    const app = await start({ sessionInterface: iface });
    try {
      const client = new Browser(app.url);
      await client.request('/prefs/set');
      const response = await client.request('/koa-cookies');
      expect(await response.text()).toBe('dark');
      expect(setCookies(response).map((c) => c.name)).toEqual(['koa']);
    } finally {
      await app.close();
    }
  });

  it("follows app.proxy for secure: 'auto'", async () => {
    const trusting = await start({ sessionInterface: iface }, (app) => {
      app.proxy = true;
    });
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

  it('saves the session on the error response of a throwing handler', async () => {
    const app = new Koa();
    app.silent = true;
    app.use(session({ sessionInterface: iface }));
    app.use((ctx) => {
      getSession<TestData>(ctx).set('note', 'before the error');
      ctx.throw(418, 'teapot');
    });
    const running = await listen(createServer(app.callback()));
    try {
      const client = new Browser(running.url);
      const response = await client.request('/');
      expect(response.status).toBe(418);
      expect(setCookies(response).map((c) => c.name)).toEqual([iface.cookieName]);
    } finally {
      await running.close();
    }
  });

  describe('errors', () => {
    let store: FlakyStore;
    let upstream: unknown[];
    let app: RunningApp;
    beforeAll(async () => {
      store = new FlakyStore();
      upstream = [];
      app = await start({ sessionInterface: new ServerSessionInterface<TestData>({ store }) }, (koa) => {
        // An upstream error middleware sees the error thrown by the session middleware.
        koa.middleware.unshift(async (ctx, next) => {
          try {
            await next();
          } catch (error) {
            upstream.push(error);
            throw error;
          }
        });
      });
    });
    afterAll(async () => {
      await app.close();
    });

    it('throws a failed save into Koa error handling as SessionStoreUnavailableError (status 503, the StoreError as cause)', async () => {
      store.failing = true;
      try {
        const { result: response } = await captureConsoleErrors(() => fetch(`${app.url}/count`));
        expect(response.status).toBe(503);
        expect(await response.text()).toBe('Session store unavailable');
      } finally {
        store.failing = false;
      }
      const thrown = upstream.at(-1) as SessionStoreUnavailableError;
      expect(thrown).toBeInstanceOf(SessionStoreUnavailableError);
      expect(thrown.status).toBe(503);
      expect(thrown.expose).toBe(true);
      expect(thrown.cause).toBeInstanceOf(StoreError);
      expect(thrown.cause.store).toBe('flaky');
    });

    it('lets onError answer instead', async () => {
      const flaky = new FlakyStore();
      const custom = await start({
        sessionInterface: new ServerSessionInterface<TestData>({ store: flaky }),
        onError: (error, ctx) => {
          ctx.status = 507;
          ctx.body = error instanceof StoreError ? `custom ${error.operation}` : 'custom';
        },
      });
      try {
        flaky.failing = true;
        for (const path of ['/count', '/late']) {
          const response = await fetch(custom.url + path);
          expect(response.status).toBe(507);
          expect(await response.text()).toBe('custom create');
        }
      } finally {
        await custom.close();
      }
    });
  });
});

/** Compile-time checks: `tsc --noEmit` fails if the session stops being typed. */
export function typedUsage(ctx: KoaSessionContext<TestData>): void {
  const count: number | undefined = ctx.session.get('count');
  // @ts-expect-error -- count is a number
  ctx.session.set('count', 'three');
  // @ts-expect-error -- no such key in TestData
  ctx.session.get('missing');
  ctx.sessionCookies.set('seen', String(count));
  new Koa().use(session<TestData>({ sessionInterface: new CookieSessionInterface<TestData>({ secret: 's' }) })).use((c: KoaSessionContext<TestData>) => {
    // @ts-expect-error -- typed by the handler's context type
    c.session.set('user', 1);
  });
  new Koa().use((c) => {
    // Every context has the session, typed by SessionData: undeclared keys hold unknown values.
    const value: unknown = c.session.get('user');
    // @ts-expect-error -- unknown is not a string
    const text: string = c.session.get('user');
    c.sessionCookies.set('seen', String(value) + text);
  });
}
