/**
 * Sessions of a real express-session 1.19 + connect-redis 9 app (node-redis 5, the Redis at
 * 127.0.0.1:6379, keys under a random prefix) and a sessionkit Express app: a user logged in on
 * the express-session app keeps their data when their cookie jar moves to the sessionkit app
 * (migrate mode), and both apps serve one session in side-by-side mode.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import express, { type Request } from 'express';
import expressSession from 'express-session';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSession, session as sessionkit } from '../../src/adapters/express.js';
import { ServerSessionInterface, type ServerSessionOptions } from '../../src/index.js';
import { MOVED_SESSION_GRACE_MS } from '../../src/interfaces/server/express-migration.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { Browser, listen, setCookies, type RunningApp } from '../adapters/support/http.js';

const SECRET = 'express-session secret';
const OLD_SECRET = 'an older express-session secret';
/** Every key of this file's run starts with this. */
const NAMESPACE = `sk-express-session-${randomUUID().slice(0, 8)}:`;
const EXPRESS_PREFIX = `${NAMESPACE}sess:`;
const SESSIONKIT_PREFIX = `${NAMESPACE}session:`;
const DAY_MS = 86_400_000;

type Client = ReturnType<typeof createClient>;
let client: Client;
const running: RunningApp[] = [];

beforeAll(async () => {
  client = createClient({ url: 'redis://127.0.0.1:6379' });
  client.on('error', () => undefined);
  await client.connect();
});

afterAll(async () => {
  await Promise.all(running.map((app) => app.close()));
  for await (const keys of client.scanIterator({ MATCH: `${NAMESPACE}*`, COUNT: 1000 })) if (keys.length > 0) await client.del(keys);
  client.destroy();
});

/** The keys of this run under `prefix`. */
async function keysUnder(prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) found.push(...keys);
  return found.sort();
}

/** A gate the test opens: handlers wait at it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** Routes both apps have: log in, set a key, show the data; `hold` lets a test pause a request. */
interface Routes {
  /** The session's data as a plain object (without express-session's cookie object). */
  show(req: Request): Record<string, unknown>;
  set(req: Request, key: string, value: unknown): void;
  destroy(req: Request): void | Promise<void>;
}

/** Waits here when the request asks `?hold=name`, until the test opens that gate. */
const holds = new Map<string, { arrived: () => void; release: Promise<void> }>();

function routes(app: express.Express, r: Routes): void {
  app.get('/login', (req, res) => {
    r.set(req, 'user', String(req.query.name));
    res.send('ok');
  });
  app.get('/set', async (req, res) => {
    const hold = typeof req.query.hold === 'string' ? holds.get(req.query.hold) : undefined;
    if (hold) {
      hold.arrived();
      await hold.release;
    }
    r.set(req, String(req.query.key), String(req.query.value));
    res.send('ok');
  });
  app.get('/show', (req, res) => {
    res.json(r.show(req));
  });
  app.get('/logout', async (req, res) => {
    await r.destroy(req);
    res.send('bye');
  });
}

/** express-session's view of `req.session`. */
type ExpressSessionData = Record<string, unknown> & { destroy(callback: (error?: unknown) => void): void };
const expressData = (req: Request): ExpressSessionData => req.session as unknown as ExpressSessionData;

/** A real express-session app on connect-redis. */
async function expressSessionApp(cookie: expressSession.CookieOptions = {}): Promise<string> {
  const app = express();
  app.use(
    expressSession({
      store: new ConnectRedisStore({ client, prefix: EXPRESS_PREFIX }),
      secret: [SECRET, OLD_SECRET],
      resave: false,
      saveUninitialized: false,
      cookie,
    }),
  );
  routes(app, {
    show: (req) => Object.fromEntries(Object.entries(expressData(req)).filter(([key]) => key !== 'cookie')),
    set: (req, key, value) => void (expressData(req)[key] = value),
    destroy: (req) => new Promise<void>((resolve, reject) => expressData(req).destroy((error) => (error ? reject(error) : resolve()))),
  });
  const started = await listen(createServer(app));
  running.push(started);
  return started.url;
}

/** A sessionkit Express app on the same Redis. */
async function sessionkitApp(options: ServerSessionOptions): Promise<string> {
  const app = express();
  app.use(sessionkit({ sessionInterface: new ServerSessionInterface(options) }));
  routes(app, {
    show: (req) => {
      const { _permanent: _ignored, ...data } = getSession(req).toObject();
      return data;
    },
    set: (req, key, value) => void getSession(req).set(key, value),
    destroy: (req) => getSession(req).destroy(),
  });
  const started = await listen(createServer(app));
  running.push(started);
  return started.url;
}

