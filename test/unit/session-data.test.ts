/**
 * `session.data`, the property-style view of a session, and the guard that makes writes of the
 * session object's own properties and express-session habits throw (in strict code here; the
 * sloppy-mode JavaScript case is test/package/habits.test.ts).
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CookieSessionInterface, generateSessionId, ServerSessionInterface, Session, SessionNotLoadedError } from '../../src/index.js';
import { sessionInternals } from '../../src/session-internals.js';
import { MemoryStore } from '../../src/stores/memory/index.js';

const internals = sessionInternals();
const fingerprint = (value: unknown): string => JSON.stringify(value);

interface Shop {
  user?: string;
  cart?: number[];
  prefs?: { theme: string };
}

const shop = (data: Shop = { user: 'ada', cart: [1] }): Session<Shop> => new Session<Shop>({ data: { ...data }, backend: { fingerprint } });
const cookies = new CookieSessionInterface<Shop>({ secret: 'a secret for the session data tests' });

/** The cookie a save sends (`name=value`), for the next request. */
function cookieOf(setCookie: string[]): string {
  return setCookie[0]!.split(';')[0]!;
}

describe('session.data', () => {
  it('reads, writes and deletes keys as get, set and delete do, and is tracked like them', () => {
    const session = shop();
    expect(session.accessed).toBe(false);
    expect(session.data.user).toBe('ada');
    expect(session.accessed).toBe(true);
    expect(session.modified).toBe(false);
    session.data.user = 'grace';
    expect(session.get('user')).toBe('grace');
    expect(session.modified).toBe(true);
    expect(delete session.data.cart).toBe(true);
    expect(session.has('cart')).toBe(false);
    expect(internals.changedKeys(session)).toEqual(new Set(['user', 'cart']));
    session.data.cart = undefined; // assigning undefined deletes, as set does
    expect(session.keys()).toEqual(['user']);
  });

  it('lists the keys for in, Object.keys, spreading and JSON.stringify', () => {
    const session = shop({ user: 'ada', cart: [1, 2] });
    expect('user' in session.data).toBe(true);
    expect('prefs' in session.data).toBe(false);
    expect(Object.keys(session.data)).toEqual(['user', 'cart']);
    expect({ ...session.data }).toEqual({ user: 'ada', cart: [1, 2] });
    expect(JSON.stringify(session.data)).toBe('{"user":"ada","cart":[1,2]}');
    expect(Object.entries(session.data)).toEqual([
      ['user', 'ada'],
      ['cart', [1, 2]],
    ]);
    expect(session.data).toEqual({ user: 'ada', cart: [1, 2] });
    expect(Object.getPrototypeOf(session.data)).toBeNull();
  });

  it('finds values read through it and changed in place, and saves them', () => {
    const first = cookies.open(null);
    first.data.cart = [1];
    const cookie = cookieOf(cookies.saveSync(first).setCookie);

    const second = cookies.open(cookie);
    second.data.cart!.push(2);
    second.data.prefs = { theme: 'dark' };
    expect(second.modified).toBe(true);
    const saved = cookies.saveSync(second);
    expect(saved.setCookie).toHaveLength(1);

    const third = cookies.open(cookieOf(saved.setCookie));
    third.data.prefs!.theme = 'light';
    expect(internals.changedKeys(third)).toEqual(new Set(['prefs']));
    expect(third.modified).toBe(false); // found by fingerprint, not by a write
    const fourth = cookies.open(cookieOf(cookies.saveSync(third).setCookie));
    expect(fourth.toObject()).toEqual({ cart: [1, 2], prefs: { theme: 'light' } });
  });

  it('counts a read as a read: Vary, but no Set-Cookie when nothing changed', () => {
    const first = cookies.open(null);
    first.data.user = 'ada';
    const session = cookies.open(cookieOf(cookies.saveSync(first).setCookie));
    expect(session.data.user).toBe('ada');
    const saved = cookies.saveSync(session);
    expect(saved.vary).toBe(true);
    expect(saved.setCookie).toEqual([]);
  });

  it('needs a server-side session to be loaded first, as get does', async () => {
    const server = new ServerSessionInterface<Shop>({ store: new MemoryStore() });
    const session = server.open(`session=${generateSessionId()}`);
    expect(() => session.data.user).toThrow(SessionNotLoadedError);
    await session.load();
    session.data.user = 'ada';
    expect(session.get('user')).toBe('ada');
  });

  it('holds string keys only, and values only', () => {
    const session = shop();
    const view = session.data as Record<PropertyKey, unknown>;
    expect(view[Symbol.iterator]).toBeUndefined();
    expect(() => {
      view[Symbol('key')] = 1;
    }).toThrow(TypeError);
    expect(() => Object.defineProperty(view, 'user', { get: () => 'x' })).toThrow(/values, not getters or setters/);
    Object.defineProperty(view, 'user', { value: 'grace' });
    expect(session.get('user')).toBe('grace');
    expect(() => Object.freeze(view)).toThrow(TypeError);
    expect(() => Object.setPrototypeOf(view, {})).toThrow(TypeError);
  });

  it('is the same object on every read', () => {
    const session = shop();
    expect(session.data).toBe(session.data);
  });

  it('shows the data to util.inspect without marking the session read', () => {
    const session = shop({ user: 'ada' });
    expect(inspect(session.data)).toBe("Session data { user: 'ada' }");
    expect(session.accessed).toBe(false);
  });
});

