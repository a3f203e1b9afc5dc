/**
 * The conformance suite of the `Store` contract (src/stores/store.ts). Every store runs it
 * against its real backend; a custom store can run it too:
 *
 *   describeStoreConformance('my store', async ({ clock }) => ({ store: new MyStore({ clock }), cleanup: async () => {} }), {
 *     time: 'clock',
 *     childStore: () => ({ module: 'src/my-store.ts', export: 'openMyStore', args: [MY_URL] }),
 *   });
 *
 * `makeStore` is called before every test, and again within a test for more instances on the
 * same backend; keys carry a random prefix per run, so stores that share a server (Redis) do
 * not see each other's data.
 *
 * The suite also runs one session under many concurrent requests through
 * `ServerSessionInterface` (session-concurrency.ts): in this process, and spread over worker
 * processes that open a store on the same backend as `childStore` says.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import type { FlaskSessionFormat } from '../../src/index.js';
import type { Store } from '../../src/stores/store.js';
import { describeSessionConcurrency } from './session-concurrency.js';
import type { ChildStore } from './support/session-requests.js';

/** What `makeStore` returns: a store, and how to release it (and its data) after the test. */
export interface StoreUnderTest {
  store: Store;
  cleanup(): Promise<void>;
}

/** What `makeStore` gets; every call within one test gets the same. */
export interface StoreContext {
  /**
   * The current time for the store's `clock` option. With `time: 'clock'` it stands still
   * and the suite moves it forward to let TTLs pass; otherwise it is `Date.now`.
   */
  clock: () => number;
}

const HOUR = 3_600_000;
/** Short TTL of the expiry tests. */
const DEFAULT_SHORT_TTL = 300;
/** With real time: how often to look whether a short-lived record is gone yet. */
const EXPIRY_POLL_MS = 25;
/** With real time: how long past its TTL a backend may keep a record before the suite gives up. */
const EXPIRY_LIMIT_MS = 15_000;
/** Concurrent creates of one key in the race test, spread over the store instances. */
const RACING_CREATES = 30;
/** Store instances in the race test, when instances share a backend. */
const RACING_INSTANCES = 3;
/** Size of the large value, for backends without a limit of their own. */
const LARGE_VALUE_BYTES = 100 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
const parse = (bytes: Uint8Array): Record<string, unknown> => JSON.parse(decoder.decode(bytes)) as Record<string, unknown>;
const text = (value: string): Uint8Array => encoder.encode(value);

/** Options of `describeStoreConformance`. */
export interface ConformanceOptions {
  /**
   * Prefix of every key the suite writes, for backends shared with other tests (clean up by
   * deleting the keys under it). Default: `session:conformance-<random>-`.
   */
  keyPrefix?: string;
  /**
   * How time passes in the expiry tests. `'clock'`: the store computes and checks expiry with
   * the `clock` of `makeStore`'s context, and the suite moves that clock forward (nothing waits).
   * `'real'` (default): the backend expires records by its own clock (Redis `PX`, memcached
   * `exptime`), so the suite waits until a record written last with the same TTL is gone.
   */
  time?: 'clock' | 'real';
  /** TTL of the expiry tests, for backends whose expiry counts whole seconds (memcached's own). Default: 300 ms. */
  shortTtlMs?: number;
  /**
   * Whether two stores from `makeStore` in one test share their records. `false` for in-process
   * stores (`MemoryStore`): the race between instances then runs on one instance. Default `true`.
   */
  sharedBetweenInstances?: boolean;
  /**
   * `false` for a backend that cannot report an expiry (memcached holding Flask-Session's bare
   * values): `load` must then report the record as due for a refresh (`expiresAt` ≤ now), so
   * the interface extends it rather than trusting a guess. Default `true`: exact expiries.
   */
  reportsExpiry?: boolean;
  /**
   * The largest value the backend holds, for a layout with a size limit of its own (Flask-Session's
   * 64 KiB `BLOB` on MySQL): the large-value test then writes this many bytes, and checks that
   * one byte more fails with `StoreError` and changes nothing. Default: no limit (100 KiB values).
   */
  maxValueBytes?: number;
  /**
   * How another process opens a store on the same backend (a URL for `openStore`, or a module
   * and factory), called within the test: the multi-process session test runs its workers on
   * it. Required unless `sharedBetweenInstances` or `sessionWorkers` is `false`.
   */
  childStore?: () => ChildStore;
  /**
   * `false` when another suite already runs the multi-process session test on the same backend
   * and layout with the same workers (a second client library, or a pool passed in, for one
   * server): the workers would repeat it, at the cost of four more processes. Default `true`.
   */
  sessionWorkers?: boolean;
  /**
   * Record format of the session tests' interfaces: a Flask-Session format for a store in the
   * Flask-Session layout, so the records are what Flask-Session writes. Default: sessionkit's.
   */
  sessionFormat?: FlaskSessionFormat;
}

