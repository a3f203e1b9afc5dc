/**
 * The parts sessionkit uses to read and write express-session's sessions, checked against the
 * real packages express-session uses (cookie-signature, uid-safe, its MemoryStore and Cookie),
 * and the migrate mode of ServerSessionInterface on in-memory stores with an injected clock.
 */
import { createRequire } from 'node:module';
import expressSession from 'express-session';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ExpressSessionCodec,
  ExpressSessionValueError,
  PERMANENT_KEY,
  ServerSessionInterface,
  UUID,
  type Store,
} from '../../src/index.js';
import { ExpressSessionIdCookie } from '../../src/interfaces/server/express-session.js';
import { MOVED_SESSION_GRACE_MS } from '../../src/interfaces/server/express-migration.js';
import { signCookieValue, unsignCookieValue } from '../../src/signing/cookie-signature.js';
import { keygripSign, keygripVerify } from '../../src/signing/keygrip.js';
import { MemoryStore } from '../../src/stores/memory/index.js';

const require = createRequire(import.meta.url);
type Signature = { sign(value: string, secret: string): string; unsign(value: string, secret: string): string | false };
/** cookie-signature as express-session 1.19 loads it (its own copy), and the newest one. */
const expressSignature = require(require.resolve('cookie-signature', { paths: [require.resolve('express-session')] })) as Signature;
const latestSignature = require('cookie-signature') as Signature;
const Keygrip = require('keygrip') as new (keys: string[]) => { sign(data: string): string; verify(data: string, digest: string): boolean };
const uid = (require(require.resolve('uid-safe', { paths: [require.resolve('express-session')] })) as { sync(bytes: number): string }).sync;
/** express-session's cookie package, which URL-encodes the signed value. */
const expressCookie = require(require.resolve('cookie', { paths: [require.resolve('express-session')] })) as {
  serialize(name: string, value: string): string;
};

const SECRET = 'keyboard cat';
const decodeText = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const encodeText = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('cookie-signature format', () => {
  it.each([
    ['express-session’s copy', expressSignature],
    ['cookie-signature 1.2', latestSignature],
  ])('signs as %s does and reads what it signs', (_name, peer) => {
    for (const value of [uid(24), 'x', 'a.b.c', 'Zoë 日本']) {
      expect(signCookieValue(value, SECRET)).toBe(peer.sign(value, SECRET));
      expect(unsignCookieValue(peer.sign(value, SECRET), [SECRET])).toBe(value);
      expect(peer.unsign(signCookieValue(value, SECRET), SECRET)).toBe(value);
    }
  });

  it('every secret verifies, in any position; a wrong one or a changed value does not', () => {
    const signed = latestSignature.sign('abc', 'old');
    expect(unsignCookieValue(signed, ['new', 'old'])).toBe('abc');
    expect(unsignCookieValue(signed, ['new'])).toBeUndefined();
    expect(unsignCookieValue(signed.replace('abc', 'abd'), ['old'])).toBeUndefined();
    expect(unsignCookieValue('no-separator', ['old'])).toBeUndefined();
    expect(unsignCookieValue(`${signed}x`, ['old'])).toBeUndefined();
  });
});

describe('keygrip format', () => {
  it('signs as keygrip does; the first key signs, every key verifies', () => {
    const grip = new Keygrip(['k2', 'k1']);
    const data = 'session=eyJ1c2VyIjoiYWRhIn0=';
    expect(keygripSign(data, 'k2')).toBe(grip.sign(data));
    expect(keygripVerify(data, new Keygrip(['k1']).sign(data), ['k2', 'k1'])).toBe(true);
    expect(keygripVerify(data, grip.sign(data), ['k3'])).toBe(false);
    expect(keygripVerify(`${data}x`, grip.sign(data), ['k2'])).toBe(false);
    expect(grip.verify(data, keygripSign(data, 'k1'))).toBe(true);
  });
});