/** A browser at `url` holding a copy of `from`'s cookies. */
function moveJar(from: Browser, url: string): Browser {
  const browser = new Browser(url);
  for (const [name, value] of from.jar) browser.jar.set(name, value);
  return browser;
}

async function show(browser: Browser): Promise<unknown> {
  return JSON.parse((await browser.text('/show')).body) as unknown;
}

describe('migrate mode', () => {
  let skew = 0;
  let legacyUrl: string;
  let lastingLegacyUrl: string;
  let url: string;
  beforeAll(async () => {
    legacyUrl = await expressSessionApp();
    lastingLegacyUrl = await expressSessionApp({ maxAge: DAY_MS });
    url = await sessionkitApp({
      store: new RedisStore({ client }),
      keyPrefix: SESSIONKIT_PREFIX,
      permanentLifetime: DAY_MS / 1000,
      clock: () => Date.now() + skew,
      expressSession: { mode: 'migrate', secret: [SECRET, OLD_SECRET], prefix: EXPRESS_PREFIX, store: new RedisStore({ client, layout: 'express-session' }) },
    });
  });

  it('a user logged in on the express-session app keeps their data; the session moves on its first write', async () => {
    const legacy = new Browser(legacyUrl);
    await legacy.request('/login?name=grace');
    expect([...legacy.jar.keys()]).toEqual(['connect.sid']);
    const [expressKey] = await keysUnder(EXPRESS_PREFIX);
    expect(expressKey).toMatch(new RegExp(`^${EXPRESS_PREFIX}[A-Za-z0-9_-]{32}$`));

    const browser = moveJar(legacy, url);
    const read = await browser.request('/show');
    expect(await read.json()).toEqual({ user: 'grace' });
    expect(read.headers.getSetCookie()).toEqual([]);
    expect(await client.exists(expressKey!)).toBe(1);

    const write = await browser.request('/set?key=theme&value=dark');
    expect(setCookies(write).map((c) => [c.name, c.expired])).toEqual([
      ['session', false],
      ['connect.sid', true],
    ]);
    expect([...browser.jar.keys()]).toEqual(['session']);
    expect(await client.exists(expressKey!)).toBe(0);
    expect(await keysUnder(SESSIONKIT_PREFIX)).toHaveLength(1);
    expect(await show(browser)).toEqual({ user: 'grace', theme: 'dark' });

    // The express-session cookie still opens the moved session while requests sent with it
    // may be under way, and opens nothing afterwards.
    expect(await show(moveJar(legacy, url))).toEqual({ user: 'grace', theme: 'dark' });
    skew = MOVED_SESSION_GRACE_MS;
    expect(await show(moveJar(legacy, url))).toEqual({});
    expect(await show(browser)).toEqual({ user: 'grace', theme: 'dark' });
    skew = 0;
  });

  it('a session whose express-session cookie outlived the browser moves on its first refresh and stays permanent', async () => {
    const legacy = new Browser(lastingLegacyUrl);
    const login = await legacy.request('/login?name=ada');
    expect(setCookies(login)[0]!.attributes.has('expires')).toBe(true);
    const browser = moveJar(legacy, url);
    const read = await browser.request('/show');
    expect(await read.json()).toEqual({ user: 'ada' });
    const [moved] = setCookies(read);
    expect(moved?.name).toBe('session');
    expect(Date.parse(moved!.attributes.get('expires')!)).toBeGreaterThan(Date.now() + DAY_MS / 2);
    expect(await show(browser)).toEqual({ user: 'ada' });
  });

  it('requests racing to move one session each keep their change, on one new session', async () => {
    const legacy = new Browser(legacyUrl);
    await legacy.request('/login?name=lin');
    const arrivals = [gate(), gate()];
    const release = gate();
    holds.set('race-a', { arrived: arrivals[0]!.open, release: release.wait });
    holds.set('race-b', { arrived: arrivals[1]!.open, release: release.wait });
    const [a, b] = [moveJar(legacy, url), moveJar(legacy, url)];
    const writes = Promise.all([a.request('/set?key=a&value=1&hold=race-a'), b.request('/set?key=b&value=2&hold=race-b')]);
    await Promise.all(arrivals.map((arrival) => arrival.wait));
    release.open();
    await writes;
    expect(a.jar.get('session')).toBeDefined();
    expect(a.jar.get('session')).toBe(b.jar.get('session'));
    expect(await show(a)).toEqual({ user: 'lin', a: '1', b: '2' });
  });

  it('logging out of a session not moved yet ends it in express-session too', async () => {
    const legacy = new Browser(legacyUrl);
    await legacy.request('/login?name=kay');
    const before = await keysUnder(EXPRESS_PREFIX);
    const browser = moveJar(legacy, url);
    const logout = await browser.request('/logout');
    expect(setCookies(logout).map((c) => [c.name, c.expired])).toEqual([['connect.sid', true]]);
    expect((await keysUnder(EXPRESS_PREFIX)).length).toBe(before.length - 1);
    expect(await show(moveJar(legacy, legacyUrl))).toEqual({});
  });
});