describe('the Session object itself', () => {
  it('throws on a write of a property it does not have, naming set() and data', () => {
    const session = shop();
    const loose = session as unknown as Record<string, unknown>;
    expect(() => {
      loose.user = 'alice';
    }).toThrow(new TypeError("session.user = … is not stored: a sessionkit session is not a plain object. Write session.set('user', value) or session.data.user = value (delete with session.delete('user') or delete session.data.user)."));
    expect(() => {
      loose['two words'] = 1;
    }).toThrow(/session\.set\("two words", value\) or session\.data\["two words"\] = value/);
    expect(Object.keys(session)).toEqual([]);
    expect(session.has('user')).toBe(true);
    expect(session.get('user')).toBe('ada');
  });

  it('keeps its accessors with setters working, and throws for those without one', () => {
    const session = shop();
    session.modified = true;
    session.permanent = true;
    expect(session.modified).toBe(true);
    expect(session.permanent).toBe(true);
    const loose = session as unknown as Record<string, unknown>;
    for (const name of ['id', 'isNew', 'loaded', 'accessed', 'size', 'data']) {
      expect(() => {
        loose[name] = 1;
      }, name).toThrow(new RegExp(`^session\\.${name} is read-only`));
    }
  });

  it('lets symbol-keyed markers of other libraries through', () => {
    const session = shop();
    const marker = Symbol('marker');
    (session as unknown as Record<symbol, unknown>)[marker] = 'kept';
    expect((session as unknown as Record<symbol, unknown>)[marker]).toBe('kept');
  });

  it('is still an ordinary object to JSON, util.inspect, instanceof and equality', () => {
    const session = shop({ user: 'ada' });
    expect(JSON.stringify(session)).toBe('{"user":"ada"}');
    expect(inspect(session)).toBe('Session {}');
    expect(session instanceof Session).toBe(true);
    expect(session instanceof Object).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(session, 'user')).toBe(false);
    expect(String(session)).toBe('[object Object]');
    expect(shop({ user: 'ada' })).toEqual(shop({ user: 'ada' }));
    expect(shop({ user: 'ada' })).not.toEqual(shop({ user: 'grace' }));
  });

  it('refuses the callbacks of express-session, which would never be called', () => {
    const session = shop();
    const loose = session as unknown as { regenerate(callback: () => void): void; destroy(callback: () => void): void };
    expect(() => loose.regenerate(() => {})).toThrow(/^session\.regenerate\(\) takes no callback: the session gets its new id when it is saved/);
    expect(() => loose.destroy(() => {})).toThrow(/^session\.destroy\(\) takes no callback/);
    expect(internals.regenerateRequested(session)).toBe(false);
    expect(internals.destroyed(session)).toBe(false);
    session.regenerate();
    expect(internals.regenerateRequested(session)).toBe(true);
  });

  it("answers express-session's methods and cookie with what to do instead", () => {
    const session = shop();
    const loose = session as unknown as Record<string, () => void>;
    expect(() => loose.save!()).toThrow(/^session\.save\(\) does not exist: sessionkit saves the session for you/);
    expect(() => loose.reload!()).toThrow(/^session\.reload\(\) does not exist/);
    expect(() => loose.touch!()).toThrow(/^session\.touch\(\) does not exist: sessionkit extends the expiry itself/);
    expect(() => loose.resetMaxAge!()).toThrow(/^session\.resetMaxAge\(\) does not exist/);
    expect(() => loose.cookie).toThrow(/^session\.cookie does not exist: the cookie's attributes are options/);
    expect('save' in session).toBe(false);
    expect(session.accessed).toBe(false);
  });
});
