/**
 * Concurrent requests of one server-side session: every path a save can take when another write
 * came first — queued behind a save of the same interface, a conflict with another interface
 * (another process), both in a row — with three-way merges and re-run `update(key, fn)` calls.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, CookieSessionInterface, ServerSessionInterface, StoreError, type MergeConflict, type Session, type Store, type StoreRecord, type UpdateResult } from '../../src/index.js';
import { MemoryStore } from '../../src/stores/memory/index.js';

/** A real store whose next successful update can run something before it returns. */
class HookedStore implements Store {
  readonly name = 'hooked';
  updates = 0;
  conflicts = 0;
  /** Whether the next update fails as a backend outage would. */
  failNextUpdate = false;
  #afterNextUpdate: (() => Promise<void>) | undefined;
  constructor(readonly inner: Store) {}
  /** Runs `hook` right after the next successful update, before that update returns. */
  afterNextUpdate(hook: () => Promise<void>): void {
    this.#afterNextUpdate = hook;
  }
  load(key: string): Promise<StoreRecord | null> {
    return this.inner.load(key);
  }
  create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null> {
    return this.inner.create(key, value, ttlMs);
  }
  async update(key: string, value: Uint8Array, version: string, ttlMs: number): Promise<UpdateResult> {
    this.updates++;
    if (this.failNextUpdate) {
      this.failNextUpdate = false;
      throw new StoreError(this.name, 'update', new Error('connection reset'));
    }
    const result = await this.inner.update(key, value, version, ttlMs);
    if (!result.ok) this.conflicts++;
    const hook = this.#afterNextUpdate;
    if (result.ok && hook) {
      this.#afterNextUpdate = undefined;
      await hook();
    }
    return result;
  }
  touch(key: string, ttlMs: number): Promise<boolean> {
    return this.inner.touch(key, ttlMs);
  }
  destroy(key: string): Promise<void> {
    return this.inner.destroy(key);
  }
}

interface Data {
  cart?: string[];
  n?: number;
  page?: number;
  prefs?: Record<string, unknown>;
  user?: string;
}

/** Two interfaces on one store (two processes, as far as the store can tell), and requests through them. */
function setup(options: Record<string, unknown> = {}) {
  const memory = new MemoryStore();
  const store = new HookedStore(memory);
  const [one, two] = [0, 1].map(() => new ServerSessionInterface<Data>({ store, ...options })) as [ServerSessionInterface<Data>, ServerSessionInterface<Data>];
  /** Opens and loads a session of `cookie` through `iface`. */
  const open = async (iface: ServerSessionInterface<Data>, cookie: string): Promise<Session<Data>> => {
    const session = iface.open(cookie);
    await session.load();
    return session;
  };
  /** One whole request: open, load, handle, save. */
  const request = async (iface: ServerSessionInterface<Data>, cookie: string, handler: (s: Session<Data>) => unknown): Promise<void> => {
    const session = await open(iface, cookie);
    await handler(session);
    await iface.save(session);
  };
  /** A stored session holding `data`; resolves to its cookie header. */
  const start = async (data: Data): Promise<string> => {
    const session = one.open(undefined);
    session.update(data);
    const { setCookie } = await one.save(session);
    return setCookie[0]!.slice(0, setCookie[0]!.indexOf(';'));
  };
  /** What a request with `cookie` sees now. */
  const read = async (cookie: string): Promise<Partial<Data> & Record<string, unknown>> => (await open(one, cookie)).toObject();
  return { one, two, store, memory, open, request, start, read };
}

const items = (count: number, label = 'item'): string[] => Array.from({ length: count }, (_, i) => `${label}${i}`);

