import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import express, { type ErrorRequestHandler, type Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCookies, getSession, session, type ExpressSessionOptions } from '../../src/adapters/express.js';
import { CookieSessionInterface } from '../../src/interfaces/cookie.js';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import { SessionStoreUnavailableError, StoreError } from '../../src/errors.js';
import { describeAdapterContract, type StartOptions, type TestData } from './support/contract.js';
import { captureConsoleErrors } from './support/console.js';
import { Browser, delay, listen, setCookies, type RunningApp } from './support/http.js';
import { FlakyStore } from './support/stores.js';

type Options = StartOptions & ExpressSessionOptions<TestData>;

/** An Express app with the contract routes. */
function buildApp(options: Options, configure?: (app: express.Express) => void, afterSession?: (app: express.Express) => void): express.Express {
  const app = express();
  configure?.(app);
  app.use(session(options));
  afterSession?.(app);
  const typed = (req: Request) => getSession<TestData>(req);
  const countRoute = (req: Request, res: express.Response): void => {
    const count = (typed(req).get('count') ?? 0) + 1;
    typed(req).set('count', count);
    res.type('text').send(String(count));
  };
  app.get('/count', countRoute);
  app.get('/count-lazy', async (req, res) => {
    await req.session.load();
    countRoute(req, res);
  });
  app.get('/peek', (_req, res) => void res.type('text').send('peek'));
  app.get('/read', (req, res) => void res.type('text').send(String(typed(req).get('count') ?? 0)));
  app.get('/login', (req, res) => {
    typed(req).set('user', 'ada');
    res.redirect('/whoami');
  });
  app.get('/whoami', (req, res) => void res.type('text').send(typed(req).get('user') ?? 'nobody'));
  app.get('/note', (req, res) => void res.type('text').send(typed(req).get('note') ?? 'none'));
  app.get('/stream', async (req, res) => {
    typed(req).set('note', 'streamed');
    res.type('text');
    res.write('a');
    await delay(10);
    res.write('b');
    await delay(10);
    res.end('c');
  });
  app.get('/pipe', (req, res) => {
    typed(req).set('note', 'piped');
    res.type('text');
    Readable.from(['x', 'y', 'z']).pipe(res);
  });
  app.get('/late', async (req, res) => {
    await delay(5);
    typed(req).set('note', 'late');
    res.type('text').send('late');
    await delay(20);
  });
  app.get('/prefs/set', (req, res) => {
    req.cookies.set('theme', 'dark', { maxAge: 60 });
    res.send('ok');
  });
  app.get('/prefs/get', (req, res) => void res.type('text').send(getCookies(req).get('theme') ?? 'none'));
  app.get('/prefs/delete', (req, res) => {
    getCookies(req).delete('theme');
    res.send('ok');
  });
  app.get('/signed/set', (req, res) => {
    getCookies(req).setSigned('uid', '42');
    res.send('ok');
  });
  app.get('/signed/get', (req, res) => void res.type('text').send(getCookies(req).getSigned('uid') ?? 'invalid'));
  app.get('/logout', (req, res) => {
    req.session.clear();
    res.type('text').send('bye');
  });
  return app;
}

/** Quiet error handler: Express's default one logs every error to stderr. */
const answerErrors: ErrorRequestHandler = (error: { status?: number; message: string }, _req, res, _next) => {
  const store = error instanceof SessionStoreUnavailableError ? error.cause.store : undefined;
  res.status(error.status ?? 500).type('text').send(store ? `store ${store} failed` : 'error');
};

const start = (
  options: Options,
  configure?: (app: express.Express) => void,
  afterSession?: (app: express.Express) => void,
): Promise<RunningApp> => {
  const app = buildApp(options, configure, afterSession);
  app.use(answerErrors);
  return listen(createServer(app));
};

describeAdapterContract('express', (options) => start(options));

