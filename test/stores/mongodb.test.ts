/**
 * MongoStore against a MongoDB server over TCP through the official driver: the server at
 * MONGODB_URL when set, else the wire-protocol peer of test/stores/py/mongo_peer.py.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Binary, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from '../../src/errors.js';
import { MongoStore } from '../../src/stores/mongodb/index.js';
import { describeStoreConformance } from './conformance.js';
import { WORKER_STORE_TIMEOUT_MS } from './support/session-requests.js';
import { startMongo, startMongoPeer, type MongoServer } from './support/mongo.js';
import { freePort } from './support/processes.js';
import { useStoreWithout } from './support/hidden-packages.js';
import { TIMEOUT_SLACK_MS } from './support/timing.js';

const HOUR = 3_600_000;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array): string => new TextDecoder().decode(value);
/** A raw document, as any writer may have stored it. */
type RawDocument = { _id: string } & Record<string, unknown>;

let server: MongoServer;
let shared: MongoClient;
/** A database of this run only, dropped at the end. */
const dbName = `sessionkit_test_${randomUUID().slice(0, 8)}`;
let collections = 0;
const nextCollection = (): string => `sessions_${++collections}`;

beforeAll(async () => {
  server = await startMongo();
  shared = new MongoClient(server.url, { serverSelectionTimeoutMS: 5000 });
  await shared.connect();
  const info = await shared.db('admin').command({ buildInfo: 1 });
  console.info(`MongoDB ${String(info.version)}${server.isPeer ? ` (wire-protocol peer: ${String(info.peer)})` : ''}`);
});
afterAll(async () => {
  await shared?.db(dbName).dropDatabase();
  await shared?.close();
  await server?.stop();
  if (server?.commands) console.info(`commands the driver sent to the peer: ${JSON.stringify(server.commands())}`);
});

/** The server's URL naming this run's database and `collection`, for `openStore` in worker processes. */
function mongoUrl(collection: string): string {
  const url = new URL(server.url);
  url.searchParams.set('db', dbName);
  url.searchParams.set('collection', collection);
  url.searchParams.set('timeoutMs', String(WORKER_STORE_TIMEOUT_MS));
  return url.href;
}

// Each suite has a collection of its own, shared by the stores of one test.
const fromUrlCollection = nextCollection();
describeStoreConformance(
  'MongoStore, client created from url',
  async ({ clock }) => {
    const store = new MongoStore({ url: server.url, db: dbName, collection: fromUrlCollection, clock });
    return { store, cleanup: () => store.close() };
  },
  { time: 'clock', childStore: () => ({ url: mongoUrl(fromUrlCollection) }) },
);

const passedInCollection = nextCollection();
describeStoreConformance(
  'MongoStore, MongoClient passed in',
  async ({ clock }) => {
    const store = new MongoStore({ client: shared, db: dbName, collection: passedInCollection, clock });
    return { store, cleanup: () => store.close() };
  },
  // The workers of the suite above already ran on this server.
  { time: 'clock', sessionWorkers: false },
);

