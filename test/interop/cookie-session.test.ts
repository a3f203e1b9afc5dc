/**
 * Sessions of a real cookie-session 2 app (cookies + keygrip under it) taken over by a sessionkit
 * Express app with `CookieSessionInterface({ cookieSession })`: the data of the `session` +
 * `session.sig` cookies is re-issued as a sessionkit cookie and the old cookies are cleared.
 */
import { createServer } from 'node:http';
import cookieSession from 'cookie-session';
import express, { type Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSession, session as sessionkit } from '../../src/adapters/express.js';
import { CookieSessionInterface, PERMANENT_KEY, type CookieSessionOptions } from '../../src/index.js';
import { Browser, listen, setCookies, type RunningApp } from '../adapters/support/http.js';

const NEW_KEY = 'cookie-session key 2';
const OLD_KEY = 'cookie-session key 1';
const SECRET = 'sessionkit secret';
const running: RunningApp[] = [];

afterAll(() => Promise.all(running.map((app) => app.close())));

/** A real cookie-session app whose /login stores a user and a cart. */
async function cookieSessionApp(options: CookieSessionInterfaces.CookieSessionOptions): Promise<string> {
  const app = express();
  app.use(cookieSession(options));
  app.get('/login', (req, res) => {
    const data = (req as unknown as { session: Record<string, unknown> }).session;
    data.user = String(req.query.name);
    data.cart = [1, 2, { sku: 'Zoë 🔑' }];
    res.send('ok');
  });
  const started = await listen(createServer(app));
  running.push(started);
  return started.url;
}

/** A sessionkit app that shows its session and can change it. */
async function sessionkitApp(options: CookieSessionOptions): Promise<{ url: string; iface: CookieSessionInterface }> {
  const iface = new CookieSessionInterface(options);
  const app = express();
  app.use(sessionkit({ sessionInterface: iface }));
  app.get('/show', (req, res) => res.json(getSession(req).toObject()));
  app.get('/set', (req, res) => {
    getSession(req).set(String(req.query.key), String(req.query.value));
    res.send('ok');
  });
  app.get('/quiet', (_req: Request, res) => res.send('no session use'));
  const started = await listen(createServer(app));
  running.push(started);
  return { url: started.url, iface };
}

function moveJar(from: Browser, url: string): Browser {
  const browser = new Browser(url);
  for (const [name, value] of from.jar) browser.jar.set(name, value);
  return browser;
}

const LOGGED_IN = { user: 'grace', cart: [1, 2, { sku: 'Zoë 🔑' }] };

describe('cookie-session cookies taken over by CookieSessionInterface', () => {
  let legacyUrl: string;
  let oldKeyLegacyUrl: string;
  let renamedLegacyUrl: string;
  let shared: { url: string; iface: CookieSessionInterface };
  let renamed: { url: string; iface: CookieSessionInterface };
  beforeAll(async () => {
    legacyUrl = await cookieSessionApp({ keys: [NEW_KEY, OLD_KEY] });
    oldKeyLegacyUrl = await cookieSessionApp({ keys: [OLD_KEY] });
    renamedLegacyUrl = await cookieSessionApp({ name: 'legacy', keys: [NEW_KEY], maxAge: 86_400_000 });
    shared = await sessionkitApp({ secret: SECRET, cookieSession: { keys: [NEW_KEY, OLD_KEY] } });
    renamed = await sessionkitApp({ secret: SECRET, cookieSession: { name: 'legacy', keys: [NEW_KEY], permanent: true } });
  });

  it('both called "session": the data is re-issued as a sessionkit cookie and session.sig is cleared', async () => {
    const legacy = new Browser(legacyUrl);
    await legacy.request('/login?name=grace');
    expect([...legacy.jar.keys()].sort()).toEqual(['session', 'session.sig']);

    const browser = moveJar(legacy, shared.url);
    const first = await browser.request('/show');
    expect(await first.json()).toEqual(LOGGED_IN);
    expect(setCookies(first).map((c) => [c.name, c.expired])).toEqual([
      ['session', false],
      ['session.sig', true],
    ]);
    expect([...browser.jar.keys()]).toEqual(['session']);
    expect(shared.iface.decode(browser.jar.get('session')!)).toEqual(LOGGED_IN);

    // From now on the session is sessionkit's: it keeps its data and takes changes.
    await browser.request('/set?key=theme&value=dark');
    const again = await browser.request('/show');
    expect(await again.json()).toEqual({ ...LOGGED_IN, theme: 'dark' });
    expect(setCookies(again).map((c) => c.name)).not.toContain('session.sig');
  });

  it('sessions signed with an older key still verify', async () => {
    const legacy = new Browser(oldKeyLegacyUrl);
    await legacy.request('/login?name=grace');
    expect(await (await moveJar(legacy, shared.url).request('/show')).json()).toEqual(LOGGED_IN);
  });

  it('under another name: both old cookies are cleared, and permanent: true gives a lasting cookie', async () => {
    const legacy = new Browser(renamedLegacyUrl);
    await legacy.request('/login?name=grace');
    expect([...legacy.jar.keys()].sort()).toEqual(['legacy', 'legacy.sig']);
    const browser = moveJar(legacy, renamed.url);
    const first = await browser.request('/show');
    expect(await first.json()).toEqual({ ...LOGGED_IN, [PERMANENT_KEY]: true });
    const sent = setCookies(first);
    expect(sent.map((c) => [c.name, c.expired])).toEqual([
      ['session', false],
      ['legacy.sig', true],
      ['legacy', true],
    ]);
    expect(sent[0]!.attributes.has('expires')).toBe(true);
    expect([...browser.jar.keys()]).toEqual(['session']);
  });

  it('the session is taken over even by a request that does not use it (refreshEachRequest loads it)', async () => {
    const legacy = new Browser(legacyUrl);
    await legacy.request('/login?name=grace');
    const browser = moveJar(legacy, shared.url);
    const quiet = await browser.request('/quiet');
    expect(setCookies(quiet).map((c) => c.name)).toEqual(['session', 'session.sig']);
    expect(await (await browser.request('/show')).json()).toEqual(LOGGED_IN);
  });

  it('a changed value or a wrong key gives nothing, and no cookie is touched', async () => {
    const legacy = new Browser(legacyUrl);
    await legacy.request('/login?name=grace');
    const tampered = moveJar(legacy, shared.url);
    const value = tampered.jar.get('session')!;
    tampered.jar.set('session', Buffer.from(Buffer.from(value, 'base64').toString('utf8').replace('grace', 'admin')).toString('base64'));
    const response = await tampered.request('/show');
    expect(await response.json()).toEqual({});
    expect(response.headers.getSetCookie()).toEqual([]);

    const stranger = moveJar(legacy, (await sessionkitApp({ secret: SECRET, cookieSession: { keys: ['another key'] } })).url);
    const refused = await stranger.request('/show');
    expect(await refused.json()).toEqual({});
    expect(refused.headers.getSetCookie()).toEqual([]);
  });
});