describe('express adapter', () => {
  const iface = new CookieSessionInterface<TestData>({ secret: 'express-adapter-secret', secure: 'auto' });

  describe("secure: 'auto' follows Express's trust proxy", () => {
    let trusting: RunningApp;
    let plain: RunningApp;
    beforeAll(async () => {
      trusting = await start({ sessionInterface: iface }, (app) => app.set('trust proxy', 'loopback'));
      plain = await start({ sessionInterface: iface });
    });
    afterAll(async () => {
      await trusting.close();
      await plain.close();
    });

    const secureFlag = async (app: RunningApp, headers: Record<string, string>) => {
      const response = await new Browser(app.url).request('/count', { headers });
      return setCookies(response).find((c) => c.name === iface.cookieName)?.attributes.has('secure');
    };

    it('sends a Secure cookie behind a trusted proxy saying https', async () => {
      expect(await secureFlag(trusting, { 'x-forwarded-proto': 'https' })).toBe(true);
    });

    it('sends no Secure attribute over http, or from an untrusted proxy', async () => {
      expect(await secureFlag(trusting, {})).toBe(false);
      expect(await secureFlag(plain, { 'x-forwarded-proto': 'https' })).toBe(false);
    });
  });

  describe('errors', () => {
    it('passes a failed save to next(err) as SessionStoreUnavailableError (status 503, the StoreError as cause), logged once', async () => {
      const store = new FlakyStore();
      const app = await start({ sessionInterface: new ServerSessionInterface<TestData>({ store }) });
      try {
        store.failing = true;
        const { result: bodies, logged } = await captureConsoleErrors(async () => {
          const seen: string[] = [];
          for (let i = 0; i < 3; i++) {
            const response = await fetch(`${app.url}/count`);
            expect(response.status).toBe(503);
            seen.push(await response.text());
          }
          return seen;
        });
        expect(bodies).toEqual(['store flaky failed', 'store flaky failed', 'store flaky failed']);
        // Three requests, one cause: one log line, with the StoreError itself.
        expect(logged).toHaveLength(1);
        expect(logged[0]![1]).toBeInstanceOf(StoreError);
      } finally {
        await app.close();
      }
    });

    it("reaches Express's own final handler when the app has no error middleware", async () => {
      const store = new FlakyStore();
      const app = await listen(createServer(buildApp({ sessionInterface: new ServerSessionInterface<TestData>({ store }) })));
      const previous = process.env.NODE_ENV;
      process.env.NODE_ENV = 'test'; // finalhandler stays quiet in test
      try {
        store.failing = true;
        const { result: response } = await captureConsoleErrors(() => fetch(`${app.url}/login`, { redirect: 'manual' }));
        expect(response.status).toBe(503);
        expect(response.headers.get('location')).toBeNull();
        await response.text();
      } finally {
        process.env.NODE_ENV = previous;
        await app.close();
      }
    });

    it('calls onError instead when given', async () => {
      const store = new FlakyStore();
      const seen: unknown[] = [];
      const app = await start({
        sessionInterface: new ServerSessionInterface<TestData>({ store }),
        onError: (error, _req, res) => {
          seen.push(error);
          res.status(507).send('custom');
        },
      });
      try {
        store.failing = true;
        const response = await fetch(`${app.url}/count`);
        expect(response.status).toBe(507);
        expect(await response.text()).toBe('custom');
        expect(seen[0]).toBeInstanceOf(StoreError);
      } finally {
        await app.close();
      }
    });
  });

  it('keeps working under a middleware that wraps write/end after it (compression-style)', async () => {
    const upper = (chunk: unknown): unknown =>
      Buffer.isBuffer(chunk) || typeof chunk === 'string' ? Buffer.from(String(chunk).toUpperCase()) : chunk;
    let wrapped = 0;
    const app = await start({ sessionInterface: iface }, undefined, (express) => {
      express.use((_req, res, next) => {
        const write = res.write as (...args: unknown[]) => boolean;
        const end = res.end as (...args: unknown[]) => express.Response;
        res.write = function wrappedWrite(this: express.Response, chunk: unknown, ...rest: unknown[]) {
          wrapped++;
          return write.call(this, upper(chunk), ...rest);
        } as express.Response['write'];
        res.end = function wrappedEnd(this: express.Response, chunk: unknown, ...rest: unknown[]) {
          wrapped++;
          return end.call(this, upper(chunk), ...rest);
        } as express.Response['end'];
        next();
      });
    });
    try {
      const client = new Browser(app.url);
      await client.request('/login');
      expect(await (await client.request('/whoami')).text()).toBe('ADA');
      wrapped = 0;
      // The first write is held back during the save; the later ones come after it: all pass the wrapper once.
      const response = await client.request('/stream');
      expect(await response.text()).toBe('ABC');
      expect(wrapped).toBe(3);
      expect(setCookies(response).map((c) => c.name)).toEqual([iface.cookieName]);
    } finally {
      await app.close();
    }
  });

  it('works mounted on a router, and on sendFile-free json responses', async () => {
    const app = express();
    const router = express.Router();
    router.use(session({ sessionInterface: iface }));
    router.get('/json', (req, res) => {
      req.session.set('count', 5);
      res.json({ ok: true });
    });
    app.use('/api', router);
    const running = await listen(createServer(app));
    try {
      const response = await new Browser(running.url).request('/api/json');
      expect(await response.json()).toEqual({ ok: true });
      expect(setCookies(response).map((c) => c.name)).toEqual([iface.cookieName]);
    } finally {
      await running.close();
    }
  });
});

/** Compile-time checks: `tsc --noEmit` fails if the session stops being typed. */
export function typedUsage(req: Request): void {
  const typed = getSession<TestData>(req);
  const count: number | undefined = typed.get('count');
  // @ts-expect-error -- count is a number
  typed.set('count', 'three');
  // @ts-expect-error -- no such key in TestData
  typed.get('missing');
  // The augmented Request: untyped data, but a real Session and CookieJar.
  req.session.set('anything', count);
  req.cookies.set('a', 'b', { maxAge: 1 });
}
