/**
 * Cookie tossing through an adapter: a raw `Cookie` header with a planted session cookie before
 * the genuine one. The genuine session is used and its cookie is not overwritten.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSession } from '../../src/adapters/node.js';
import { CookieSessionInterface } from '../../src/interfaces/cookie.js';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import type { SessionInterface } from '../../src/interfaces/session-interface.js';
import { listen, setCookies, type RunningApp } from './support/http.js';
import { FlakyStore } from './support/stores.js';

type Data = { user?: string; visits?: number };

const INTERFACES: Array<[string, () => SessionInterface<Data>]> = [
  ['cookie sessions', () => new CookieSessionInterface<Data>({ secret: 'tossing-test-secret' })],
  ['server sessions', () => new ServerSessionInterface<Data>({ store: new FlakyStore() })],
];

for (const [kind, make] of INTERFACES) {
  describe(`node adapter, ${kind}: two session cookies in one request`, () => {
    let app: RunningApp;
    beforeAll(async () => {
      const sessionInterface = make();
      app = await listen(
        createServer(
          withSession({ sessionInterface }, (req, res) => {
            if (req.url === '/login') req.session.set('user', 'ada');
            if (req.url === '/visit') req.session.set('visits', (req.session.get('visits') ?? 0) + 1);
            res.end(`${req.session.get('user') ?? 'nobody'}:${req.session.get('visits') ?? 0}`);
          }),
        ),
      );
    });
    afterAll(() => app.close());

    const get = (path: string, cookie?: string): Promise<Response> => fetch(app.url + path, { headers: cookie ? { cookie } : {} });

    /** The session cookie value of a logged-in visitor. */
    async function loggedIn(): Promise<string> {
      const cookie = setCookies(await get('/login')).find((c) => c.name === 'session');
      return cookie!.value;
    }

    it('uses the genuine session behind a planted one, and sends no Set-Cookie over it', async () => {
      const genuine = await loggedIn();
      const planted = 'planted-by-a-sibling-subdomain';
      const response = await get('/read', `session=${planted}; session=${genuine}`);
      expect(await response.text()).toBe('ada:0');
      expect(response.headers.getSetCookie()).toEqual([]);

      // A change is saved into the genuine session, whose cookie is the one sent back.
      const visit = await get('/visit', `session=${planted}; session=${genuine}`);
      expect(await visit.text()).toBe('ada:1');
      const [sent] = setCookies(visit);
      if (kind === 'server sessions') expect(sent?.value).toBe(genuine);
      expect(await (await get('/read', `session=${sent!.value}`)).text()).toBe('ada:1');
    });

    it('takes the first of two genuine sessions', async () => {
      // One session with a visit, one without.
      const visited = setCookies(await get('/visit', `session=${await loggedIn()}`))[0]!.value;
      const fresh = await loggedIn();
      expect(await (await get('/read', `session=${visited}; session=${fresh}`)).text()).toBe('ada:1');
      expect(await (await get('/read', `session=${fresh}; session=${visited}`)).text()).toBe('ada:0');
    });

    it('starts a new session when the genuine one comes after six planted ones', async () => {
      const genuine = await loggedIn();
      const header = [...Array.from({ length: 6 }, (_, i) => `session=planted${i}`), `session=${genuine}`].join('; ');
      const response = await get('/read', header);
      expect(await response.text()).toBe('nobody:0');
    });
  });
}
