import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import type { Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { session, type HonoSessionOptions, type SessionEnv } from '../../src/adapters/hono.js';
import { CookieSessionInterface } from '../../src/interfaces/cookie.js';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import { SessionStoreUnavailableError, StoreError } from '../../src/errors.js';
import { captureConsoleErrors } from './support/console.js';
import { describeAdapterContract, type StartOptions, type TestData } from './support/contract.js';
import { Browser, delay, listen, setCookies, type RunningApp } from './support/http.js';
import { FlakyStore } from './support/stores.js';

type Options = StartOptions & HonoSessionOptions<TestData>;

/** A Hono app with the contract routes. */
function buildApp(options: Options): Hono<SessionEnv<TestData>> {
  const app = new Hono<SessionEnv<TestData>>();
  app.use(session(options));
  app.get('/count', (c) => {
    const s = c.get('session');
    const count = (s.get('count') ?? 0) + 1;
    s.set('count', count);
    return c.text(String(count));
  });
  app.get('/count-lazy', async (c) => {
    const s = await c.get('session').load();
    const count = (s.get('count') ?? 0) + 1;
    s.set('count', count);
    return c.text(String(count));
  });
  app.get('/peek', (c) => c.text('peek'));
  app.get('/read', (c) => c.text(String(c.get('session').get('count') ?? 0)));
  app.get('/login', (c) => {
    c.get('session').set('user', 'ada');
    return c.redirect('/whoami');
  });
  app.get('/whoami', (c) => c.text(c.get('session').get('user') ?? 'nobody'));
  app.get('/note', (c) => c.text(c.get('session').get('note') ?? 'none'));
  app.get('/stream', (c) => {
    c.get('session').set('note', 'streamed');
    c.header('Content-Type', 'text/plain');
    return stream(c, async (s) => {
      await s.write('a');
      await delay(10);
      await s.write('b');
      await delay(10);
      await s.write('c');
    });
  });
  app.get('/pipe', (c) => {
    c.get('session').set('note', 'piped');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of ['x', 'y', 'z']) controller.enqueue(new TextEncoder().encode(part));
        controller.close();
      },
    });
    return c.body(body, 200, { 'Content-Type': 'text/plain' });
  });
  app.get('/late', async (c) => {
    await delay(5);
    c.get('session').set('note', 'late');
    return c.text('late');
  });
  app.get('/prefs/set', (c) => {
    c.get('cookies').set('theme', 'dark', { maxAge: 60 });
    return c.text('ok');
  });
  app.get('/prefs/get', (c) => c.text(c.get('cookies').get('theme') ?? 'none'));
  app.get('/prefs/delete', (c) => {
    c.get('cookies').delete('theme');
    return c.text('ok');
  });
  app.get('/signed/set', (c) => {
    c.get('cookies').setSigned('uid', '42');
    return c.text('ok');
  });
  app.get('/signed/get', (c) => c.text(c.get('cookies').getSigned('uid') ?? 'invalid'));
  app.get('/logout', (c) => {
    c.get('session').clear();
    return c.text('bye');
  });
  app.get('/immutable', (c) => {
    c.get('session').set('user', 'grace');
    return Response.redirect(new URL('/whoami', c.req.url), 303);
  });
  return app;
}

const serve = (app: Hono<SessionEnv<TestData>>): Promise<RunningApp> => listen(createAdaptorServer({ fetch: app.fetch }) as Server);
const start = (options: Options): Promise<RunningApp> => serve(buildApp(options));

describeAdapterContract('hono', start);