describe('ExpressSessionIdCookie', () => {
  const format = new ExpressSessionIdCookie([SECRET, 'older']);

  it('writes the value express-session sends, and reads it back', () => {
    const id = uid(24);
    const sent = expressCookie.serialize('connect.sid', `s:${expressSignature.sign(id, SECRET)}`);
    expect(`connect.sid=${format.write(id)}`).toBe(sent);
    expect(format.read(decodeURIComponent(format.write(id)))).toBe(id);
  });

  it("accepts express-session's 32-character ids and sessionkit's 43-character ones, signed by any secret", () => {
    const sessionkitId = 'A'.repeat(43);
    expect(format.read(`s:${expressSignature.sign(sessionkitId, 'older')}`)).toBe(sessionkitId);
    expect(format.read(`s:${expressSignature.sign(uid(24), SECRET)}`)).toHaveLength(32);
  });

  it('refuses unsigned, badly signed and odd-shaped ids', () => {
    const id = uid(24);
    expect(format.read(id)).toBeUndefined();
    expect(format.read(`s:${expressSignature.sign(id, 'unknown')}`)).toBeUndefined();
    expect(format.read(`s:${expressSignature.sign('short', SECRET)}`)).toBeUndefined();
    expect(format.read(`s:${expressSignature.sign('../'.repeat(11) + 'ab', SECRET)}`)).toBeUndefined();
    expect(format.read(undefined)).toBeUndefined();
  });
});

describe('ExpressSessionCodec', () => {
  const now = Date.UTC(2026, 0, 1);
  const settings = { permanentLifetime: 3600, path: '/', domain: undefined, httpOnly: true, secure: false as const, sameSite: 'Lax' as const, partitioned: false };
  const codec = new ExpressSessionCodec({ cookie: settings, clock: () => now });

  it('reads a record as express-session stores it: the cookie object is no data, an expiry means permanent', () => {
    const browserSession = '{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},"user":"ada","cart":[1,2]}';
    expect(codec.decode(encodeText(browserSession))).toEqual({ data: { user: 'ada', cart: [1, 2] }, meta: {} });
    const lasting = '{"cookie":{"originalMaxAge":60000,"expires":"2030-01-01T00:00:00.000Z","httpOnly":true,"path":"/"},"n":1}';
    expect(codec.decode(encodeText(lasting)).data).toEqual({ n: 1, [PERMANENT_KEY]: true });
  });

  it('writes a record that express-session loads, with the cookie it then sends', () => {
    const written = JSON.parse(decodeText(codec.encode({ user: 'ada', [PERMANENT_KEY]: true, when: new Date(0) }, { createdAt: now }))) as Record<string, unknown>;
    expect(Object.keys(written)[0]).toBe('cookie');
    expect(written).toEqual({
      cookie: { originalMaxAge: 3_600_000, expires: new Date(now + 3_600_000).toISOString(), httpOnly: true, path: '/', sameSite: 'lax' },
      user: 'ada',
      when: '1970-01-01T00:00:00.000Z',
    });
    // express-session's own MemoryStore and Cookie take it as one of theirs.
    const store = new expressSession.MemoryStore();
    const loaded = store.createSession({ sessionID: 'x', sessionStore: store } as never, written as never) as unknown as {
      user: string;
      cookie: { originalMaxAge: number; expires: Date; sameSite: string; serialize(name: string, value: string): string };
    };
    expect(loaded.user).toBe('ada');
    expect(loaded.cookie.originalMaxAge).toBe(3_600_000);
    expect(loaded.cookie.expires.getTime()).toBe(now + 3_600_000);
    expect(loaded.cookie.serialize('connect.sid', 'v')).toMatch(/SameSite=Lax/);
  });

  it('a session that is not permanent gets a browser-session cookie, as express-session writes one', () => {
    const written = JSON.parse(decodeText(codec.encode({ n: 1 }, { createdAt: now }))) as { cookie: unknown };
    expect(written.cookie).toEqual({ originalMaxAge: null, expires: null, httpOnly: true, path: '/', sameSite: 'lax' });
  });

  it.each([
    ['bytes', { raw: new Uint8Array([1]) }, '$.raw', 'Uint8Array'],
    ['bigint', { list: [1, 10n] }, '$.list[1]', 'bigint'],
    ['Map', { deep: { m: new Map() } }, '$.deep.m', 'Map'],
    ['UUID', { id: new UUID('12345678-1234-5678-1234-567812345678') }, '$.id', 'UUID'],
    ['the cookie key', { cookie: 'mine' }, '$.cookie', 'string'],
  ])('refuses what JSON cannot hold, naming where: %s', (_name, data, path, type) => {
    const error = (() => {
      try {
        codec.encode(data, { createdAt: now });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ExpressSessionValueError);
    expect((error as ExpressSessionValueError).path).toBe(path);
    expect((error as ExpressSessionValueError).valueType).toBe(type);
    expect((error as Error).message).toContain('express-session record');
  });

  it.each(['not json', '[1,2]', '"text"', '\xff'])('refuses bytes that are no record: %j', (text) => {
    expect(() => codec.decode(encodeText(text))).toThrow(/not an express-session session record/);
  });

  it('keeps a __proto__ key as data', () => {
    const data = codec.decode(encodeText('{"cookie":{"expires":null},"__proto__":{"admin":true}}')).data;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data)).toEqual(['__proto__']);
  });
});

