import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CookieJarOptions } from '../../../src/cookies.js';
import { CookieSessionInterface } from '../../../src/interfaces/cookie.js';
import { ServerSessionInterface } from '../../../src/interfaces/server.js';
import type { SessionInterface } from '../../../src/interfaces/session-interface.js';
import type { LoadMode } from '../../../src/adapters/internal/options.js';
import { Browser, setCookies, type RunningApp } from './http.js';
import { FlakyStore } from './stores.js';

/** The session data of the test apps. */
export interface TestData {
  count?: number;
  user?: string;
  note?: string;
}

/** What an adapter's test app is started with. */
export interface StartOptions {
  sessionInterface: SessionInterface<TestData>;
  load?: LoadMode;
  cookies?: CookieJarOptions;
}

/**
 * Starts a test app built with one adapter. Every app serves the same GET routes:
 * - `/count` increments `count` and answers it; `/count-lazy` does the same after `await session.load()`
 * - `/peek` answers `peek` without touching the session; `/read` answers `count` (or 0) without changing it
 * - `/login` sets `user` to `ada` and redirects (302) to `/whoami`, which answers `user` or `nobody`
 * - `/note` answers `note` or `none`
 * - `/stream` sets `note` = `streamed`, then sends `a`, `b`, `c` as separate chunks over time
 * - `/pipe` sets `note` = `piped`, then pipes a stream of `x`, `y`, `z` into the response
 * - `/late` waits, sets `note` = `late`, ends the response with `late` and keeps working afterwards
 * - `/prefs/set` sets cookie `theme=dark` with max-age 60; `/prefs/get` answers it or `none`; `/prefs/delete` deletes it
 * - `/signed/set` sets signed cookie `uid=42`; `/signed/get` answers its verified value or `invalid`
 * - `/logout` clears the session and answers `bye`
 */
export type StartApp = (options: StartOptions) => Promise<RunningApp>;

const SECRET = 'adapter-test-secret-adapter-test-secret';
const JAR = { secret: 'jar-secret-for-signed-cookies' };

interface Kind {
  name: string;
  make(): { sessionInterface: SessionInterface<TestData> & { cookieName: string }; store?: FlakyStore; server?: ServerSessionInterface<TestData> };
}

const KINDS: Kind[] = [
  { name: 'cookie sessions', make: () => ({ sessionInterface: new CookieSessionInterface<TestData>({ secret: SECRET }) }) },
  {
    name: 'server sessions (memory store)',
    make: () => {
      const store = new FlakyStore();
      const server = new ServerSessionInterface<TestData>({ store });
      return { sessionInterface: server, store, server };
    },
  },
];

