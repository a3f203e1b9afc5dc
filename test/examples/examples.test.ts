import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import cookieSession from 'cookie-session';
import express from 'express';
import expressSession from 'express-session';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, listen, setCookies, type RunningApp } from '../adapters/support/http.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Resolves `sessionkit/*` to src/ (see tsconfig.json here), so no build is needed. */
const TSCONFIG = 'test/examples/tsconfig.json';
/** The Redis the Redis examples use, and the key prefix of this run there. */
const REDIS_URL = 'redis://127.0.0.1:6379';
const NAMESPACE = `sk-examples-${randomUUID().slice(0, 8)}:`;
const EXPRESS_SESSION_SECRET = 'express-session secret of the examples test';
const COOKIE_SESSION_KEYS = ['cookie-session key 2', 'cookie-session key 1'];
/** Each example, and what it is started with besides PORT. */
const EXAMPLES: Record<string, Record<string, string>> = {
  node: {},
  express: {},
  fastify: {},
  koa: {},
  hono: {},
  fetch: {},
  sealed: {},
  'migrate-express-session': { REDIS_URL, KEY_NAMESPACE: NAMESPACE, EXPRESS_SESSION_SECRET },
  'express-session-side-by-side': { REDIS_URL, KEY_NAMESPACE: NAMESPACE, EXPRESS_SESSION_SECRET },
  'migrate-cookie-session': { COOKIE_SESSION_KEYS: COOKIE_SESSION_KEYS.join(',') },
};

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Starts `examples/<name>.ts` as its own process and waits until it listens. */
async function startExample(name: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
    cwd: ROOT,
    env: { ...process.env, ...EXAMPLES[name], PORT: String(port), TSX_TSCONFIG_PATH: TSCONFIG, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`examples/${name}.ts did not start in time:\n${output}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`examples/${name}.ts exited with ${code}:\n${output}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/** Stops an example's process. */
async function stopExample(example: { child: ChildProcess }): Promise<void> {
  if (example.child.exitCode === null) {
    const exited = once(example.child, 'exit');
    example.child.kill('SIGTERM');
    await exited;
  }
}

it('the examples type-check against the sources', async () => {
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', 'test/examples/tsconfig.typecheck.json'], { cwd: ROOT });
}, 120_000);

it('the code in docs/migrating.md is quoted from the examples, verbatim', () => {
  const docs = readFileSync(join(ROOT, 'docs/migrating.md'), 'utf8');
  const quotes = [...docs.matchAll(/```(?:ts|text)\n\/\/ (examples\/[\w-]+\.ts)\n([\s\S]*?)```/g)];
  expect(quotes.map((quote) => quote[1])).toEqual(['examples/migrate-express-session.ts', 'examples/express-session-side-by-side.ts', 'examples/migrate-cookie-session.ts']);
  for (const [, file, code] of quotes) expect(readFileSync(join(ROOT, file!), 'utf8'), file).toContain(code);
});

for (const name of Object.keys(EXAMPLES)) {
  describe(`examples/${name}.ts`, () => {
    let example: { url: string; child: ChildProcess };
    beforeAll(async () => {
      example = await startExample(name);
    });
    afterAll(() => stopExample(example));

    it('counts visits, logs in through a redirect and logs out', async () => {
      const browser = new Browser(example.url);
      const first = await browser.text('/');
      expect(first.body).toBe('visit 1\n');
      expect(first.response.headers.getSetCookie()).toHaveLength(1);
      expect(first.response.headers.get('vary')).toMatch(/Cookie/);
      expect((await browser.text('/')).body).toBe('visit 2\n');

      const login = await browser.request('/login?name=grace');
      expect(login.status).toBe(302);
      expect(new URL(login.headers.get('location')!, example.url).pathname).toBe('/');
      expect(login.headers.getSetCookie()).toHaveLength(1);
      expect((await browser.text('/')).body).toBe('visit 3 as grace\n');

      expect((await new Browser(example.url).text('/')).body).toBe('visit 1\n');

      expect((await browser.request('/logout')).status).toBe(302);
      expect((await browser.text('/')).body).toBe('visit 1\n');
    });
  });
}

/** The examples that take over other libraries' sessions, with those libraries' real apps. */
describe('migration examples', () => {
  const redis = createClient({ url: REDIS_URL });
  const apps: RunningApp[] = [];
  beforeAll(async () => {
    redis.on('error', () => undefined);
    await redis.connect();
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    for await (const keys of redis.scanIterator({ MATCH: `${NAMESPACE}*`, COUNT: 1000 })) if (keys.length > 0) await redis.del(keys);
    redis.destroy();
  });

  /** Starts an Express app whose /login stores a user (and shows its data at /show). */
  async function legacyApp(middleware: express.RequestHandler): Promise<string> {
    const app = express();
    app.use(middleware);
    const data = (req: express.Request) => (req as unknown as { session: Record<string, unknown> }).session;
    app.get('/login', (req, res) => {
      data(req).user = String(req.query.name);
      res.send('ok');
    });
    app.get('/show', (req, res) => res.json({ user: data(req).user, visits: data(req).visits }));
    const started = await listen(createHttpServer(app));
    apps.push(started);
    return started.url;
  }
  const expressSessionApp = () =>
    legacyApp(
      expressSession({
        store: new ConnectRedisStore({ client: redis, prefix: `${NAMESPACE}sess:` }),
        secret: EXPRESS_SESSION_SECRET,
        resave: false,
        saveUninitialized: false,
      }),
    );

  /** A browser at `url` with a copy of `from`'s cookies. */
  function moveJar(from: Browser, url: string): Browser {
    const browser = new Browser(url);
    for (const [cookie, value] of from.jar) browser.jar.set(cookie, value);
    return browser;
  }

  it('migrate-express-session: a user logged in with express-session keeps their session, which moves', async () => {
    const legacy = new Browser(await expressSessionApp());
    await legacy.request('/login?name=grace');
    const example = await startExample('migrate-express-session');
    try {
      const browser = moveJar(legacy, example.url);
      const visit = await browser.request('/');
      expect(await visit.text()).toBe('visit 1 as grace\n');
      expect(setCookies(visit).map((c) => [c.name, c.expired])).toEqual([
        ['session', false],
        ['connect.sid', true],
      ]);
      expect((await browser.text('/')).body).toBe('visit 2 as grace\n');
      expect(await (await legacy.request('/show')).json()).toEqual({});
    } finally {
      await stopExample(example);
    }
  });

  it('express-session-side-by-side: the example and express-session serve one session', async () => {
    const legacyUrl = await expressSessionApp();
    const legacy = new Browser(legacyUrl);
    await legacy.request('/login?name=grace');
    const example = await startExample('express-session-side-by-side');
    try {
      const browser = moveJar(legacy, example.url);
      expect((await browser.text('/')).body).toBe('visit 1 as grace\n');
      expect([...browser.jar.keys()]).toEqual(['connect.sid']);
      expect(await (await moveJar(browser, legacyUrl).request('/show')).json()).toEqual({ user: 'grace', visits: 1 });
    } finally {
      await stopExample(example);
    }
  });

  it('migrate-cookie-session: a cookie-session user keeps their session under a sessionkit cookie', async () => {
    const legacy = new Browser(await legacyApp(cookieSession({ keys: COOKIE_SESSION_KEYS })));
    await legacy.request('/login?name=grace');
    const example = await startExample('migrate-cookie-session');
    try {
      const browser = moveJar(legacy, example.url);
      const visit = await browser.request('/');
      expect(await visit.text()).toBe('visit 1 as grace\n');
      expect(setCookies(visit).map((c) => [c.name, c.expired])).toEqual([
        ['session', false],
        ['session.sig', true],
      ]);
      expect((await browser.text('/')).body).toBe('visit 2 as grace\n');
    } finally {
      await stopExample(example);
    }
  });
});
