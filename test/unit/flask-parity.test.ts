/**
 * Flask's and Flask-Session 0.8's rules for `permanent`, empty sessions, ids and the deletion
 * cookie, case by case (the random sequences in test/interop/*-sequences.test.ts compare the
 * same against the real thing).
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  CookieSessionInterface,
  FlaskSessionCodec,
  isWellFormedSessionId,
  MAX_SESSION_ID_CHARS,
  MIN_SESSION_ID_CHARS,
  ServerSessionInterface,
  type Session,
} from '../../src/index.js';
import { MemoryStore } from '../../src/stores/memory/index.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const LIFETIME = 3600;

describe('cookie sessions: permanent as Flask sets it', () => {
  const iface = new CookieSessionInterface({ secret: 'parity', permanentLifetime: LIFETIME, clock: () => NOW });
  const fixed = new CookieSessionInterface({ secret: 'parity', permanentLifetime: LIFETIME, refreshEachRequest: false, clock: () => NOW });

  function request(on: CookieSessionInterface, data: Record<string, unknown> | undefined, handler: (s: Session) => void) {
    const session = on.open(data === undefined ? undefined : `session=${on.encode(data, NOW)}`);
    handler(session);
    const [header] = on.saveSync(session).setCookie;
    if (header === undefined) return 'nothing';
    if (header.startsWith('session=;')) return 'deleted';
    const data2 = on.decode(header.slice('session='.length, header.indexOf(';')));
    return { data: data2, expires: /Expires=/.test(header) };
  }

  it.each([
    ['{a: 1} → permanent = false', { a: 1 }, (s: Session): void => {
      s.permanent = false;
    }, { data: { a: 1, _permanent: false }, expires: false }],
    ['{a: 1, _permanent: true} → permanent = false', { a: 1, _permanent: true }, (s: Session): void => {
      s.permanent = false;
    }, { data: { a: 1, _permanent: false }, expires: false }],
    [
      '{a: 1} → permanent = false; del a',
      { a: 1 },
      (s: Session): void => {
        s.permanent = false;
        s.delete('a');
      },
      { data: { _permanent: false }, expires: false },
    ],
    ['no cookie → permanent = false', undefined, (s: Session): void => {
      s.permanent = false;
    }, { data: { _permanent: false }, expires: false }],
    ['no cookie → clear()', undefined, (s: Session): void => s.clear(), 'deleted'],
  ] as const)('%s: as Flask', (_name, data, handler, expected) => {
    expect(request(iface, data, handler)).toEqual(expected);
  });

  it('refresh-each-request off: permanent = true on a permanent session re-sends it with a new Expires', () => {
    expect(request(fixed, { a: 1, _permanent: true }, (s) => s.get('a'))).toBe('nothing');
    expect(request(fixed, { a: 1, _permanent: true }, (s) => (s.permanent = true))).toEqual({ data: { a: 1, _permanent: true }, expires: true });
  });
});

describe('server-side sessions: permanent and emptiness as Flask-Session', () => {
  function setup(options: Record<string, unknown> = {}) {
    const store = new MemoryStore({ clock: () => NOW });
    const iface = new ServerSessionInterface({ store, clock: () => NOW, permanentLifetime: LIFETIME, touchInterval: 0, ...options });
    async function request(cookie: string | undefined, handler: (s: Session) => void) {
      const session = iface.open(cookie);
      await session.load();
      handler(session);
      const result = await iface.save(session);
      const header = result.setCookie[0];
      return { session, header, cookie: header && !header.startsWith('session=;') ? header.slice(0, header.indexOf(';')) : undefined };
    }
    return { iface, request };
  }

  it('a new session starts as {_permanent: true} under SESSION_PERMANENT, _permanent first', async () => {
    const { iface, request } = setup();
    const opened = iface.open(undefined);
    expect(opened.permanent).toBe(true);
    const { header, session } = await request(undefined, (s) => s.set('user', 'ada'));
    expect(header).toMatch(/Expires=/);
    expect(Object.keys(await iface.get(session.id!) ?? {})).toEqual(['_permanent', 'user']);
    const off = setup({ permanent: false });
    expect(off.iface.open(undefined).permanent).toBe(false);
  });

  it('a new session can be made non-permanent under SESSION_PERMANENT', async () => {
    const { iface, request } = setup();
    const { header, session } = await request(undefined, (s) => {
      s.permanent = false;
      s.set('user', 'ada');
    });
    expect(header).not.toMatch(/Expires=/);
    expect(await iface.get(session.id!)).toEqual({ _permanent: false, user: 'ada' });
  });

  it('a session holding only _permanent is never stored, and emptying one to that deletes it', async () => {
    const { iface, request } = setup();
    const bare = await request(undefined, (s) => (s.permanent = false));
    expect(bare.header).toBeUndefined();
    expect(bare.session.id).toBeUndefined();
    const stored = await request(undefined, (s) => s.set('a', 1));
    const id = stored.session.id!;
    const emptied = await request(stored.cookie, (s) => s.delete('a'));
    expect(emptied.header).toMatch(/^session=;/);
    expect(await iface.get(id)).toBeNull();
  });

  it('clear() keeps _permanent, so writing after it keeps the session permanent', async () => {
    const { iface, request } = setup();
    const first = await request(undefined, (s) => s.set('a', 1));
    const after = await request(first.cookie, (s) => {
      s.clear();
      s.set('b', 2);
    });
    expect(after.header).toMatch(/Expires=/);
    expect(await iface.get(after.session.id!)).toEqual({ _permanent: true, b: 2 });
  });

  it('refresh-each-request extends the record of a browser-session session too', async () => {
    let now = NOW;
    const store = new MemoryStore({ clock: () => now });
    const iface = new ServerSessionInterface({ store, clock: () => now, permanentLifetime: LIFETIME, touchInterval: 0, permanent: false });
    const session = iface.open(undefined);
    session.set('a', 1);
    const header = (await iface.save(session)).setCookie[0]!;
    now += 1000_000;
    const again = iface.open(header.slice(0, header.indexOf(';')));
    await again.load();
    again.get('a');
    expect((await iface.save(again)).setCookie).toEqual([]);
    expect((await store.load(`session:${session.id}`))!.expiresAt).toBe(now + LIFETIME * 1000);
  });
});

describe('Flask-Session mode: the deletion cookie and ids', () => {
  const codecReady = FlaskSessionCodec.create('json');

  it('sends the deletion cookie as Flask-Session does, and also to a browser that sent no id', async () => {
    await codecReady;
    const store = new MemoryStore({ clock: () => NOW });
    const flaskSession = new ServerSessionInterface({ store, clock: () => NOW, serializationFormat: 'json', domain: 'example.com', sameSite: 'Lax' });
    const fresh = flaskSession.open(undefined);
    fresh.set('a', 1);
    fresh.delete('a');
    expect((await flaskSession.save(fresh)).setCookie).toEqual(['session=; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/']);
    // sessionkit's own format: the deletion carries every attribute, and only answers a cookie.
    const native = new ServerSessionInterface({ store, clock: () => NOW, domain: 'example.com', sameSite: 'Lax' });
    const own = native.open(undefined);
    own.set('a', 1);
    own.delete('a');
    expect((await native.save(own)).setCookie).toEqual([]);
    const created = native.open(undefined);
    created.set('a', 1);
    const cookie = (await native.save(created)).setCookie[0]!;
    const emptied = native.open(cookie.slice(0, cookie.indexOf(';')));
    await emptied.load();
    emptied.clear();
    const [deletion] = (await native.save(emptied)).setCookie;
    expect(deletion).toMatch(/^session=; /);
    expect(deletion).toMatch(/HttpOnly/);
    expect(deletion).toMatch(/SameSite=Lax/);
  });

  it('makes ids of idLength bytes (token_urlsafe(n)) and reads ids of any length Flask-Session makes', async () => {
    const store = new MemoryStore({ clock: () => NOW });
    for (const [bytes, chars] of [[16, 22], [32, 43], [48, 64], [96, 128]] as const) {
      const iface = new ServerSessionInterface({ store, clock: () => NOW, SESSION_ID_LENGTH: bytes });
      const session = iface.open(undefined);
      session.set('n', bytes);
      const cookie = (await iface.save(session)).setCookie[0]!;
      expect(session.id).toHaveLength(chars);
      // Read back by an interface configured with another length.
      const other = new ServerSessionInterface({ store, clock: () => NOW, idLength: bytes === 32 ? 16 : 32 });
      const reopened = other.open(cookie.slice(0, cookie.indexOf(';')));
      await reopened.load();
      expect(reopened.isNew).toBe(false);
      expect(reopened.get('n')).toBe(bytes);
    }
  });

  it('reads only well-formed ids: base64url, 22 to 128 characters', () => {
    expect([MIN_SESSION_ID_CHARS, MAX_SESSION_ID_CHARS]).toEqual([22, 128]);
    expect(isWellFormedSessionId('a'.repeat(22))).toBe(true);
    expect(isWellFormedSessionId('a'.repeat(128))).toBe(true);
    expect(isWellFormedSessionId('a'.repeat(21))).toBe(false);
    expect(isWellFormedSessionId('a'.repeat(129))).toBe(false);
    expect(isWellFormedSessionId(`${'a'.repeat(42)}=`)).toBe(false);
    expect(isWellFormedSessionId(`${'a'.repeat(40)}:x/`)).toBe(false);
  });

  it('refuses an idLength outside 16 to 96 bytes, naming the option', () => {
    expect(() => new ServerSessionInterface({ store: new MemoryStore(), idLength: 8 })).toThrow(ConfigError);
    expect(() => new ServerSessionInterface({ store: new MemoryStore(), idLength: 8 })).toThrow(
      'option idLength is invalid: expected a whole number of bytes >= 16, got 8',
    );
    expect(() => new ServerSessionInterface({ store: new MemoryStore(), SESSION_ID_LENGTH: 97 })).toThrow(
      'option SESSION_ID_LENGTH is invalid: expected a whole number of bytes <= 96, got 97',
    );
    expect(() => new ServerSessionInterface({ store: new MemoryStore(), idLength: 32.5 })).toThrow(/idLength is invalid/);
  });
});