/** Runs the behaviour every adapter must show, with cookie and with server-side sessions. */
export function describeAdapterContract(adapter: string, start: StartApp): void {
  for (const kind of KINDS) {
    describe(`${adapter} with ${kind.name}`, () => {
      const setup = kind.make();
      const cookieName = setup.sessionInterface.cookieName;
      let app: RunningApp;
      let client: Browser;
      const fresh = (): Browser => new Browser(app.url);
      beforeAll(async () => {
        app = await start({ sessionInterface: setup.sessionInterface, cookies: JAR });
      });
      afterAll(async () => {
        await app.close();
      });

      it('counts across requests', async () => {
        client = fresh();
        expect((await client.text('/count')).body).toBe('1');
        expect((await client.text('/count')).body).toBe('2');
        expect((await client.text('/count')).body).toBe('3');
        // A second visitor has a session of its own.
        expect((await fresh().text('/count')).body).toBe('1');
      });

      it('sends the session cookie with Vary: Cookie when the session changes', async () => {
        const { response } = await fresh().text('/count');
        const cookies = setCookies(response);
        expect(cookies.map((c) => c.name)).toEqual([cookieName]);
        expect(cookies[0]?.attributes.has('httponly')).toBe(true);
        expect(response.headers.get('vary')).toMatch(/\bCookie\b/);
      });

      it('sends neither Set-Cookie nor Vary when the handler does not touch the session', async () => {
        client = fresh();
        await client.text('/count');
        for (const browser of [client, fresh()]) {
          const { response, body } = await browser.text('/peek');
          expect(body).toBe('peek');
          expect(response.headers.getSetCookie()).toEqual([]);
          expect(response.headers.get('vary')).toBeNull();
        }
      });

      it('sends Vary: Cookie but no Set-Cookie when the session is only read', async () => {
        client = fresh();
        await client.text('/count');
        const { response, body } = await client.text('/read');
        expect(body).toBe('1');
        expect(response.headers.getSetCookie()).toEqual([]);
        expect(response.headers.get('vary')).toMatch(/\bCookie\b/);
      });

      it('carries the cookie on a redirect issued right after setting a value', async () => {
        client = fresh();
        const response = await client.request('/login');
        expect(response.status).toBe(302);
        expect(response.headers.get('location')).toBe('/whoami');
        const session = setCookies(response).find((c) => c.name === cookieName);
        expect(session).toBeDefined();
        if (setup.server) {
          // Saved before the status line left: the store has it the moment the client sees the 302.
          expect(await setup.server.get(session!.value)).toMatchObject({ user: 'ada' });
        }
        expect((await client.text('/whoami')).body).toBe('ada');
      });

      it('saves before a body written in chunks over time', async () => {
        client = fresh();
        const response = await client.request('/stream');
        expect(response.headers.getSetCookie().some((line) => line.startsWith(`${cookieName}=`))).toBe(true);
        expect(await response.text()).toBe('abc');
        expect((await client.text('/note')).body).toBe('streamed');
      });

      it('saves before a stream piped into the response', async () => {
        client = fresh();
        const { response, body } = await client.text('/pipe');
        expect(body).toBe('xyz');
        expect(response.headers.getSetCookie().some((line) => line.startsWith(`${cookieName}=`))).toBe(true);
        expect((await client.text('/note')).body).toBe('piped');
      });

      it('saves when the response ends in the middle of an async handler', async () => {
        client = fresh();
        const response = await client.request('/late');
        const session = setCookies(response).find((c) => c.name === cookieName);
        expect(session).toBeDefined();
        if (setup.server) expect(await setup.server.get(session!.value)).toMatchObject({ note: 'late' });
        expect(await response.text()).toBe('late');
        expect((await client.text('/note')).body).toBe('late');
      });

      it('gets, sets (with max-age) and deletes plain cookies', async () => {
        client = fresh();
        const set = await client.request('/prefs/set');
        const theme = setCookies(set);
        expect(theme.map((c) => c.name)).toEqual(['theme']);
        expect(theme[0]?.value).toBe('dark');
        expect(theme[0]?.attributes.get('max-age')).toBe('60');
        expect((await client.text('/prefs/get')).body).toBe('dark');
        const deleted = setCookies(await client.request('/prefs/delete'));
        expect(deleted).toHaveLength(1);
        expect(deleted[0]?.expired).toBe(true);
        expect((await client.text('/prefs/get')).body).toBe('none');
      });

      it('signs cookies with the jar secret and rejects tampered ones', async () => {
        client = fresh();
        await client.request('/signed/set');
        expect(client.jar.get('uid')).toMatch(/^42\./);
        expect((await client.text('/signed/get')).body).toBe('42');
        client.jar.set('uid', `43${client.jar.get('uid')!.slice(2)}`);
        expect((await client.text('/signed/get')).body).toBe('invalid');
      });

      it('sends session and jar cookies together', async () => {
        client = fresh();
        await client.text('/count');
        await client.request('/prefs/set');
        const response = await client.request('/login');
        expect(setCookies(response).map((c) => c.name)).toContain(cookieName);
        expect((await client.text('/prefs/get')).body).toBe('dark');
        expect((await client.text('/read')).body).toBe('1');
      });

      it('deletes the session cookie when the session is cleared', async () => {
        client = fresh();
        await client.text('/login');
        expect(client.jar.has(cookieName)).toBe(true);
        const response = await client.request('/logout');
        const session = setCookies(response).find((c) => c.name === cookieName);
        expect(session?.expired).toBe(true);
        expect(client.jar.has(cookieName)).toBe(false);
        expect((await client.text('/whoami')).body).toBe('nobody');
      });

      it('keeps concurrent visitors apart', async () => {
        const browsers = Array.from({ length: 12 }, fresh);
        for (let round = 1; round <= 3; round++) {
          const bodies = await Promise.all(browsers.map(async (b) => (await b.text('/count')).body));
          expect(bodies).toEqual(browsers.map(() => String(round)));
        }
      });

      if (kind.name.startsWith('server')) describeServerOnly(start, setup.store!, setup.server!);
    });
  }
}

