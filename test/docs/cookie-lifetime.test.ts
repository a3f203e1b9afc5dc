/**
 * What the README and docs/adapters.md say about cookie lifetimes, checked over HTTP with the
 * node adapter: which untouched requests still get a Set-Cookie (the refresh of permanent
 * sessions), browser-session vs permanent cookies per interface, an idle timeout ending the
 * stored record while the cookie lives on, and where the default store puts its database.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSession } from '../../src/adapters/node.js';
import { DEFAULT_PERMANENT_LIFETIME } from '../../src/config.js';
import { CookieSessionInterface } from '../../src/interfaces/cookie.js';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import type { SessionInterface } from '../../src/interfaces/session-interface.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { Browser, listen, setCookies, type RunningApp } from '../adapters/support/http.js';

interface Data {
  user?: string;
}

/** A clock the test moves; it starts at the real time, so browsers judge cookie expiry alike. */
function testClock(): { now: () => number; advance(ms: number): void } {
  let time = Date.now();
  return { now: () => time, advance: (ms) => void (time += ms) };
}

/**
 * `/untouched` ignores the session, `/login` sets `user`, `/remember` makes the session
 * permanent, `/whoami` answers `user` or `nobody`.
 */
async function start(sessionInterface: SessionInterface<Data>): Promise<RunningApp> {
  return listen(
    createServer(
      withSession({ sessionInterface }, (req, res) => {
        if (req.url === '/login') req.session.set('user', 'ada');
        if (req.url === '/remember') req.session.permanent = true;
        res.end(req.url === '/whoami' ? (req.session.get('user') ?? 'nobody') : 'ok');
      }),
    ),
  );
}

/** The Expires of the session cookie a response set, in epoch ms (`undefined`: a browser-session cookie). */
function expiresOf(response: Response): number | undefined {
  const [cookie] = setCookies(response);
  if (!cookie) throw new Error('no Set-Cookie');
  const expires = cookie.attributes.get('expires');
  return expires === undefined ? undefined : Date.parse(expires);
}

describe('cookie sessions', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await start(new CookieSessionInterface<Data>({ secret: 'a secret for the cookie lifetime tests' }));
  });
  afterAll(() => app.close());

  it('are browser-session cookies, not refreshed on requests that ignore them', async () => {
    const browser = new Browser(app.url);
    expect(expiresOf(await browser.request('/login'))).toBeUndefined();
    const untouched = await browser.request('/untouched');
    expect(untouched.headers.getSetCookie()).toEqual([]);
    expect(untouched.headers.get('vary')).toBeNull();
  });

  it('once permanent, get an expiry of permanentLifetime, re-sent even on requests that ignore them', async () => {
    const browser = new Browser(app.url);
    await browser.request('/login');
    const before = Date.now();
    const remembered = expiresOf(await browser.request('/remember'))!;
    // Expires has a resolution of seconds.
    expect(remembered).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + DEFAULT_PERMANENT_LIFETIME * 1000);
    const untouched = await browser.request('/untouched');
    expect(expiresOf(untouched)).toBeGreaterThanOrEqual(remembered);
    expect(untouched.headers.get('vary')).toMatch(/\bCookie\b/);
    expect(await (await browser.request('/whoami')).text()).toBe('ada');
  });
});

describe('server-side sessions with an idle timeout', () => {
  const IDLE_TIMEOUT = 30 * 60;
  const clock = testClock();
  const store = new MemoryStore({ clock: clock.now });
  let app: RunningApp;
  beforeAll(async () => {
    app = await start(new ServerSessionInterface<Data>({ store, idleTimeout: IDLE_TIMEOUT, clock: clock.now }));
  });
  afterAll(() => app.close());

  it('are permanent by default: the cookie lasts permanentLifetime while the record lasts the idle timeout', async () => {
    const browser = new Browser(app.url);
    const login = await browser.request('/login');
    const cookieExpires = expiresOf(login)!;
    expect(cookieExpires).toBeGreaterThan(clock.now() + (DEFAULT_PERMANENT_LIFETIME - 60) * 1000);
    const record = await store.load(`session:${setCookies(login)[0]!.value}`);
    expect(record!.expiresAt).toBe(clock.now() + IDLE_TIMEOUT * 1000);
  });

  it('outlive their record with the cookie: after the timeout the same cookie brings a fresh, empty session', async () => {
    const browser = new Browser(app.url);
    await browser.request('/login');
    const staleId = browser.jar.get('session');
    expect(await (await browser.request('/whoami')).text()).toBe('ada');

    clock.advance((IDLE_TIMEOUT + 1) * 1000);
    const after = await browser.request('/whoami');
    expect(await after.text()).toBe('nobody');
    // Nothing was written, so nothing replaces the stale cookie yet…
    expect(after.headers.getSetCookie()).toEqual([]);
    expect(browser.jar.get('session')).toBe(staleId);
    // …until the new session is saved, under a new id.
    await browser.request('/login');
    expect(browser.jar.get('session')).not.toBe(staleId);
    expect(await (await browser.request('/whoami')).text()).toBe('ada');
  });
});

describe('the default store', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sessionkit-default-store-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its database in .sessionkit/sessions.sqlite under the working directory, in a 0700 folder', () => {
    const script = `
      const { ServerSessionInterface } = await import(${JSON.stringify(new URL('../../src/interfaces/server.ts', import.meta.url).href)});
      const sessions = new ServerSessionInterface();
      const session = sessions.open(undefined);
      await session.load();
      session.set('user', 'ada');
      const { setCookie } = await sessions.save(session);
      process.stdout.write(String(setCookie.length));
      await sessions.close?.();`;
    const run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('1');
    const folder = statSync(join(dir, '.sessionkit'));
    expect(folder.mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, '.sessionkit', 'sessions.sqlite')).isFile()).toBe(true);
  }, 60_000);
});