describe('side-by-side mode', () => {
  let legacyUrl: string;
  let url: string;
  let otherUrl: string;
  beforeAll(async () => {
    legacyUrl = await expressSessionApp();
    const options: ServerSessionOptions = {
      store: new RedisStore({ client, layout: 'express-session' }),
      permanent: false,
      expressSession: { mode: 'side-by-side', secret: [SECRET, OLD_SECRET], prefix: EXPRESS_PREFIX },
    };
    url = await sessionkitApp(options);
    // A second sessionkit process: its writes meet the first one's only in Redis.
    otherUrl = await sessionkitApp(options);
  });

  it('each app reads and changes what the other wrote, under one cookie', async () => {
    const legacy = new Browser(legacyUrl);
    await legacy.request('/login?name=grace');
    const cookie = legacy.jar.get('connect.sid');
    const browser = moveJar(legacy, url);
    expect(await show(browser)).toEqual({ user: 'grace' });

    const write = await browser.request('/set?key=theme&value=dark');
    expect(setCookies(write).map((c) => c.name)).toEqual(['connect.sid']);
    expect(browser.jar.get('connect.sid')).toBe(cookie);
    expect(await show(moveJar(browser, legacyUrl))).toEqual({ user: 'grace', theme: 'dark' });

    await legacy.request('/set?key=lang&value=en');
    expect(await show(browser)).toEqual({ user: 'grace', theme: 'dark', lang: 'en' });
    // One record, in express-session's format, under express-session's key.
    const id = decodeURIComponent(cookie!).slice('s:'.length).split('.')[0];
    const stored = JSON.parse((await client.get(`${EXPRESS_PREFIX}${id}`))!) as Record<string, unknown>;
    expect(Object.keys(stored)).toEqual(['cookie', 'user', 'theme', 'lang']);
    expect(stored.cookie).toMatchObject({ path: '/', httpOnly: true, expires: null });
  });

  it('a session sessionkit starts is one express-session reads, keeps and ends', async () => {
    const browser = new Browser(url);
    await browser.request('/login?name=ada');
    expect([...browser.jar.keys()]).toEqual(['connect.sid']);
    const legacy = moveJar(browser, legacyUrl);
    expect(await show(legacy)).toEqual({ user: 'ada' });
    await legacy.request('/set?key=cart&value=3');
    expect(await show(browser)).toEqual({ user: 'ada', cart: '3' });
    const key = (await keysUnder(EXPRESS_PREFIX)).find((k) => k.length === EXPRESS_PREFIX.length + 43);
    expect(key).toBeDefined();
    expect(await client.ttl(key!)).toBeGreaterThan(0);

    await browser.request('/logout');
    expect(await show(legacy)).toEqual({});
  });

  it("an express-session write made while a sessionkit request runs is kept (compare-and-set on the value)", async () => {
    const legacy = new Browser(legacyUrl);
    await legacy.request('/login?name=lin');
    const browser = moveJar(legacy, url);
    const arrived = gate();
    const release = gate();
    holds.set('slow', { arrived: arrived.open, release: release.wait });
    const slow = browser.request('/set?key=mine&value=sessionkit&hold=slow');
    await arrived.wait;
    await legacy.request('/set?key=theirs&value=express-session');
    release.open();
    await slow;
    expect(await show(legacy)).toEqual({ user: 'lin', mine: 'sessionkit', theirs: 'express-session' });
  });

  it('two sessionkit processes changing different keys at once both win', async () => {
    const legacy = new Browser(legacyUrl);
    await legacy.request('/login?name=kay');
    const arrivals = [gate(), gate()];
    const release = gate();
    holds.set('two-a', { arrived: arrivals[0]!.open, release: release.wait });
    holds.set('two-b', { arrived: arrivals[1]!.open, release: release.wait });
    const writes = Promise.all([
      moveJar(legacy, url).request('/set?key=a&value=1&hold=two-a'),
      moveJar(legacy, otherUrl).request('/set?key=b&value=2&hold=two-b'),
    ]);
    await Promise.all(arrivals.map((arrival) => arrival.wait));
    release.open();
    await writes;
    expect(await show(legacy)).toEqual({ user: 'kay', a: '1', b: '2' });
  });
});