/** Store failures and load modes: only server-side sessions have a store. */
function describeServerOnly(start: StartApp, store: FlakyStore, server: ServerSessionInterface<TestData>): void {
  let app: RunningApp;
  beforeAll(async () => {
    app = await start({ sessionInterface: server, cookies: JAR });
  });
  afterAll(async () => {
    store.failing = false;
    await app.close();
  });

  // The adapters log each distinct store failure once; those lines are not what these tests check.
  const failing = async <R>(run: () => Promise<R>): Promise<R> => {
    store.failing = true;
    const log = console.error;
    console.error = () => undefined;
    try {
      return await run();
    } finally {
      store.failing = false;
      console.error = log;
    }
  };

  it('answers 503 when the store fails while saving, and keeps serving', async () => {
    const client = new Browser(app.url);
    const response = await failing(() => client.request('/count'));
    expect(response.status).toBe(503);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await response.text()).not.toBe('1');
    // The same server goes on answering, with and without the store.
    expect((await failing(() => client.text('/peek'))).body).toBe('peek');
    expect((await client.text('/count')).body).toBe('1');
    expect((await client.text('/count')).body).toBe('2');
  });

  it('answers 503 when the store fails while loading', async () => {
    const client = new Browser(app.url);
    await client.text('/count');
    const response = await failing(() => client.request('/count'));
    expect(response.status).toBe(503);
    expect(response.headers.getSetCookie()).toEqual([]);
    await response.text();
    expect((await client.text('/count')).body).toBe('2');
  });

  it('drops a redirect whose save failed: 503 without Location', async () => {
    const client = new Browser(app.url);
    const response = await failing(() => client.request('/login'));
    expect(response.status).toBe(503);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.getSetCookie()).toEqual([]);
    await response.text();
  });

  it('drops a streamed body whose save failed: 503, none of the chunks', async () => {
    const client = new Browser(app.url);
    const response = await failing(() => client.request('/stream'));
    expect(response.status).toBe(503);
    expect(await response.text()).not.toContain('abc');
  });

  it('drops a mid-handler end whose save failed: 503', async () => {
    const client = new Browser(app.url);
    const response = await failing(() => client.request('/late'));
    expect(response.status).toBe(503);
    expect(await response.text()).not.toBe('late');
    expect((await client.text('/peek')).body).toBe('peek');
  });

  describe('load modes', () => {
    let lazyApp: RunningApp;
    beforeAll(async () => {
      lazyApp = await start({ sessionInterface: server, load: 'lazy', cookies: JAR });
    });
    afterAll(async () => {
      await lazyApp.close();
    });

    it("eager (default) reads the store before the handler when the request has a session cookie", async () => {
      const client = new Browser(app.url);
      const before = store.loads;
      await client.text('/peek');
      expect(store.loads).toBe(before); // no cookie, no read
      await client.text('/count');
      const afterCount = store.loads;
      await client.text('/peek');
      expect(store.loads).toBe(afterCount + 1);
    });

    it("lazy never reads the store for a handler that does not load the session", async () => {
      const client = new Browser(lazyApp.url);
      expect((await client.text('/count-lazy')).body).toBe('1');
      const before = store.loads;
      const { response, body } = await client.text('/peek');
      expect(body).toBe('peek');
      expect(store.loads).toBe(before);
      expect(response.headers.getSetCookie()).toEqual([]);
      expect((await client.text('/count-lazy')).body).toBe('2');
      expect(store.loads).toBe(before + 1);
    });
  });
}
