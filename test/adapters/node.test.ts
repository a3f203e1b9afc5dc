import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCookies, getSession, withSession, type NodeSessionOptions, type SessionRequest } from '../../src/adapters/node.js';
import { CookieSessionInterface } from '../../src/interfaces/cookie.js';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import { SessionNotLoadedError, StoreError } from '../../src/errors.js';
import { captureConsoleErrors } from './support/console.js';
import { describeAdapterContract, type StartOptions, type TestData } from './support/contract.js';
import { Browser, delay, listen, setCookies, type RunningApp } from './support/http.js';
import { FlakyStore } from './support/stores.js';

/** The contract routes as a plain node:http handler. */
async function routes(req: SessionRequest<TestData>, res: ServerResponse): Promise<void> {
  const { session, cookies } = req;
  const text = (body: string): void => {
    res.setHeader('Content-Type', 'text/plain');
    res.end(body);
  };
  switch (new URL(req.url ?? '/', 'http://x').pathname) {
    case '/count-lazy':
      await session.load();
    // falls through
    case '/count': {
      const count = (session.get('count') ?? 0) + 1;
      session.set('count', count);
      return text(String(count));
    }
    case '/peek':
      return text('peek');
    case '/read':
      return text(String(session.get('count') ?? 0));
    case '/login':
      session.set('user', 'ada');
      res.writeHead(302, { Location: '/whoami' });
      res.end();
      return;
    case '/whoami':
      return text(session.get('user') ?? 'nobody');
    case '/note':
      return text(session.get('note') ?? 'none');
    case '/stream':
      session.set('note', 'streamed');
      res.write('a');
      await delay(10);
      res.write('b');
      await delay(10);
      res.end('c');
      return;
    case '/pipe':
      session.set('note', 'piped');
      Readable.from(['x', 'y', 'z']).pipe(res);
      return;
    case '/late':
      await delay(5);
      session.set('note', 'late');
      text('late');
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
      session.clear();
      return text('bye');
    default:
      res.statusCode = 404;
      return text('not found');
  }
}

const start = (options: StartOptions & NodeSessionOptions<TestData>): Promise<RunningApp> => listen(createServer(withSession(options, routes)));

describeAdapterContract('node:http', start);