describe('MongoStore on MongoDB', () => {
  it('creates the TTL index on expiresAt on first use, once, and stores the documented layout', async () => {
    const collection = nextCollection();
    const stores = [0, 1].map(() => new MongoStore({ client: shared, db: dbName, collection }));
    const key = `session:layout-${randomUUID()}`;
    const before = Date.now();
    const version = await stores[0]!.create(key, new Uint8Array([0, 1, 255]), HOUR);
    expect(await stores[1]!.load(key)).not.toBeNull();
    const indexes = await shared.db(dbName).collection(collection).indexes();
    const ttl = indexes.filter((index) => JSON.stringify(index.key) === JSON.stringify({ expiresAt: 1 }));
    expect(ttl).toHaveLength(1);
    expect(ttl[0]!.expireAfterSeconds).toBe(0);

    const raw = await shared.db(dbName).collection<RawDocument>(collection).findOne({ _id: key });
    expect(Object.keys(raw!).sort()).toEqual(['_id', 'expiresAt', 'value', 'version']);
    expect(raw!.value).toBeInstanceOf(Binary);
    expect(Array.from((raw!.value as Binary).buffer)).toEqual([0, 1, 255]);
    expect(raw!.version).toBe(version);
    expect(raw!.expiresAt).toBeInstanceOf(Date);
    expect((raw!.expiresAt as Date).getTime()).toBeGreaterThanOrEqual(before + HOUR);
  });

  it('treats an expired document the server has not removed yet as absent everywhere', async () => {
    const collection = nextCollection();
    let time = Date.now();
    const store = new MongoStore({ client: shared, db: dbName, collection, clock: () => time });
    const raw = shared.db(dbName).collection<RawDocument>(collection);
    const prefix = `session:stale-${randomUUID()}:`;
    const keys = ['load', 'update', 'touch', 'create', 'keys'].map((label) => prefix + label);
    // Ten minutes by the store's clock, which then moves past them: the server's TTL monitor,
    // on the real clock, cannot remove them during the test.
    const versions = await Promise.all(keys.map((key) => store.create(key, bytes('old'), 10 * 60_000)));
    time += 20 * 60_000;
    // Still stored: by the server's clock they have not expired.
    const stored = await raw.countDocuments({ _id: { $in: keys } });
    if (server.isPeer) expect(stored).toBe(keys.length);

    expect(await store.load(keys[0]!)).toBeNull();
    expect(await store.update(keys[1]!, bytes('new'), versions[1]!, HOUR)).toEqual({ ok: false, reason: 'missing' });
    expect(await store.touch(keys[2]!, HOUR)).toBe(false);
    const created = await store.create(keys[3]!, bytes('new'), HOUR);
    expect(created).not.toBeNull();
    expect(text((await store.load(keys[3]!))!.value)).toBe('new');
    const listed: string[] = [];
    for await (const key of store.keys(prefix)) listed.push(key);
    expect(listed).toEqual([keys[3]]);

    // A real server's TTL monitor may have removed some of them meanwhile.
    const swept = await store.sweep();
    if (server.isPeer) expect(swept).toBe(stored - 1);
    else expect(swept).toBeLessThanOrEqual(stored - 1);
    expect(await raw.countDocuments({ _id: { $in: keys } })).toBe(1);
  });

  it('pages through many keys with getMore', async () => {
    const store = new MongoStore({ client: shared, db: dbName, collection: nextCollection() });
    const prefix = `session:many-${randomUUID()}:`;
    const keys = Array.from({ length: 1200 }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 100) {
      await Promise.all(keys.slice(i, i + 100).map((key) => store.create(key, bytes('x'), HOUR)));
    }
    await store.create(`${prefix.slice(0, -1)}-other`, bytes('x'), HOUR);
    const listed: string[] = [];
    for await (const key of store.keys(prefix)) listed.push(key);
    expect(listed).toEqual(keys);
  });

  it('does not mistake a document written by something else for a session', async () => {
    const collection = nextCollection();
    const store = new MongoStore({ client: shared, db: dbName, collection });
    const key = `session:foreign-${randomUUID()}`;
    await shared
      .db(dbName)
      .collection<RawDocument>(collection)
      .insertOne({ _id: key, val: 'pickled', expiresAt: new Date(Date.now() + HOUR) });
    await expect(store.load(key)).rejects.toBeInstanceOf(StoreError);
    expect(await store.create(key, bytes('x'), HOUR)).toBeNull();
  });

  it('explains a TTL index it cannot create, and works with createIndex: false', async () => {
    const collection = nextCollection();
    await shared.db(dbName).collection(collection).createIndex({ expiresAt: 1 }); // no TTL
    const store = new MongoStore({ client: shared, db: dbName, collection });
    const error = await store.load('session:x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/TTL index/);
    const unmanaged = new MongoStore({ client: shared, db: dbName, collection, createIndex: false });
    expect(await unmanaged.create('session:x', bytes('x'), HOUR)).not.toBeNull();
  });

  it('never closes a client passed in, and refuses calls once closed', async () => {
    const store = new MongoStore({ client: shared, db: dbName, collection: nextCollection() });
    await store.create('session:own', bytes('x'), HOUR);
    await store.close();
    await expect(store.load('session:own')).rejects.toBeInstanceOf(StoreError);
    expect(await shared.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
  });

  it('checks its options', () => {
    expect(() => new MongoStore({ client: shared, url: server.url })).toThrow(ConfigError);
    expect(() => new MongoStore({ db: 'a.b' })).toThrow(ConfigError);
    expect(() => new MongoStore({ collection: '' })).toThrow(ConfigError);
    expect(() => new MongoStore({ timeoutMs: -1 })).toThrow(ConfigError);
    expect(() => new MongoStore({ collections: 'sessions' } as never)).toThrow(/option collections is invalid: unknown option of MongoStore/);
  });
});

describe.runIf(!process.env.MONGODB_URL)('MongoStore against the peer only', () => {
  it('has expired documents removed by the TTL index (peer monitor every second)', async () => {
    const peer = await startMongoPeer(1);
    const store = new MongoStore({ url: peer.url, db: 'ttl', collection: 'sessions' });
    const client = new MongoClient(peer.url);
    try {
      await store.create('session:ttl', bytes('x'), 200);
      await store.create('session:kept', bytes('x'), HOUR);
      const raw = client.db('ttl').collection('sessions');
      expect(await raw.countDocuments({})).toBe(2);
      const deadline = Date.now() + 5000;
      while ((await raw.countDocuments({})) > 1 && Date.now() < deadline) await sleep(100);
      expect(await raw.countDocuments({})).toBe(1);
      expect(await store.load('session:kept')).not.toBeNull();
    } finally {
      await client.close();
      await store.close();
      await peer.stop();
    }
  });

  it('fails with StoreError within timeoutMs when the server hangs, and recovers after', async () => {
    const peer = await startMongoPeer();
    const timeoutMs = 500;
    const store = new MongoStore({ url: peer.url, db: 'hang', timeoutMs });
    try {
      const version = (await store.create('session:hang', bytes('before'), HOUR))!;
      await peer.pause!();
      for (const call of [
        () => store.load('session:hang'),
        () => store.update('session:hang', bytes('during'), version, HOUR),
        () => store.touch('session:hang', HOUR),
        () => store.create('session:other', bytes('x'), HOUR),
      ]) {
        const started = Date.now();
        await expect(call()).rejects.toBeInstanceOf(StoreError);
        expect(Date.now() - started).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
      }
      await peer.resume!();
      let loaded = null;
      for (let i = 0; i < 40 && loaded === null; i++) {
        loaded = await store.load('session:hang').catch(() => null);
        if (loaded === null) await sleep(100);
      }
      expect(['before', 'during']).toContain(text(loaded!.value));
    } finally {
      await peer.resume!();
      await store.close();
      await peer.stop();
    }
  });

  it('fails with StoreError when the server goes away mid-run', async () => {
    const peer = await startMongoPeer();
    const timeoutMs = 800;
    const store = new MongoStore({ url: peer.url, db: 'gone', timeoutMs });
    try {
      await store.create('session:gone', bytes('x'), HOUR);
      await peer.stop();
      const started = Date.now();
      await expect(store.load('session:gone')).rejects.toBeInstanceOf(StoreError);
      expect(Date.now() - started).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
    } finally {
      await store.close();
    }
  });
});

describe('MongoStore during outages', () => {
  it('fails with StoreError within timeoutMs when nothing listens', async () => {
    const port = await freePort();
    const timeoutMs = 600;
    const store = new MongoStore({ url: `mongodb://127.0.0.1:${port}/`, timeoutMs });
    try {
      for (const call of [
        () => store.load('session:x'),
        () => store.create('session:x', bytes('x'), HOUR),
        () => store.update('session:x', bytes('x'), 'v', HOUR),
        () => store.touch('session:x', HOUR),
        () => store.destroy('session:x'),
        () => store.sweep(),
      ]) {
        const started = Date.now();
        await expect(call()).rejects.toBeInstanceOf(StoreError);
        expect(Date.now() - started).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
      }
    } finally {
      await store.close();
    }
  });
});

describe('MongoStore without mongodb installed', () => {
  it('loads, and names the package to install when used', async () => {
    const report = await useStoreWithout('mongodb', ['mongodb']);
    expect(report.moduleLoaded).toBe(true);
    expect(report.error).toMatchObject({ name: 'DriverMissingError', installCommand: 'npm install mongodb@6', isStoreError: true });
  });
});
