/**
 * Several cookies with the session's name in one request (cookies set for other paths or
 * domains, or one tossed in by a sibling subdomain): the session is the first that verifies —
 * and, server-side, that the store knows — among the first MAX_COOKIES_PER_NAME; only when none
 * does is a new session started.
 */
import { describe, expect, it } from 'vitest';
import { MAX_COOKIES_PER_NAME, parseCookies, readCookieValues } from '../../src/cookies.js';
import { CookieSessionInterface } from '../../src/interfaces/cookie.js';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import { FlakyStore } from '../adapters/support/stores.js';

type Data = { user?: string; visits?: number };

/** A well-formed session id no store holds. */
const UNKNOWN_ID = 'z'.repeat(43);

describe('readCookieValues', () => {
  it('returns every value of the name in order, decoded as parseCookies does, up to the bound', () => {
    const header = 'a=1; session=x; b=2; session="y"; session=%7Bz%7D';
    expect(readCookieValues(header, 'session')).toEqual(['x', '"y"', '{z}']);
    // The first is what parseCookies (first wins) gives.
    expect(readCookieValues(header, 'session')[0]).toBe(parseCookies(header).session);
    expect(readCookieValues('session=%7Bz%7D', 'session')).toEqual([parseCookies('session=%7Bz%7D').session]);
    expect(readCookieValues('sessionx=1; xsession=2; session=3', 'session')).toEqual(['3']);
    expect(readCookieValues('a=1', 'session')).toEqual([]);
    expect(readCookieValues(undefined, 'session')).toEqual([]);
    const many = Array.from({ length: 9 }, (_, i) => `session=v${i}`).join('; ');
    expect(readCookieValues(many, 'session')).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(MAX_COOKIES_PER_NAME).toBe(5);
    expect(readCookieValues(many, 'session', 2)).toEqual(['v0', 'v1']);
  });
});

describe('CookieSessionInterface with several session cookies', () => {
  const iface = new CookieSessionInterface<Data>({ secret: 'same-name-cookies-secret' });
  const other = new CookieSessionInterface<Data>({ secret: 'a-sibling-subdomain-secret' });
  const cookie = (...values: string[]): string => values.map((value) => `session=${value}`).join('; ');
  const garbage = ['not-a-cookie', other.encode({ user: 'mallory' }), 'eyJ1c2VyIjoibWFsbG9yeSJ9.AAAAAA.forged'];

  it('keeps the valid session behind a garbage one, and sends no Set-Cookie to overwrite it', async () => {
    for (const bad of garbage) {
      const session = iface.open(cookie(bad, iface.encode({ user: 'ada' })));
      expect(session.get('user')).toBe('ada');
      expect(session.isNew).toBe(false);
      expect(await iface.save(session)).toEqual({ setCookie: [], vary: true });
    }
  });

  it('takes the first of two valid cookies', () => {
    const session = iface.open(cookie(iface.encode({ user: 'ada' }), iface.encode({ user: 'grace' })));
    expect(session.get('user')).toBe('ada');
  });

  it(`looks at the first ${MAX_COOKIES_PER_NAME} only: a valid cookie after 6 bad ones gives a new session`, async () => {
    const valid = iface.encode({ user: 'ada' });
    const fifth = iface.open(cookie(...Array.from({ length: MAX_COOKIES_PER_NAME - 1 }, () => 'bad'), valid));
    expect(fifth.get('user')).toBe('ada');
    const seventh = iface.open(cookie(...Array.from({ length: 6 }, () => 'bad'), valid));
    expect(seventh.get('user')).toBeUndefined();
    expect(seventh.isNew).toBe(true);
    seventh.set('visits', 1);
    expect((await iface.save(seventh)).setCookie).toHaveLength(1);
  });
});

describe('ServerSessionInterface with several session cookies', () => {
  /** A stored session's cookie value, with `data`. */
  async function stored(iface: ServerSessionInterface<Data>, data: Data): Promise<string> {
    const session = iface.open(undefined);
    await session.load();
    for (const [key, value] of Object.entries(data)) session.set(key as keyof Data, value);
    const header = (await iface.save(session)).setCookie[0]!;
    return header.slice('session='.length, header.indexOf(';'));
  }
  const cookie = (...values: string[]): string => values.map((value) => `session=${value}`).join('; ');

  it('loads the next id only when the one before it is unknown, and keeps the known session without a Set-Cookie', async () => {
    const store = new FlakyStore();
    const iface = new ServerSessionInterface<Data>({ store });
    const ada = await stored(iface, { user: 'ada' });

    const before = store.loads;
    const session = iface.open(cookie(UNKNOWN_ID, ada));
    await session.load();
    expect(session.get('user')).toBe('ada');
    expect(session.id).toBe(ada);
    expect(store.loads - before).toBe(2);
    expect(await iface.save(session)).toEqual({ setCookie: [], vary: true });

    // A malformed value never reaches the store.
    const again = store.loads;
    const malformed = iface.open(cookie('../../etc/passwd', ada));
    await malformed.load();
    expect(malformed.get('user')).toBe('ada');
    expect(store.loads - again).toBe(1);
  });

  it('takes the first of two stored sessions, reading the store once', async () => {
    const store = new FlakyStore();
    const iface = new ServerSessionInterface<Data>({ store });
    const ada = await stored(iface, { user: 'ada' });
    const grace = await stored(iface, { user: 'grace' });
    const before = store.loads;
    const session = iface.open(cookie(ada, grace));
    await session.load();
    expect(session.get('user')).toBe('ada');
    expect(store.loads - before).toBe(1);
  });

  it(`reads at most ${MAX_COOKIES_PER_NAME} ids: a stored session after 6 unknown ones gives a new session`, async () => {
    const store = new FlakyStore();
    const iface = new ServerSessionInterface<Data>({ store });
    const ada = await stored(iface, { user: 'ada' });
    const unknown = Array.from({ length: 6 }, (_, i) => `${'u'.repeat(42)}${i}`);

    const fifth = iface.open(cookie(...unknown.slice(0, MAX_COOKIES_PER_NAME - 1), ada));
    await fifth.load();
    expect(fifth.get('user')).toBe('ada');

    const before = store.loads;
    const seventh = iface.open(cookie(...unknown, ada));
    await seventh.load();
    expect(store.loads - before).toBe(MAX_COOKIES_PER_NAME);
    expect(seventh.get('user')).toBeUndefined();
    expect(seventh.isNew).toBe(true);
    seventh.set('visits', 1);
    const [header] = (await iface.save(seventh)).setCookie;
    expect(header).toMatch(/^session=[A-Za-z0-9_-]{43};/);
    expect(header!.startsWith(`session=${ada};`)).toBe(false);
    // The genuine session is untouched.
    expect(await iface.get(ada)).toEqual({ user: 'ada', _permanent: true });
  });

  it('with signed ids, skips a value signed with another secret', async () => {
    const store = new FlakyStore();
    const iface = new ServerSessionInterface<Data>({ store, useSigner: true, secret: 'server-signing-secret' });
    const tosser = new ServerSessionInterface<Data>({ store, useSigner: true, secret: 'sibling-secret' });
    const ada = await stored(iface, { user: 'ada' });
    const mallory = await stored(tosser, { user: 'mallory' });
    const session = iface.open(cookie(mallory, ada));
    await session.load();
    expect(session.get('user')).toBe('ada');
  });
});