/** Registers the contract tests for one store under `describe(name)`. */
export function describeStoreConformance(
  name: string,
  makeStore: (context: StoreContext) => Promise<StoreUnderTest>,
  options: ConformanceOptions = {},
): void {
  describe(`${name}: Store contract`, () => {
    const base = options.keyPrefix ?? `session:conformance-${randomUUID().slice(0, 8)}-`;
    const SHORT_TTL = options.shortTtlMs ?? DEFAULT_SHORT_TTL;
    const byClock = options.time === 'clock';
    const reportsExpiry = options.reportsExpiry ?? true;
    const sharedBetweenInstances = options.sharedBetweenInstances ?? true;
    /** Checks a loaded record's expiry: within [from, to], or "due now" when it is unknown. */
    const expectExpiry = (expiresAt: number, from: number, to: number): void => {
      if (reportsExpiry) {
        expect(expiresAt).toBeGreaterThanOrEqual(from);
        expect(expiresAt).toBeLessThanOrEqual(to);
      } else {
        expect(expiresAt).toBeLessThanOrEqual(now());
      }
    };
    let counter = 0;
    /** A fresh key, prefixed like real session keys and unique to this run. */
    const key = (label: string): string => `${base}${++counter}-${label}`;
    let subject: StoreUnderTest;
    let store: Store;
    let context: StoreContext;
    /** With `time: 'clock'`, how far the test moved the clock. */
    let moved = 0;
    /** The store's current time. */
    const now = (): number => context.clock();

    /** Lets the short TTL of every record written so far pass. */
    const letShortTtlPass = async (): Promise<void> => {
      if (byClock) {
        moved += SHORT_TTL + 1;
        return;
      }
      // A record written last, with the same TTL, expires last: once it is gone, so are the others.
      const sentinel = key('sentinel');
      expect(await store.create(sentinel, text('sentinel'), SHORT_TTL)).not.toBeNull();
      const giveUp = Date.now() + SHORT_TTL + EXPIRY_LIMIT_MS;
      while ((await store.load(sentinel)) !== null) {
        if (Date.now() > giveUp) throw new Error(`a record with a ${SHORT_TTL} ms TTL was still there ${EXPIRY_LIMIT_MS} ms after it`);
        await sleep(EXPIRY_POLL_MS);
      }
    };

    beforeEach(async () => {
      moved = 0;
      const start = Date.now();
      context = { clock: byClock ? () => start + moved : Date.now };
      subject = await makeStore(context);
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('has a name', () => {
      expect(typeof store.name).toBe('string');
      expect(store.name.length).toBeGreaterThan(0);
    });

    it('is ready when its backend is, again at every call of ready(), and serves calls after it', async () => {
      if (!store.ready) return; // optional in the contract
      await store.ready();
      await store.ready();
      const k = key('ready');
      expect(await store.create(k, text('x'), HOUR)).not.toBeNull();
      expect(decoder.decode((await store.load(k))!.value)).toBe('x');
    });

    it('loads an absent key as null', async () => {
      expect(await store.load(key('absent'))).toBeNull();
    });

    it('creates, loads, updates and destroys a record', async () => {
      const k = key('crud');
      const before = now();
      const v1 = await store.create(k, text('one'), HOUR);
      const after = now();
      expect(typeof v1).toBe('string');

      const loaded = await store.load(k);
      expect(loaded).not.toBeNull();
      expect(decoder.decode(loaded!.value)).toBe('one');
      expect(loaded!.version).toBe(v1);
      expectExpiry(loaded!.expiresAt, before + HOUR - 1000, after + HOUR + 1000);

      const updated = await store.update(k, text('two'), v1!, HOUR);
      expect(updated.ok).toBe(true);
      const v2 = updated.ok ? updated.version : '';
      expect(v2).not.toBe(v1);
      const reloaded = await store.load(k);
      expect(decoder.decode(reloaded!.value)).toBe('two');
      expect(reloaded!.version).toBe(v2);

      await store.destroy(k);
      expect(await store.load(k)).toBeNull();
    });

    it('never lets create overwrite a live record', async () => {
      const k = key('collide');
      const v1 = await store.create(k, text('first'), HOUR);
      expect(v1).not.toBeNull();
      expect(await store.create(k, text('second'), HOUR)).toBeNull();
      const loaded = await store.load(k);
      expect(decoder.decode(loaded!.value)).toBe('first');
      expect(loaded!.version).toBe(v1);
    });

    it('reports a conflict for a stale version and keeps the newer value', async () => {
      const k = key('stale');
      const v1 = (await store.create(k, text('a'), HOUR))!;
      const first = await store.update(k, text('b'), v1, HOUR);
      expect(first.ok).toBe(true);
      const stale = await store.update(k, text('c'), v1, HOUR);
      expect(stale).toEqual({ ok: false, reason: 'conflict' });
      const bogus = await store.update(k, text('d'), 'not-a-version', HOUR);
      expect(bogus).toEqual({ ok: false, reason: 'conflict' });
      const loaded = await store.load(k);
      expect(decoder.decode(loaded!.value)).toBe('b');
      expect(loaded!.version).toBe(first.ok ? first.version : '');
    });

    it('reports missing when updating a destroyed or never created record, and never recreates it', async () => {
      const k = key('destroyed');
      const v1 = (await store.create(k, text('a'), HOUR))!;
      await store.destroy(k);
      expect(await store.update(k, text('b'), v1, HOUR)).toEqual({ ok: false, reason: 'missing' });
      expect(await store.load(k)).toBeNull();
      expect(await store.touch(k, HOUR)).toBe(false);
      expect(await store.load(k)).toBeNull();

      const never = key('never');
      expect(await store.update(never, text('b'), v1, HOUR)).toEqual({ ok: false, reason: 'missing' });
      expect(await store.load(never)).toBeNull();
    });

    it('destroys idempotently', async () => {
      const k = key('destroy-twice');
      await store.destroy(k);
      await store.create(k, text('a'), HOUR);
      await store.destroy(k);
      await store.destroy(k);
      expect(await store.load(k)).toBeNull();
      // The key is free again.
      expect(await store.create(k, text('b'), HOUR)).not.toBeNull();
    });

    it('touch extends the expiry without changing version or value', async () => {
      const k = key('touch');
      const v1 = (await store.create(k, text('keep'), 60_000))!;
      const before = await store.load(k);
      const touched = await store.touch(k, HOUR);
      expect(touched).toBe(true);
      const after = await store.load(k);
      expect(after!.version).toBe(v1);
      expect(decoder.decode(after!.value)).toBe('keep');
      if (reportsExpiry) expect(after!.expiresAt).toBeGreaterThan(before!.expiresAt + HOUR / 2);
      else expectExpiry(after!.expiresAt, 0, 0);
      // The version from before the touch still updates.
      expect((await store.update(k, text('next'), v1, HOUR)).ok).toBe(true);
      expect(await store.touch(key('touch-absent'), HOUR)).toBe(false);
    });

    it('treats expired records as absent for load, update, touch and create', async () => {
      const forLoad = key('exp-load');
      const forUpdate = key('exp-update');
      const forTouch = key('exp-touch');
      const forCreate = key('exp-create');
      const versions = await Promise.all(
        [forLoad, forUpdate, forTouch, forCreate].map((k) => store.create(k, text('old'), SHORT_TTL)),
      );
      expect(versions.every((v) => typeof v === 'string')).toBe(true);
      await letShortTtlPass();

      expect(await store.load(forLoad)).toBeNull();
      expect(await store.update(forUpdate, text('new'), versions[1]!, HOUR)).toEqual({ ok: false, reason: 'missing' });
      expect(await store.load(forUpdate)).toBeNull();
      expect(await store.touch(forTouch, HOUR)).toBe(false);
      expect(await store.load(forTouch)).toBeNull();

      const replaced = await store.create(forCreate, text('new'), HOUR);
      expect(replaced).not.toBeNull();
      expect(replaced).not.toBe(versions[3]);
      const loaded = await store.load(forCreate);
      expect(decoder.decode(loaded!.value)).toBe('new');
      expect(loaded!.version).toBe(replaced);
    });

    it('touch and update reset the expiry from now', async () => {
      const touched = key('keep-touched');
      const updated = key('keep-updated');
      const shortened = key('shortened');
      // Each record is extended right after its create, well within its short TTL.
      await store.create(touched, text('t'), SHORT_TTL);
      expect(await store.touch(touched, HOUR)).toBe(true);
      const vu = (await store.create(updated, text('u'), SHORT_TTL))!;
      expect((await store.update(updated, text('u2'), vu, HOUR)).ok).toBe(true);
      const vs = (await store.create(shortened, text('s'), HOUR))!;
      expect((await store.update(shortened, text('s2'), vs, SHORT_TTL)).ok).toBe(true);
      await letShortTtlPass();
      expect(decoder.decode((await store.load(touched))!.value)).toBe('t');
      expect(decoder.decode((await store.load(updated))!.value)).toBe('u2');
      expect(await store.load(shortened)).toBeNull();
    });

    it('never reuses a version for a key, across destroy and re-create', async () => {
      const k = key('versions');
      const seen = new Set<string>();
      const remember = (version: string | null | undefined): string => {
        expect(typeof version).toBe('string');
        expect(seen.has(version!)).toBe(false);
        seen.add(version!);
        return version!;
      };
      for (let round = 0; round < 3; round++) {
        let version = remember(await store.create(k, text(`r${round}`), HOUR));
        for (let i = 0; i < 4; i++) {
          const result = await store.update(k, text(`r${round}-${i}`), version, HOUR);
          version = remember(result.ok ? result.version : null);
        }
        expect(await store.touch(k, HOUR)).toBe(true);
        expect((await store.load(k))!.version).toBe(version);
        await store.destroy(k);
      }
      // Re-created over an expired record.
      remember(await store.create(k, text('short'), SHORT_TTL));
      await letShortTtlPass();
      remember(await store.create(k, text('again'), HOUR));
      expect(seen.size).toBe(3 * 5 + 2);
    });

    it('stores every byte value and large values unchanged', async () => {
      const k = key('binary');
      const allBytes = new Uint8Array(512).map((_, i) => i % 256);
      const v1 = (await store.create(k, allBytes, HOUR))!;
      const loaded = await store.load(k);
      expect(loaded!.value).toBeInstanceOf(Uint8Array);
      expect(Array.from(loaded!.value)).toEqual(Array.from(allBytes));

      const large = new Uint8Array(randomBytes(Math.min(LARGE_VALUE_BYTES, options.maxValueBytes ?? LARGE_VALUE_BYTES)));
      const result = await store.update(k, large, v1, HOUR);
      expect(result.ok).toBe(true);
      const reloaded = await store.load(k);
      expect(reloaded!.value.byteLength).toBe(large.byteLength);
      expect(Buffer.compare(Buffer.from(reloaded!.value), Buffer.from(large))).toBe(0);
      if (options.maxValueBytes !== undefined) {
        const tooLarge = new Uint8Array(options.maxValueBytes + 1);
        await expect(store.update(k, tooLarge, reloaded!.version, HOUR)).rejects.toBeInstanceOf(StoreError);
        await expect(store.create(key('too-large'), tooLarge, HOUR)).rejects.toBeInstanceOf(StoreError);
        expect(Buffer.compare(Buffer.from((await store.load(k))!.value), Buffer.from(large))).toBe(0);
      }

      const empty = key('empty');
      await store.create(empty, new Uint8Array(0), HOUR);
      expect((await store.load(empty))!.value.byteLength).toBe(0);
    });

    it('keeps its own copy of values', async () => {
      const k = key('copy');
      const value = text('original');
      await store.create(k, value, HOUR);
      value.fill(0);
      const loaded = await store.load(k);
      expect(decoder.decode(loaded!.value)).toBe('original');
      loaded!.value.fill(0);
      expect(decoder.decode((await store.load(k))!.value)).toBe('original');
    });

    it('loses no update when 50 writers read-modify-write one record concurrently', async () => {
      const k = key('contended');
      await store.create(k, json({}), HOUR);
      const writers = 50;
      const writer = async (id: number): Promise<void> => {
        for (let attempt = 0; attempt < 10_000; attempt++) {
          const record = await store.load(k);
          if (!record) throw new Error('record vanished');
          const data = parse(record.value);
          data[`writer${id}`] = attempt;
          const result = await store.update(k, json(data), record.version, HOUR);
          if (result.ok) return;
          if (result.reason === 'missing') throw new Error('record reported missing');
        }
        throw new Error(`writer ${id} never got through`);
      };
      await Promise.all(Array.from({ length: writers }, (_, id) => writer(id)));
      const final = parse((await store.load(k))!.value);
      expect(Object.keys(final).sort()).toEqual(Array.from({ length: writers }, (_, id) => `writer${id}`).sort());
    });

    it('lets exactly one of many concurrent creates of a key win, across store instances, also over an expired record', async () => {
      const others = sharedBetweenInstances
        ? await Promise.all(Array.from({ length: RACING_INSTANCES - 1 }, () => makeStore(context)))
        : [];
      try {
        const stores = [store, ...others.map((other) => other.store)];
        // Every instance connects first, so that the race is between the creates.
        for (const instance of stores) expect(await instance.load(key('warm-up'))).toBeNull();
        const raceAll = (k: string, label: string): Promise<(string | null)[]> =>
          Promise.all(Array.from({ length: RACING_CREATES }, (_, i) => stores[i % stores.length]!.create(k, text(`${label}${i}`), HOUR)));

        const contended = key('create-race');
        const results = await raceAll(contended, 'w');
        const winners = results.filter((result) => result !== null);
        expect(winners).toHaveLength(1);
        expect((await stores[0]!.load(contended))!.version).toBe(winners[0]);

        const expiring = key('create-race-expired');
        expect(await stores[0]!.create(expiring, text('old'), SHORT_TTL)).not.toBeNull();
        await letShortTtlPass();
        const again = await raceAll(expiring, 'n');
        const newWinners = again.filter((result) => result !== null);
        expect(newWinners).toHaveLength(1);
        const loaded = await stores[1 % stores.length]!.load(expiring);
        expect(loaded!.version).toBe(newWinners[0]);
        expect(decoder.decode(loaded!.value)).toBe(`n${again.indexOf(newWinners[0]!)}`);
      } finally {
        for (const other of others) await other.cleanup();
      }
    });

    it('keeps a destroyed record gone when an update races the destroy', async () => {
      for (let round = 0; round < 20; round++) {
        const k = key(`race-${round}`);
        const version = (await store.create(k, json({ round }), HOUR))!;
        const [, result] = await Promise.all([store.destroy(k), store.update(k, json({ late: true }), version, HOUR)]);
        // Whichever ran first, the destroy wins in the end.
        expect(await store.load(k)).toBeNull();
        if (result.ok) {
          expect(await store.update(k, json({ later: true }), result.version, HOUR)).toEqual({
            ok: false,
            reason: 'missing',
          });
        } else {
          expect(result.reason).toBe('missing');
        }
        expect(await store.touch(k, HOUR)).toBe(false);
        expect(await store.load(k)).toBeNull();
      }
    });

    const withWorkers = sharedBetweenInstances && (options.sessionWorkers ?? true);
    const childStore = options.childStore;
    if (withWorkers && !childStore) throw new Error(`${name}: give childStore, so that worker processes can reach the same backend`);
    describeSessionConcurrency({
      store: () => store,
      clock: now,
      freshPrefix: (label) => `${base}${++counter}-${label}:`,
      sessionFormat: options.sessionFormat,
      childStore: withWorkers ? childStore : undefined,
    });

    it('lists live keys under a prefix', async (ctx) => {
      if (!store.keys) ctx.skip();
      const group = `${base}${++counter}`;
      const prefix = `${group}:a*[?]:`;
      const live = [`${prefix}1`, `${prefix}2`, `${prefix}3 with spaces/and/slashes`];
      for (const k of live) await store.create(k, text('x'), HOUR);
      await store.create(`${group}:ab[?]:1`, text('x'), HOUR); // would match if * were a glob
      await store.create(`${group}:other:1`, text('x'), HOUR);
      await store.create(`${prefix}destroyed`, text('x'), HOUR);
      await store.destroy(`${prefix}destroyed`);
      await store.create(`${prefix}expired`, text('x'), SHORT_TTL);
      await letShortTtlPass();

      const listed: string[] = [];
      for await (const k of store.keys!(prefix)) listed.push(k);
      expect(listed.sort()).toEqual(live.sort());
    });

    it('sweeps expired records and keeps live ones', async (ctx) => {
      if (!store.sweep) ctx.skip();
      const expired = [key('sweep-a'), key('sweep-b')];
      const live = key('sweep-live');
      for (const k of expired) await store.create(k, text('x'), SHORT_TTL);
      await store.create(live, text('y'), HOUR);
      await letShortTtlPass();
      expect(await store.sweep!()).toBeGreaterThanOrEqual(expired.length);
      for (const k of expired) expect(await store.load(k)).toBeNull();
      expect(decoder.decode((await store.load(live))!.value)).toBe('y');
      expect(await store.sweep!()).toBe(0);
    });
  });
}