describe('expressSession option checks', () => {
  const store = new MemoryStore();
  it.each([
    [{ expressSession: { secret: SECRET } }, 'expressSession.mode', 'expected one of "migrate", "side-by-side"'],
    [{ expressSession: { mode: 'migrate', secret: SECRET } }, 'expressSession.store', 'expected the store holding'],
    [{ expressSession: { mode: 'migrate', secret: [], store } }, 'expressSession.secret', 'at least one secret'],
    [{ expressSession: { mode: 'side-by-side', secret: SECRET, store } }, 'store', 'unknown option of ServerSessionInterface expressSession (side-by-side)'],
    [{ expressSession: { mode: 'side-by-side', secret: SECRET }, cookieName: 'sid' }, 'cookieName', 'give its name as expressSession.name'],
    [{ expressSession: { mode: 'side-by-side', secret: SECRET }, SESSION_KEY_PREFIX: 'x:' }, 'SESSION_KEY_PREFIX', 'expressSession.prefix'],
    [{ expressSession: { mode: 'side-by-side', secret: SECRET }, useSigner: true, secret: 'x' }, 'useSigner', 'signed as express-session signs it'],
    [{ expressSession: { mode: 'side-by-side', secret: SECRET }, absoluteTimeout: 60 }, 'absoluteTimeout', 'no creation time'],
    [{ expressSession: { mode: 'migrate', secret: SECRET, store, name: 'session' } }, 'expressSession.name', 'give sessionkit another cookieName'],
    [{ expressSession: 'connect.sid' }, 'expressSession', "expected { mode: 'migrate' | 'side-by-side'"],
  ])('%j', (options, option, message) => {
    let error: unknown;
    try {
      new ServerSessionInterface({ store, ...(options as object) });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(option);
    expect((error as ConfigError).message).toContain(message);
  });
});

/** A migrating interface over two in-memory stores, with one clock, and requests through it. */
function migrating(options: Record<string, unknown> = {}) {
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const store = new MemoryStore({ clock });
  const legacy = new MemoryStore({ clock });
  const iface = new ServerSessionInterface({ store, clock, expressSession: { mode: 'migrate', secret: [SECRET, 'older'], store: legacy }, ...options });
  const cookieOf = (expressId: string): string => `connect.sid=${encodeURIComponent(`s:${expressSignature.sign(expressId, SECRET)}`)}`;
  /** Puts a session into the legacy store as connect-redis would, and returns its cookie. */
  async function expressSessionOf(data: Record<string, unknown>, cookie: Record<string, unknown> = { originalMaxAge: null, expires: null, httpOnly: true, path: '/' }) {
    const id = uid(24);
    await legacy.create(`sess:${id}`, encodeText(JSON.stringify({ cookie, ...data })), 86_400_000);
    return { id, cookie: cookieOf(id) };
  }
  async function open(cookie: string) {
    const session = iface.open(cookie);
    await session.load();
    return session;
  }
  async function keys(of: Store & { keys?: MemoryStore['keys'] }): Promise<string[]> {
    const found: string[] = [];
    for await (const key of of.keys!('')) found.push(key);
    return found;
  }
  return { iface, store, legacy, clock, advance: (ms: number) => (now += ms), expressSessionOf, open, keys: () => Promise.all([keys(store), keys(legacy)]) };
}

const cookieNames = (setCookie: string[]): string[] => setCookie.map((header) => header.slice(0, header.indexOf('=')) + (/Expires=Thu, 01 Jan 1970/.test(header) ? ' (deleted)' : ''));

describe('migrate mode', () => {
  it('serves an express-session session where it is, and writes nothing while it is only read', async () => {
    const m = migrating({ permanent: false });
    const { id, cookie } = await m.expressSessionOf({ user: 'ada' });
    const session = await m.open(cookie);
    expect(session.get('user')).toBe('ada');
    expect(session.isNew).toBe(false);
    expect(await m.iface.save(session)).toEqual({ setCookie: [], vary: true });
    expect(await m.keys()).toEqual([[], [`sess:${id}`]]);
  });

  it('moves it on the first write: new record and cookie, the old ones deleted', async () => {
    const m = migrating();
    const { id, cookie } = await m.expressSessionOf({ user: 'ada' });
    const session = await m.open(cookie);
    session.set('visits', 1);
    const result = await m.iface.save(session);
    expect(cookieNames(result.setCookie)).toEqual(['session', 'connect.sid (deleted)']);
    const [moved, old] = await m.keys();
    expect(old).toEqual([]);
    expect(moved).toEqual([`session:${session.id}`]);
    expect(session.id).not.toBe(id);
    const next = await m.open(result.setCookie[0]!.split(';')[0]!);
    // New sessions are permanent by default (`permanent`), moved ones too.
    expect(next.toObject()).toEqual({ user: 'ada', visits: 1, [PERMANENT_KEY]: true });
  });

  it('moves it on a refresh: a permanent session with refreshEachRequest', async () => {
    const m = migrating();
    const { cookie } = await m.expressSessionOf({ user: 'ada' }, { originalMaxAge: 60_000, expires: '2030-01-01T00:00:00.000Z' });
    const session = await m.open(cookie);
    expect(session.permanent).toBe(true);
    const result = await m.iface.save(session);
    expect(cookieNames(result.setCookie)).toEqual(['session', 'connect.sid (deleted)']);
    expect(result.setCookie[0]).toMatch(/Expires=/);
  });

  it('moves it when only its idle timeout would be extended', async () => {
    const m = migrating({ permanent: false, idleTimeout: 600 });
    const { cookie } = await m.expressSessionOf({ user: 'ada' });
    const session = await m.open(cookie);
    expect(session.get('user')).toBe('ada');
    const result = await m.iface.save(session);
    expect(cookieNames(result.setCookie)).toEqual(['session', 'connect.sid (deleted)']);
    expect(result.setCookie[0]).not.toMatch(/Expires=/);
    expect((await m.keys())[1]).toEqual([]);
  });

  it('requests racing to move one session land on one record, with the changes of each', async () => {
    const m = migrating();
    const { cookie } = await m.expressSessionOf({ user: 'ada', a: 0, b: 0 });
    const first = await m.open(cookie);
    const second = await m.open(cookie);
    first.set('a', 1);
    second.set('b', 2);
    const [one, two] = [await m.iface.save(first), await m.iface.save(second)];
    expect(first.id).toBe(second.id);
    expect(cookieNames(two.setCookie)).toEqual(['session', 'connect.sid (deleted)']);
    expect(one.setCookie[0]!.split(';')[0]).toBe(two.setCookie[0]!.split(';')[0]);
    expect(await m.iface.get(first.id!)).toEqual({ user: 'ada', a: 1, b: 2, [PERMANENT_KEY]: true });
    expect((await m.keys())[0]).toHaveLength(1);
  });

  it('a request still carrying the old cookie right after the move joins; after the grace period it opens nothing', async () => {
    const m = migrating();
    const { cookie } = await m.expressSessionOf({ user: 'ada' });
    const mover = await m.open(cookie);
    mover.set('moved', true);
    await m.iface.save(mover);

    m.advance(MOVED_SESSION_GRACE_MS - 1);
    const late = await m.open(cookie);
    expect(late.get('user')).toBe('ada');
    expect(late.id).toBe(mover.id);
    const result = await m.iface.save(late);
    expect(cookieNames(result.setCookie)).toEqual(['session', 'connect.sid (deleted)']);

    m.advance(1);
    const stale = await m.open(cookie);
    expect(stale.isNew).toBe(true);
    expect(stale.size).toBe(0);
  });

  it('a destroyed or emptied session ends in express-session too', async () => {
    const m = migrating();
    const { cookie } = await m.expressSessionOf({ user: 'ada' });
    const session = await m.open(cookie);
    session.destroy();
    const result = await m.iface.save(session);
    expect(cookieNames(result.setCookie)).toEqual(['connect.sid (deleted)']);
    expect(await m.keys()).toEqual([[], []]);
  });

  it('regenerate() moves it under an id nobody can derive', async () => {
    const m = migrating();
    const { cookie } = await m.expressSessionOf({ user: 'ada' });
    const session = await m.open(cookie);
    session.regenerate();
    await m.iface.save(session);
    const racer = await m.open(cookie);
    expect(racer.isNew).toBe(true);
    expect(await m.iface.get(session.id!)).toMatchObject({ user: 'ada' });
  });

  it('a request that loaded the old session after it moved and ended does not bring it back', async () => {
    const m = migrating();
    const { cookie } = await m.expressSessionOf({ user: 'ada' });
    const slow = await m.open(cookie);
    const mover = await m.open(cookie);
    mover.set('x', 1);
    const moved = await m.iface.save(mover);
    const logout = await m.open(moved.setCookie[0]!.split(';')[0]!);
    logout.destroy();
    await m.iface.save(logout);

    slow.set('y', 2);
    const result = await m.iface.save(slow);
    expect(slow.isNew).toBe(true);
    expect(cookieNames(result.setCookie)).toEqual(['session (deleted)', 'connect.sid (deleted)']);
    expect(await m.keys()).toEqual([[], []]);
  });

  it('an express-session cookie beside a valid sessionkit cookie is deleted', async () => {
    const m = migrating();
    const { cookie } = await m.expressSessionOf({ user: 'ada' });
    const session = await m.open(cookie);
    session.set('n', 1);
    const own = (await m.iface.save(session)).setCookie[0]!.split(';')[0]!;
    const both = await m.open(`${own}; ${cookie}`);
    expect(both.get('n')).toBe(1);
    expect(cookieNames((await m.iface.save(both)).setCookie)).toContain('connect.sid (deleted)');
  });

  it('an express-session cookie beside a sessionkit cookie that opens nothing still brings its session', async () => {
    const m = migrating();
    const { cookie } = await m.expressSessionOf({ user: 'ada' });
    const session = await m.open(`session=${'A'.repeat(43)}; ${cookie}`);
    expect(session.get('user')).toBe('ada');
    session.set('n', 1);
    expect(cookieNames((await m.iface.save(session)).setCookie)).toEqual(['session', 'connect.sid (deleted)']);
  });

  it('a forged express-session cookie is ignored and left alone', async () => {
    const m = migrating();
    const { id } = await m.expressSessionOf({ user: 'ada' });
    const forged = `connect.sid=${encodeURIComponent(`s:${expressSignature.sign(id, 'guess')}`)}`;
    const session = await m.open(forged);
    expect(session.isNew).toBe(true);
    session.set('n', 1);
    expect(cookieNames((await m.iface.save(session)).setCookie)).toEqual(['session']);
  });
});