describe('node:http adapter', () => {
  const iface = new CookieSessionInterface<TestData>({ secret: 'node-adapter-secret', secure: 'auto' });

  describe('secure: auto and trustProxy', () => {
    let trusting: RunningApp;
    let plain: RunningApp;
    beforeAll(async () => {
      trusting = await start({ sessionInterface: iface, trustProxy: true });
      plain = await start({ sessionInterface: iface });
    });
    afterAll(async () => {
      await trusting.close();
      await plain.close();
    });

    const sessionCookie = async (app: RunningApp, headers: Record<string, string>) => {
      const response = await new Browser(app.url).request('/count', { headers });
      return setCookies(response).find((c) => c.name === iface.cookieName);
    };

    it('marks the cookie Secure behind a trusted proxy that says https', async () => {
      expect((await sessionCookie(trusting, { 'x-forwarded-proto': 'https' }))?.attributes.has('secure')).toBe(true);
      expect((await sessionCookie(trusting, { 'x-forwarded-proto': 'https, http' }))?.attributes.has('secure')).toBe(true);
    });

    it('does not mark it Secure over plain http', async () => {
      expect((await sessionCookie(trusting, {}))?.attributes.has('secure')).toBe(false);
      expect((await sessionCookie(trusting, { 'x-forwarded-proto': 'http' }))?.attributes.has('secure')).toBe(false);
    });

    it('ignores X-Forwarded-Proto unless trustProxy is set', async () => {
      expect((await sessionCookie(plain, { 'x-forwarded-proto': 'https' }))?.attributes.has('secure')).toBe(false);
    });
  });

  describe('response guard', () => {
    let app: RunningApp;
    let flags: { headersSent: boolean; writableEnded: boolean } | undefined;
    beforeAll(async () => {
      app = await listen(
        createServer(
          withSession({ sessionInterface: iface }, async (req, res) => {
            const path = req.url ?? '/';
            if (path === '/head-and-vary') {
              req.session.set('count', 1);
              res.setHeader('Vary', 'Accept-Encoding');
              res.setHeader('Set-Cookie', 'early=1');
              res.writeHead(200, { 'Set-Cookie': ['head=1'], Vary: 'Origin', 'X-Extra': 'yes' });
              res.end('ok');
            } else if (path === '/raw-head') {
              req.session.set('count', 3);
              res.writeHead(201, 'Made', ['X-Dup', 'a', 'X-Dup', 'b', 'Set-Cookie', 'raw=1', 'Content-Type', 'text/plain']);
              res.end('raw');
            } else if (path === '/flush') {
              req.session.set('count', 7);
              res.flushHeaders();
              await delay(10);
              res.end('flushed');
            } else if (path === '/flags') {
              req.session.set('count', 1);
              res.end('done');
              // What the app sees while the save is in flight, as it would see it without a guard.
              flags = { headersSent: res.headersSent, writableEnded: res.writableEnded };
            } else if (path === '/drain') {
              req.session.set('count', 2);
              if (!res.write('first,')) await once(res, 'drain');
              res.end('second');
            } else if (path === '/throws') {
              throw new Error('handler failed');
            } else if (path === '/typed') {
              const session = getSession<TestData>(req);
              session.set('count', 41);
              getCookies(req).set('seen', 'yes');
              res.end(String(session.get('count')));
            } else {
              res.end('default');
            }
          }),
        ),
      );
    });
    afterAll(async () => {
      await app.close();
    });

    it('merges Set-Cookie and Vary given to writeHead with the session headers', async () => {
      const response = await new Browser(app.url).request('/head-and-vary');
      const names = setCookies(response).map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining(['early', 'head', iface.cookieName]));
      expect(names).toHaveLength(3);
      const vary = response.headers.get('vary')!.split(',').map((v) => v.trim());
      expect(vary).toEqual(expect.arrayContaining(['Origin', 'Cookie']));
      expect(response.headers.get('x-extra')).toBe('yes');
      expect(await response.text()).toBe('ok');
    });

    it('accepts the raw array form of writeHead headers, with a status message', async () => {
      const response = await new Browser(app.url).request('/raw-head');
      expect(response.status).toBe(201);
      expect(response.statusText).toBe('Made');
      expect(response.headers.get('x-dup')).toBe('a, b');
      expect(response.headers.get('content-type')).toBe('text/plain');
      expect(setCookies(response).map((c) => c.name).sort()).toEqual([iface.cookieName, 'raw'].sort());
      expect(await response.text()).toBe('raw');
    });

    it('waits for the save on flushHeaders', async () => {
      const response = await new Browser(app.url).request('/flush');
      expect(setCookies(response).map((c) => c.name)).toEqual([iface.cookieName]);
      expect(await response.text()).toBe('flushed');
    });

    it('reports the response as sent and ended while the save is in flight', async () => {
      const response = await new Browser(app.url).request('/flags');
      expect(await response.text()).toBe('done');
      expect(flags).toEqual({ headersSent: true, writableEnded: true });
    });

    it('emits drain for a writer that waits for it', async () => {
      const response = await new Browser(app.url).request('/drain');
      expect(await response.text()).toBe('first,second');
      expect(setCookies(response).map((c) => c.name)).toEqual([iface.cookieName]);
    });

    it('answers 500 when the handler throws before responding, and keeps serving', async () => {
      const errors: unknown[] = [];
      const original = console.error;
      console.error = (error: unknown) => void errors.push(error);
      try {
        const response = await new Browser(app.url).request('/throws');
        expect(response.status).toBe(500);
        expect(await response.text()).toBe('Internal Server Error');
      } finally {
        console.error = original;
      }
      expect(errors).toHaveLength(1);
      expect((await new Browser(app.url).text('/other')).body).toBe('default');
    });

    it('gives typed access through getSession and getCookies', async () => {
      const response = await new Browser(app.url).request('/typed');
      expect(await response.text()).toBe('41');
      expect(setCookies(response).map((c) => c.name).sort()).toEqual([iface.cookieName, 'seen'].sort());
    });
  });

  describe('errors', () => {
    it('lets onError answer a failed save', async () => {
      const store = new FlakyStore();
      const server = new ServerSessionInterface<TestData>({ store });
      const seen: unknown[] = [];
      const app = await listen(
        createServer(
          withSession(
            {
              sessionInterface: server,
              onError: (error, _req, res) => {
                seen.push(error);
                res.statusCode = 599;
                res.end('custom');
              },
            },
            (req, res) => {
              req.session.set('count', 1);
              res.end('never');
            },
          ),
        ),
      );
      try {
        store.failing = true;
        const response = await fetch(app.url);
        expect(response.status).toBe(599);
        expect(await response.text()).toBe('custom');
        expect(seen).toHaveLength(1);
        expect((seen[0] as { store?: string }).store).toBe('flaky');
      } finally {
        await app.close();
      }
    });

    it('answers 503 Session store unavailable by default, and logs each distinct cause once', async () => {
      const store = new FlakyStore();
      const server = new ServerSessionInterface<TestData>({ store });
      const app = await start({ sessionInterface: server });
      try {
        store.failing = true;
        const { logged } = await captureConsoleErrors(async () => {
          for (let i = 0; i < 3; i++) {
            const response = await fetch(`${app.url}/count`);
            expect(response.status).toBe(503);
            expect(await response.text()).toBe('Session store unavailable');
          }
          // Another cause: a load that fails (the request carries a well-formed session id).
          const response = await fetch(`${app.url}/count`, { headers: { cookie: `session=${'b'.repeat(43)}` } });
          expect(response.status).toBe(503);
          await response.text();
        });
        expect(logged.map((args) => (args[1] as StoreError).operation)).toEqual(['create', 'load']);
      } finally {
        await app.close();
      }
    });

    it('throws SessionNotLoadedError for a lazy server session used before load()', async () => {
      const server = new ServerSessionInterface<TestData>({ store: new FlakyStore() });
      let thrown: unknown;
      const app = await listen(
        createServer(
          withSession({ sessionInterface: server, load: 'lazy' }, (req, res) => {
            try {
              req.session.get('count');
            } catch (error) {
              thrown = error;
            }
            res.end('x');
          }),
        ),
      );
      try {
        // A well-formed id: the session can only be known after reading the store.
        await fetch(app.url, { headers: { cookie: `session=${'a'.repeat(43)}` } });
        expect(thrown).toBeInstanceOf(SessionNotLoadedError);
      } finally {
        await app.close();
      }
    });
  });
});

/** Compile-time checks: `tsc --noEmit` fails if the session stops being typed. */
export function typedUsage(): void {
  withSession({ sessionInterface: new CookieSessionInterface<TestData>({ secret: 's' }) }, (req, res) => {
    const count: number | undefined = req.session.get('count');
    // @ts-expect-error -- count is a number
    req.session.set('count', 'three');
    // @ts-expect-error -- no such key in TestData
    req.session.get('missing');
    res.end(String(count));
  });
}