describe('hono adapter', () => {
  const iface = new CookieSessionInterface<TestData>({ secret: 'hono-adapter-secret', secure: 'auto' });

  it('adds the cookie to a response with immutable headers (Response.redirect)', async () => {
    const app = await start({ sessionInterface: iface });
    try {
      const client = new Browser(app.url);
      const response = await client.request('/immutable');
      expect(response.status).toBe(303);
      expect(setCookies(response).map((c) => c.name)).toEqual([iface.cookieName]);
      expect((await client.text('/whoami')).body).toBe('grace');
    } finally {
      await app.close();
    }
  });

  it("takes secure: 'auto' from the URL scheme, or X-Forwarded-Proto with trustProxy", async () => {
    const plain = buildApp({ sessionInterface: iface });
    const trusting = buildApp({ sessionInterface: iface, trustProxy: true });
    const secure = async (app: Hono<SessionEnv<TestData>>, url: string, headers: Record<string, string> = {}) =>
      setCookies(await app.request(url, { headers }))
        .find((c) => c.name === iface.cookieName)
        ?.attributes.has('secure');
    expect(await secure(plain, 'https://example.test/count')).toBe(true);
    expect(await secure(plain, 'http://example.test/count')).toBe(false);
    expect(await secure(plain, 'http://example.test/count', { 'x-forwarded-proto': 'https' })).toBe(false);
    expect(await secure(trusting, 'http://example.test/count', { 'x-forwarded-proto': 'https' })).toBe(true);
  });

  it('saves the session on the error response of a throwing handler', async () => {
    const app = new Hono<SessionEnv<TestData>>();
    app.use(session({ sessionInterface: iface }));
    app.get('/', (c) => {
      c.get('session').set('note', 'before the error');
      throw new Error('boom');
    });
    app.onError((_error, c) => c.text('handled', 500));
    const response = await app.request('http://example.test/');
    expect(response.status).toBe(500);
    expect(setCookies(response).map((c) => c.name)).toEqual([iface.cookieName]);
  });

  describe('errors', () => {
    it('answers 503 Session store unavailable through the default error handler, and logs the cause once', async () => {
      const store = new FlakyStore();
      const app = buildApp({ sessionInterface: new ServerSessionInterface<TestData>({ store }) });
      store.failing = true;
      const { result: responses, logged } = await captureConsoleErrors(() =>
        Promise.all([1, 2, 3].map(() => app.request('http://example.test/count'))),
      );
      for (const response of responses) {
        expect(response.status).toBe(503);
        expect(await response.text()).toBe('Session store unavailable');
      }
      expect(logged).toHaveLength(1);
      expect((logged[0]![1] as StoreError).store).toBe('flaky');
    });

    it("hands the error to app.onError with status 503", async () => {
      const store = new FlakyStore();
      const app = buildApp({ sessionInterface: new ServerSessionInterface<TestData>({ store }) });
      const seen: unknown[] = [];
      app.onError((error, c) => {
        seen.push(error);
        return c.text('app handler', (error as { status?: 503 }).status ?? 500);
      });
      store.failing = true;
      const { result: response } = await captureConsoleErrors(async () => app.request('http://example.test/count'));
      expect(response.status).toBe(503);
      expect(await response.text()).toBe('app handler');
      expect(seen[0]).toBeInstanceOf(SessionStoreUnavailableError);
      expect((seen[0] as SessionStoreUnavailableError).cause).toBeInstanceOf(StoreError);
    });

    it('lets onError answer with its own response, without the handler headers', async () => {
      const store = new FlakyStore();
      const app = buildApp({
        sessionInterface: new ServerSessionInterface<TestData>({ store }),
        onError: (error) => new Response(error instanceof StoreError ? 'custom' : '?', { status: 507 }),
      });
      store.failing = true;
      const response = await app.request('http://example.test/login');
      expect(response.status).toBe(507);
      expect(await response.text()).toBe('custom');
      expect(response.headers.get('location')).toBeNull();
    });
  });
});

/** Compile-time checks: `tsc --noEmit` fails if the session stops being typed. */
export function typedUsage(app: Hono<SessionEnv<TestData>>): void {
  app.get('/typed', (c) => {
    const count: number | undefined = c.get('session').get('count');
    // @ts-expect-error -- count is a number
    c.get('session').set('count', 'three');
    // @ts-expect-error -- no such key in TestData
    c.get('session').get('missing');
    c.get('cookies').set('seen', String(count));
    return c.text('ok');
  });
}
