import { describe, expect, it } from 'vitest';
import { ConfigError, CookieSessionInterface, CookieTooLargeError, Tuple } from '../../src/index.js';
import { sessionInternals } from '../../src/session-internals.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

function make(options: Record<string, unknown> = {}) {
  let now = NOW;
  const iface = new CookieSessionInterface({ secret: 'dev-secret', clock: () => now, ...options });
  return { iface, advance: (ms: number) => (now += ms) };
}

function cookieValue(setCookie: string): string {
  return setCookie.slice(setCookie.indexOf('=') + 1, setCookie.indexOf(';') === -1 ? undefined : setCookie.indexOf(';'));
}

async function roundTrip(iface: CookieSessionInterface, header: string | undefined, act: (s: ReturnType<CookieSessionInterface['open']>) => void) {
  const session = iface.open(header);
  act(session);
  return iface.save(session);
}

describe('CookieSessionInterface', () => {
  it('signs the same bytes Flask does for a known vector', () => {
    const iface = new CookieSessionInterface({ secret: 'dev-secret' });
    expect(iface.encode({ username: 'alice' }, 1700000000 * 1000)).toBe('eyJ1c2VybmFtZSI6ImFsaWNlIn0.ZVPxAA.EdJtw_EM4u6BEXYIXoMxwT6wGY0');
  });

  it('sends nothing for an untouched request without a cookie', async () => {
    const { iface } = make();
    expect(await roundTrip(iface, undefined, () => {})).toEqual({ setCookie: [], vary: false });
  });

  it('sets a browser-session cookie with Flask default attributes and Vary', async () => {
    const { iface } = make();
    const result = await roundTrip(iface, undefined, (s) => s.set('user', 'alice'));
    expect(result.vary).toBe(true);
    expect(result.setCookie).toHaveLength(1);
    const header = result.setCookie[0]!;
    expect(header).toMatch(/^session=[\w.-]+; Path=\/; HttpOnly$/);
    expect(iface.decode(cookieValue(header))).toEqual({ user: 'alice' });
  });

  it('gives a permanent session Expires = now + lifetime', async () => {
    const { iface } = make({ PERMANENT_SESSION_LIFETIME: 600 });
    const result = await roundTrip(iface, undefined, (s) => {
      s.permanent = true;
      s.set('user', 'alice');
    });
    expect(result.setCookie[0]).toContain(`Expires=${new Date(NOW + 600_000).toUTCString()}`);
  });

  it('reads back its own cookie; reading only adds Vary, no Set-Cookie', async () => {
    const { iface } = make();
    const first = await roundTrip(iface, undefined, (s) => s.set('n', 1));
    const header = `other=1; session=${cookieValue(first.setCookie[0]!)}`;
    let seen: unknown;
    const second = await roundTrip(iface, header, (s) => (seen = s.get('n')));
    expect(seen).toBe(1);
    expect(second).toEqual({ setCookie: [], vary: true });
  });

  it('refreshes a permanent session on every request, even untouched (refresh-each-request)', async () => {
    const { iface, advance } = make();
    const first = await roundTrip(iface, undefined, (s) => {
      s.permanent = true;
      s.set('n', 1);
    });
    advance(5000);
    const again = await roundTrip(iface, `session=${cookieValue(first.setCookie[0]!)}`, () => {});
    expect(again.setCookie).toHaveLength(1);
    expect(again.setCookie[0]).toContain(`Expires=${new Date(NOW + 5000 + 31 * 86400_000).toUTCString()}`);
  });

  it('does not refresh when SESSION_REFRESH_EACH_REQUEST is false', async () => {
    const { iface } = make({ SESSION_REFRESH_EACH_REQUEST: false });
    const first = await roundTrip(iface, undefined, (s) => {
      s.permanent = true;
      s.set('n', 1);
    });
    const again = await roundTrip(iface, `session=${cookieValue(first.setCookie[0]!)}`, (s) => s.get('n'));
    expect(again).toEqual({ setCookie: [], vary: true });
  });

  it('deletes the cookie when the session is emptied', async () => {
    const { iface } = make();
    const first = await roundTrip(iface, undefined, (s) => s.set('n', 1));
    const cleared = await roundTrip(iface, `session=${cookieValue(first.setCookie[0]!)}`, (s) => s.clear());
    expect(cleared.vary).toBe(true);
    expect(cleared.setCookie[0]).toMatch(/^session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly$/);
  });

  it('saves in-place changes of nested values', async () => {
    const { iface } = make();
    const first = await roundTrip(iface, undefined, (s) => s.set('cart', [1]));
    const second = await roundTrip(iface, `session=${cookieValue(first.setCookie[0]!)}`, (s) => (s.get('cart') as number[]).push(2));
    expect(iface.decode(cookieValue(second.setCookie[0]!))).toEqual({ cart: [1, 2] });
  });

  it.each([
    ['tampered payload', (v: string) => 'X' + v.slice(1)],
    ['tampered signature', (v: string) => v.slice(0, -10) + (v.at(-10) === 'A' ? 'B' : 'A') + v.slice(-9)],
    ['garbage', () => 'not-a-cookie'],
    ['dots only', () => '...'],
    ['empty', () => ''],
    ['huge', () => 'a'.repeat(10_000)],
  ])('a %s cookie yields a new empty session, never an exception', async (_name, mutate) => {
    const { iface } = make();
    const first = await roundTrip(iface, undefined, (s) => s.set('n', 1));
    const session = iface.open(`session=${mutate(cookieValue(first.setCookie[0]!))}`);
    expect(session.get('n' as never)).toBeUndefined();
    expect(session.isNew).toBe(true);
    expect(await iface.save(session)).toEqual({ setCookie: [], vary: true });
  });

  it('rejects cookies older than the lifetime and cookies from the future', async () => {
    const { iface, advance } = make({ permanentLifetime: 60 });
    const first = await roundTrip(iface, undefined, (s) => s.set('n', 1));
    const value = cookieValue(first.setCookie[0]!);
    advance(61_000);
    expect(iface.decode(value)).toBeNull();
    const future = new CookieSessionInterface({ secret: 'dev-secret', clock: () => NOW - 10_000 });
    expect(future.decode(value)).toBeNull();
  });

  it('opens cookies signed with a fallback secret and re-signs with the new one', async () => {
    const old = new CookieSessionInterface({ secret: 'old' });
    const rotated = new CookieSessionInterface({ SECRET_KEY: 'new', SECRET_KEY_FALLBACKS: ['old'] });
    const onlyNew = new CookieSessionInterface({ secret: 'new' });
    const value = old.encode({ user: 'bob' });
    expect(rotated.decode(value)).toEqual({ user: 'bob' });
    expect(onlyNew.decode(value)).toBeNull();
    expect(onlyNew.decode(rotated.encode({ user: 'bob' }))).toEqual({ user: 'bob' });
  });

  it('keeps __proto__ from a cookie as plain data', () => {
    const { iface } = make();
    const value = iface.encode(JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>);
    const session = iface.open(`session=${value}`);
    expect(session.has('__proto__' as never)).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(session.toObject())).toBe(Object.prototype);
  });

  it('throws CookieTooLargeError at save for an oversized cookie, or warns when configured', async () => {
    const { iface } = make();
    const big = Array.from({ length: 400 }, (_, i) => `${i}-${Math.random()}`).join('');
    await expect(roundTrip(iface, undefined, (s) => s.set('big', big))).rejects.toBeInstanceOf(CookieTooLargeError);
    const warnings: string[] = [];
    const warn = make({ onOversize: 'warn', onWarning: (m: string) => warnings.push(m) }).iface;
    const result = await roundTrip(warn, undefined, (s) => s.set('big', big));
    expect(result.setCookie).toHaveLength(1);
    expect(warnings[0]).toMatch(/over the 4093-byte limit/);
  });

  it('writes flashes exactly as Flask does', () => {
    const iface = new CookieSessionInterface({ secret: 'another secret key' });
    const session = iface.open(undefined);
    session.flash('Welcome back');
    const data = sessionInternals().snapshotData(session);
    expect((data._flashes as unknown[])[0]).toBeInstanceOf(Tuple);
    expect(iface.encode(data, 1701123200_000)).toBe('eyJfZmxhc2hlcyI6W3siIHQiOlsibWVzc2FnZSIsIldlbGNvbWUgYmFjayJdfV19.ZWUUgA.fsWUjkzYSaUNO5C-BRJRKVpHKrM');
  });

  it('applies cookie attributes, secure auto and Flask names', async () => {
    const { iface } = make({ SESSION_COOKIE_NAME: 'sid', SESSION_COOKIE_DOMAIN: 'example.com', SESSION_COOKIE_PATH: '/app', SESSION_COOKIE_SAMESITE: 'Lax', secure: 'auto', SESSION_COOKIE_HTTPONLY: false });
    const session = iface.open(undefined);
    session.set('a', 1);
    const https = await iface.save(session, { secure: true });
    expect(https.setCookie[0]).toBe(`sid=${cookieValue(https.setCookie[0]!)}; Domain=example.com; Path=/app; Secure; SameSite=Lax`);
    const http = await iface.save(session, { secure: false });
    expect(http.setCookie[0]).not.toContain('Secure');
  });

  it('validates options with messages naming the option', () => {
    expect(() => new CookieSessionInterface({})).toThrow(ConfigError);
    expect(() => new CookieSessionInterface({ secret: '' })).toThrow(/option secret is invalid/);
    expect(() => new CookieSessionInterface({ SECRET_KEY: '' })).toThrow(/option SECRET_KEY is invalid/);
    expect(() => new CookieSessionInterface({ secret: 'x', SESSION_COOKIE_SAMESITE: 'sideways' as never })).toThrow(/option SESSION_COOKIE_SAMESITE is invalid/);
    expect(() => new CookieSessionInterface({ secret: 'x', sameSite: 'None' })).toThrow(/option sameSite is invalid: SameSite=None requires secure/);
    expect(() => new CookieSessionInterface({ secret: 'x', permanentLifetime: -1 })).toThrow(/option permanentLifetime is invalid/);
    expect(() => new CookieSessionInterface({ secret: 'x', cookieName: 'a b' })).toThrow(/option cookieName is invalid/);
    expect(() => new CookieSessionInterface({ secret: 'x', SESSION_COOKIE_NAM: 'a' } as never)).toThrow(/option SESSION_COOKIE_NAM is invalid: unknown option/);
    expect(() => new CookieSessionInterface({ secret: 'x', SECRET_KEY: 'y' })).toThrow(/given twice/);
  });
});
