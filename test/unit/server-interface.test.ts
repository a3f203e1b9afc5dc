import { describe, expect, it } from 'vitest';
import { ConfigError, ServerSessionInterface, StoreError, type Store, type StoreRecord, type UpdateResult } from '../../src/index.js';
import { MemoryStore } from '../../src/stores/memory/index.js';

/** A real store that counts the calls made to it and can be switched to failing. */
class InstrumentedStore implements Store {
  readonly name = 'instrumented';
  readonly calls: string[] = [];
  failing = false;
  constructor(readonly inner: Store) {}
  #enter(op: string): void {
    this.calls.push(op);
    if (this.failing) throw new StoreError(this.name, op, new Error('connection refused'));
  }
  async load(key: string): Promise<StoreRecord | null> {
    this.#enter('load');
    return this.inner.load(key);
  }
  async create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null> {
    this.#enter('create');
    return this.inner.create(key, value, ttlMs);
  }
  async update(key: string, value: Uint8Array, version: string, ttlMs: number): Promise<UpdateResult> {
    this.#enter('update');
    return this.inner.update(key, value, version, ttlMs);
  }
  async touch(key: string, ttlMs: number): Promise<boolean> {
    this.#enter('touch');
    return this.inner.touch(key, ttlMs);
  }
  async destroy(key: string): Promise<void> {
    this.#enter('destroy');
    return this.inner.destroy(key);
  }
}

function setup(options: Record<string, unknown> = {}) {
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const memory = new MemoryStore({ clock });
  const store = new InstrumentedStore(memory);
  const iface = new ServerSessionInterface({ store, clock, touchInterval: 60, ...options });
  /** One request: open with the cookie, load, run the handler, save; returns the new cookie header. */
  async function request(cookie: string | undefined, handler: (s: ReturnType<typeof iface.open>) => unknown) {
    const session = iface.open(cookie);
    await session.load();
    await handler(session);
    const result = await iface.save(session);
    return { session, result, cookie: nextCookie(cookie, result.setCookie) };
  }
  return { iface, store, memory, request, advance: (ms: number) => (now += ms) };
}

function nextCookie(previous: string | undefined, setCookie: string[]): string | undefined {
  const header = setCookie[0];
  if (!header) return previous;
  const pair = header.slice(0, header.indexOf(';'));
  return pair.endsWith('=') ? undefined : pair;
}

const idOf = (cookie: string | undefined) => cookie?.split('=')[1];

/** Changes the character at `index` (a middle one: the last base64 character may carry only padding bits). */
const flipChar = (text: string, index: number) => text.slice(0, index) + (text[index] === 'A' ? 'B' : 'A') + text.slice(index + 1);