describe('ServerSessionInterface: concurrent changes of one key', () => {
  it('50 concurrent in-place pushes onto one list keep all 50 items, queued in one interface and across two', async () => {
    for (const spread of [1, 2]) {
      const { one, two, request, start, read, store } = setup();
      const cookie = await start({ cart: [] });
      await Promise.all(items(50).map((item, i) => request(i % spread === 0 ? one : two, cookie, (s) => void s.get('cart')!.push(item))));
      expect([...(await read(cookie)).cart!].sort()).toEqual(items(50).sort());
      if (spread === 1) expect(store.conflicts).toBe(0); // all queued: each built on the previous write
      else expect(store.conflicts).toBeGreaterThan(0);
    }
  });

  it('a save queued behind another that then conflicts with a third writer keeps every item once', async () => {
    const { one, two, store, open, start, read } = setup();
    const cookie = await start({ cart: ['old'] });
    const [a, b, c] = [await open(one, cookie), await open(one, cookie), await open(two, cookie)];
    a.get('cart')!.push('a');
    b.get('cart')!.push('b');
    c.get('cart')!.push('c');
    // Right after a's write, another process (interface two) writes c: b is queued behind a,
    // builds on a's write, then conflicts with c's and merges onto the reloaded record.
    store.afterNextUpdate(async () => void (await two.save(c)));
    await Promise.all([one.save(a), one.save(b)]);
    expect((await read(cookie)).cart).toEqual(['old', 'a', 'c', 'b']);
    expect(store.conflicts).toBe(2); // c against a's write, b against c's
  });

  it('a save queued behind an older write than the one it loaded still merges onto the newest record', async () => {
    const { one, two, store, open, start, read } = setup();
    const cookie = await start({ cart: [] });
    const a = await open(one, cookie);
    a.get('cart')!.push('a');
    let queued: Promise<unknown> | undefined;
    // Right after a's write: another process writes c, then b loads (a and c in it) and is queued
    // behind a, so the write it may build on (a's) is older than what it loaded.
    store.afterNextUpdate(async () => {
      const c = await open(two, cookie);
      c.get('cart')!.push('c');
      await two.save(c);
      const b = await open(one, cookie);
      b.get('cart')!.push('b');
      queued = one.save(b);
    });
    await one.save(a);
    await queued;
    expect((await read(cookie)).cart).toEqual(['a', 'c', 'b']);
  });

  it('an update() function that throws when re-run fails the save and writes nothing', async () => {
    const { one, two, open, start, read } = setup();
    const cookie = await start({ n: 1 });
    const mine = await open(one, cookie);
    mine.update('n', (n = 0) => {
      if (n > 1) throw new RangeError('too many');
      return n + 1;
    });
    const theirs = await open(two, cookie);
    theirs.set('n', 5);
    await two.save(theirs);
    await expect(one.save(mine)).rejects.toThrow(RangeError);
    expect((await read(cookie)).n).toBe(5);
  });

  it('50 concurrent update(n, n + 1) add 50, queued and across interfaces; a direct set after update wins', async () => {
    const { one, two, request, start, read } = setup();
    const cookie = await start({ n: 0 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => request(i % 2 ? one : two, cookie, (s) => s.update('n', (n = 0) => n + 1))));
    expect((await read(cookie)).n).toBe(50);

    const { one: first, two: second, store, open, start: startOther, read: readOther } = setup();
    const other = await startOther({ n: 0, page: 0 });
    const [setLater, setEarlier, incrementing] = [await open(first, other), await open(first, other), await open(second, other)];
    setLater.update('n', (n = 0) => n + 1);
    setLater.set('n', 100);
    incrementing.update('n', (n = 0) => n + 1);
    await second.save(incrementing);
    await first.save(setLater); // conflicts: its set is a plain changed value, mine wins
    expect((await readOther(other)).n).toBe(100);
    setEarlier.set('n', 10);
    setEarlier.update('n', (n = 0) => n + 1); // computed from the set value: 11, not re-run
    await first.save(setEarlier);
    expect((await readOther(other)).n).toBe(11);
    expect(store.conflicts).toBeGreaterThan(0);
  });

  it('re-runs update() after merging the other changed keys, and a key updated by fn is not merged', async () => {
    const conflicts: MergeConflict[] = [];
    const { one, two, open, start, read } = setup({ onMergeConflict: (c: MergeConflict) => conflicts.push(c) });
    const cookie = await start({ n: 1, cart: ['x'], user: 'ann' });
    const mine = await open(one, cookie);
    const theirs = await open(two, cookie);
    mine.update('n', (n = 0) => n * 10);
    mine.get('cart')!.push('mine');
    mine.update('cart', (cart = []) => cart); // the in-place push makes cart a merged key
    theirs.set('n', 5);
    theirs.get('cart')!.push('theirs');
    theirs.set('user', 'bob');
    await two.save(theirs);
    await one.save(mine);
    expect(await read(cookie)).toEqual({ _permanent: true, n: 50, cart: ['x', 'theirs', 'mine'], user: 'bob' });
    expect(conflicts).toEqual([]); // n was re-run, not merged
  });

  it('an update() function may change its argument in place: it always gets a copy of its own', async () => {
    const { one, two, request, start, read, store } = setup();
    const cookie = await start({ cart: [] });
    const push = (item: string) => (s: Session<Data>) => s.update('cart', (cart = []) => (cart.push(item), cart));
    await Promise.all(items(30).map((item, i) => request(i % 3 === 2 ? two : one, cookie, push(item))));
    expect([...(await read(cookie)).cart!].sort()).toEqual(items(30).sort());
    expect(store.conflicts).toBeGreaterThan(0);
  });

  it('a queued save that failed leaves nothing of its own behind for the save after it', async () => {
    const { one, store, open, start, read } = setup();
    const cookie = await start({ cart: [] });
    const sessions = [await open(one, cookie), await open(one, cookie), await open(one, cookie)];
    // The second one's function changes its argument in place, and its write then fails.
    sessions.forEach((s, i) => s.update('cart', (cart = []) => (cart.push(`save${i}`), cart)));
    store.afterNextUpdate(async () => void (store.failNextUpdate = true));
    const outcomes = await Promise.allSettled(sessions.map((s) => one.save(s)));
    // A save queued behind one that failed with a StoreError fails at once with that error.
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect((await read(cookie)).cart).toEqual(['save0']);
    // The next save builds on what is stored, with nothing of the failed one.
    const next = await open(one, cookie);
    next.update('cart', (cart = []) => (cart.push('save3'), cart));
    await one.save(next);
    expect((await read(cookie)).cart).toEqual(['save0', 'save3']);
  });

  it('a save queued behind others compares with what readers of the record see (msgpack stores a Tuple as a list)', async () => {
    const { one, store, open, start, read } = setup({ serializationFormat: 'msgpack' });
    const cookie = await start({ n: 0 });
    const [first, second] = [await open(one, cookie), await open(one, cookie)];
    first.flash('first');
    second.flash('second');
    let consumed: string[] = [];
    let consumerSaved: Promise<unknown> | undefined;
    // Right after the first flash is stored, a request loads it, consumes it, and queues its
    // save behind the second flash's, which builds on the first's write.
    store.afterNextUpdate(async () => {
      const consumer = await open(one, cookie);
      consumed = consumer.consumeFlashes().map((f) => f.message);
      consumerSaved = one.save(consumer);
    });
    await Promise.all([one.save(first), one.save(second)]);
    await consumerSaved;
    expect(consumed).toEqual(['first']);
    expect((await read(cookie))._flashes).toEqual([['message', 'second']]);
  });

  it('concurrent flashes all arrive, and a flash added while another request consumes survives, each shown once', async () => {
    const { one, two, open, request, start } = setup();
    const cookie = await start({ user: 'ann' });
    await Promise.all(items(20, 'flash').map((message, i) => request(i % 2 ? one : two, cookie, (s) => s.flash(message))));
    const consumer = await open(one, cookie);
    const shown = consumer.consumeFlashes().map((f) => f.message);
    expect([...shown].sort()).toEqual(items(20, 'flash').sort());
    // Flashed while the consumer had loaded the 20 old ones: the consumer saves last.
    await request(two, cookie, (s) => s.flash('late', 'warning'));
    await one.save(consumer);
    const next = await open(one, cookie);
    expect(next.consumeFlashes({})).toEqual([{ category: 'warning', message: 'late' }]);
    await one.save(next);
    expect((await open(two, cookie)).consumeFlashes()).toEqual([]);
  });

  it('merges concurrent adds and deletes inside one object', async () => {
    const { one, two, request, start, read } = setup();
    const cookie = await start({ prefs: Object.fromEntries(items(10, 'old').map((k) => [k, true])) });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(i % 2 ? one : two, cookie, (s) => {
          const prefs = s.get('prefs')!;
          if (i < 10) delete prefs[`old${i}`];
          else prefs[`new${i}`] = i;
        }),
      ),
    );
    expect((await read(cookie)).prefs).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`new${i + 10}`, i + 10])));
  });

  it('the later write wins where values cannot merge, reported to onMergeConflict once per stored save', async () => {
    const conflicts: MergeConflict[] = [];
    const { one, two, open, start, read } = setup({ onMergeConflict: (c: MergeConflict) => conflicts.push(c) });
    const cookie = await start({ page: 1 });
    const [a, b] = [await open(one, cookie), await open(two, cookie)];
    a.set('page', 2);
    b.set('page', 3);
    await two.save(b);
    await one.save(a);
    expect((await read(cookie)).page).toBe(2);
    expect(conflicts).toEqual([{ path: ['page'], reason: 'both-changed', base: 1, mine: 2, theirs: 3 }]);
  });

  it('a session destroyed while saves and updates race is never brought back', async () => {
    const { one, two, open, request, start, memory } = setup();
    const cookie = await start({ n: 0, cart: [] });
    const saves = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const iface = i % 2 ? one : two;
        const session = await open(iface, cookie);
        if (i % 2) session.update('n', (n = 0) => n + 1);
        else session.get('cart')!.push(`item${i}`);
        return () => iface.save(session);
      }),
    );
    // The destroy runs in the middle of the saves, which all loaded the session before it.
    await Promise.all([...saves.slice(0, 5).map((save) => save()), request(one, cookie, (s) => s.destroy()), ...saves.slice(5).map((save) => save())]);
    const id = cookie.slice(cookie.indexOf('=') + 1);
    expect(await memory.load(`session:${id}`)).toBeNull();
    expect((await open(one, cookie)).isNew).toBe(true);
  });

  it('onMergeConflict must be a function', () => {
    expect(() => new ServerSessionInterface({ store: new MemoryStore(), onMergeConflict: 'log' as never })).toThrow(ConfigError);
    expect(() => new ServerSessionInterface({ store: new MemoryStore(), onMergeConflict: 'log' as never })).toThrow(/option onMergeConflict is invalid: expected a function/);
  });

  it('cookie sessions run update(key, fn) once: each request carries its own copy', async () => {
    const iface = new CookieSessionInterface<Data>({ secret: 'dev-secret' });
    const first = iface.open(undefined);
    expect(first.update('n', (n = 0) => n + 1)).toBe(1);
    const header = (await iface.save(first)).setCookie[0]!;
    const second = iface.open(header.slice(0, header.indexOf(';')));
    expect(second.update('n', (n = 0) => n + 1)).toBe(2);
    expect(second.get('n')).toBe(2);
  });
});