describe('ServerSessionInterface', () => {
  it('a request that never loads the session never touches the store', async () => {
    const { iface, store } = setup();
    const session = iface.open('session=' + 'a'.repeat(43));
    expect(await iface.save(session)).toEqual({ setCookie: [], vary: false });
    expect(store.calls).toEqual([]);
  });

  it('creates a record under a fresh 256-bit id and reads it back', async () => {
    const { request, memory } = setup();
    const first = await request(undefined, (s) => s.set('user', 'alice'));
    const id = idOf(first.cookie)!;
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await memory.load('session:' + id)).not.toBeNull();
    let user: unknown;
    await request(first.cookie, (s) => (user = s.get('user')));
    expect(user).toBe('alice');
  });

  it('new sessions are permanent by default (SESSION_PERMANENT) with an Expires', async () => {
    const { request } = setup();
    const first = await request(undefined, (s) => s.set('a', 1));
    expect(first.result.setCookie[0]).toMatch(/Expires=/);
    const browser = setup({ SESSION_PERMANENT: false });
    const second = await browser.request(undefined, (s) => s.set('a', 1));
    expect(second.result.setCookie[0]).not.toMatch(/Expires=/);
  });

  it('never adopts an unknown or malformed id', async () => {
    const { request, store } = setup();
    const forged = 'session=' + 'x'.repeat(43);
    const res = await request(forged, (s) => s.set('a', 1));
    expect(idOf(res.cookie)).not.toBe('x'.repeat(43));
    store.calls.length = 0;
    const malformed = await request('session=../../etc/passwd', (s) => s.set('a', 1));
    expect(store.calls[0]).toBe('create');
    expect(idOf(malformed.cookie)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('signs ids like Flask-Session with useSigner and refuses tampered ones', async () => {
    const { request } = setup({ SESSION_USE_SIGNER: true, SECRET_KEY: 'dev-secret' });
    const first = await request(undefined, (s) => s.set('a', 1));
    const [id, sig] = idOf(first.cookie)!.split('.');
    expect(id).toHaveLength(43);
    expect(sig).toHaveLength(27);
    let seen: unknown;
    await request(`session=${id}.${flipChar(sig!, 10)}`, (s) => (seen = s.get('a')));
    expect(seen).toBeUndefined();
    expect(() => new ServerSessionInterface({ useSigner: true })).toThrow(ConfigError);
  });

  it('writes only when something changed; an unchanged session costs at most a throttled touch', async () => {
    const { request, store, advance } = setup();
    const first = await request(undefined, (s) => s.set('n', 1));
    store.calls.length = 0;
    const read = await request(first.cookie, (s) => s.get('n'));
    expect(store.calls).toEqual(['load']);
    expect(read.result.setCookie).toEqual([]);
    advance(61_000);
    store.calls.length = 0;
    const later = await request(first.cookie, (s) => s.get('n'));
    expect(store.calls).toEqual(['load', 'touch']);
    expect(later.result.setCookie[0]).toMatch(/Expires=/);
  });

  it('saves in-place changes of nested values', async () => {
    const { request } = setup();
    const first = await request(undefined, (s) => s.set('cart', [1]));
    await request(first.cookie, (s) => (s.get('cart') as number[]).push(2));
    let cart: unknown;
    await request(first.cookie, (s) => (cart = s.get('cart')));
    expect(cart).toEqual([1, 2]);
  });

  it('emptying a session deletes the record and the cookie', async () => {
    const { request, memory } = setup();
    const first = await request(undefined, (s) => s.set('n', 1));
    const id = idOf(first.cookie)!;
    const cleared = await request(first.cookie, (s) => s.clear());
    expect(cleared.result.setCookie[0]).toMatch(/^session=; Max-Age=0/);
    expect(await memory.load('session:' + id)).toBeNull();
  });

  it('regenerate() gives a new id, keeps the data, and removes the old record', async () => {
    const { request, memory } = setup();
    const first = await request(undefined, (s) => s.set('cart', [1]));
    const oldId = idOf(first.cookie)!;
    const login = await request(first.cookie, (s) => {
      s.set('user', 'alice');
      s.regenerate();
    });
    const newId = idOf(login.cookie)!;
    expect(newId).not.toBe(oldId);
    expect(login.session.id).toBe(newId);
    expect(await memory.load('session:' + oldId)).toBeNull();
    let data: unknown;
    await request(login.cookie, (s) => (data = s.toObject()));
    expect(data).toEqual({ _permanent: true, cart: [1], user: 'alice' });
  });

  it('destroy() removes the record and clears the cookie', async () => {
    const { request, memory } = setup();
    const first = await request(undefined, (s) => s.set('user', 'alice'));
    const out = await request(first.cookie, (s) => s.destroy());
    expect(out.result.setCookie[0]).toMatch(/^session=;/);
    expect(await memory.load('session:' + idOf(first.cookie))).toBeNull();
  });

  it('writing after destroy() starts a new session under a new id', async () => {
    const { request, memory } = setup();
    const first = await request(undefined, (s) => s.set('user', 'alice'));
    const out = await request(first.cookie, (s) => {
      s.destroy();
      s.flash('Logged out');
    });
    const newId = idOf(out.cookie)!;
    expect(newId).not.toBe(idOf(first.cookie));
    expect(await memory.load('session:' + idOf(first.cookie))).toBeNull();
    let data: unknown;
    await request(out.cookie, (s) => (data = { flashes: s.consumeFlashes(), user: s.get('user') }));
    expect(data).toEqual({ flashes: [{ category: 'message', message: 'Logged out' }], user: undefined });
  });

  it('two concurrent requests changing different keys both persist', async () => {
    const { iface, request } = setup();
    const first = await request(undefined, (s) => s.set('base', 0));
    const a = iface.open(first.cookie);
    const b = iface.open(first.cookie);
    await Promise.all([a.load(), b.load()]);
    a.set('a', 1);
    b.set('b', 2);
    await iface.save(a);
    await iface.save(b);
    let data: unknown;
    await request(first.cookie, (s) => (data = s.toObject()));
    expect(data).toEqual({ _permanent: true, base: 0, a: 1, b: 2 });
  });

  it('same key: the later write wins; a key deleted by one request stays deleted', async () => {
    const { iface, request } = setup();
    const first = await request(undefined, (s) => s.update({ k: 'first', gone: true }));
    const a = iface.open(first.cookie);
    const b = iface.open(first.cookie);
    await Promise.all([a.load(), b.load()]);
    a.set('k', 'from-a');
    a.delete('gone');
    b.set('k', 'from-b');
    await iface.save(a);
    await iface.save(b);
    let data: unknown;
    await request(first.cookie, (s) => (data = s.toObject()));
    expect(data).toEqual({ _permanent: true, k: 'from-b' });
  });

  it('50 concurrent writers of disjoint keys lose nothing', async () => {
    const { iface, request } = setup();
    const first = await request(undefined, (s) => s.set('base', 0));
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const s = iface.open(first.cookie);
        await s.load();
        s.set(`k${i}`, i);
        await iface.save(s);
      }),
    );
    let keys: string[] = [];
    await request(first.cookie, (s) => (keys = s.keys()));
    expect(keys.filter((k) => k.startsWith('k'))).toHaveLength(50);
  });

  it('a session destroyed by another request is never brought back', async () => {
    const { iface, request, memory } = setup();
    const first = await request(undefined, (s) => s.set('user', 'alice'));
    const slow = iface.open(first.cookie);
    await slow.load();
    await request(first.cookie, (s) => s.destroy());
    slow.set('cart', [1]);
    const result = await iface.save(slow);
    expect(result.setCookie[0]).toMatch(/^session=;/);
    expect(await memory.load('session:' + idOf(first.cookie))).toBeNull();
  });

  it('a store failure surfaces as StoreError and overwrites nothing', async () => {
    const { request, store, memory } = setup();
    const first = await request(undefined, (s) => s.set('user', 'alice'));
    store.failing = true;
    await expect(request(first.cookie, (s) => s.set('user', 'mallory'))).rejects.toBeInstanceOf(StoreError);
    store.failing = false;
    const loaded = await memory.load('session:' + idOf(first.cookie));
    expect(loaded).not.toBeNull();
    let user: unknown;
    await request(first.cookie, (s) => (user = s.get('user')));
    expect(user).toBe('alice');
  });

  it('a failed save leaves the stored session as it was', async () => {
    const { iface, request, store } = setup();
    const first = await request(undefined, (s) => s.set('user', 'alice'));
    const s = iface.open(first.cookie);
    await s.load();
    s.set('user', 'mallory');
    store.failing = true;
    await expect(iface.save(s)).rejects.toBeInstanceOf(StoreError);
    store.failing = false;
    let user: unknown;
    await request(first.cookie, (x) => (user = x.get('user')));
    expect(user).toBe('alice');
  });

  it('enforces the idle timeout server-side', async () => {
    const { request, advance } = setup({ idleTimeout: 600 });
    const first = await request(undefined, (s) => s.set('user', 'alice'));
    advance(500_000);
    let user: unknown;
    await request(first.cookie, (s) => (user = s.get('user')));
    expect(user).toBe('alice');
    advance(500_000); // 500 s since the last activity: still alive (activity extended it)
    await request(first.cookie, (s) => (user = s.get('user')));
    expect(user).toBe('alice');
    advance(601_000);
    await request(first.cookie, (s) => (user = s.get('user')));
    expect(user).toBeUndefined();
  });

  it('enforces the absolute timeout however active the session is', async () => {
    const { request, advance } = setup({ absoluteTimeout: 3600, idleTimeout: 1200 });
    const first = await request(undefined, (s) => s.set('user', 'alice'));
    let user: unknown;
    for (let minute = 10; minute <= 50; minute += 10) {
      advance(600_000);
      await request(first.cookie, (s) => (user = s.get('user')));
      expect(user).toBe('alice');
    }
    advance(700_000);
    await request(first.cookie, (s) => (user = s.get('user')));
    expect(user).toBeUndefined();
  });
});
