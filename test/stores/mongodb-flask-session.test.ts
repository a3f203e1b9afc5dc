/**
 * MongoStore in the Flask-Session layout, against the server at MONGODB_URL or the wire-protocol
 * peer (test/stores/py/mongo_peer.py): the conformance suite, Flask-Session's indexes, and the
 * documents real Flask-Session 0.8 wrote and read (test/fixtures/flask-session-backends/
 * mongodb.json: the exact BSON pymongo sent, see support/flask-session-vectors.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { BSON, MongoClient, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from '../../src/errors.js';
import { ServerSessionInterface } from '../../src/index.js';
import { MongoStore } from '../../src/stores/mongodb/index.js';
import { describeStoreConformance } from './conformance.js';
import {
  interfaceVectors,
  readVectorFile,
  requestTime,
  reverseTime,
  sessionReadBack,
  storedStates,
  type BsonElement,
  type ForwardVector,
  type StoredState,
} from './support/flask-session-vectors.js';
import { startMongo, type MongoServer } from './support/mongo.js';

const HOUR = 3_600_000;
const file = readVectorFile('mongodb.json');
const sha1 = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex');
let server: MongoServer;
let shared: MongoClient;
/** A database of this run only, dropped at the end. */
const dbName = `sessionkit_flask_${randomUUID().slice(0, 8)}`;
let collections = 0;
const nextCollection = (): string => `sessions_${++collections}`;

beforeAll(async () => {
  server = await startMongo();
  shared = new MongoClient(server.url, { serverSelectionTimeoutMS: 5000 });
  await shared.connect();
});
afterAll(async () => {
  await shared?.db(dbName).dropDatabase();
  await shared?.close();
  await server?.stop();
});

/** The top-level elements of a BSON document, described as the vectors describe them. */
function bsonElements(bytes: Buffer): BsonElement[] {
  const elements: BsonElement[] = [];
  let offset = 4;
  while (bytes[offset] !== 0) {
    const type = bytes[offset++]!;
    const end = bytes.indexOf(0, offset);
    const element: BsonElement = { name: bytes.toString('utf8', offset, end), type_code: `0x${type.toString(16).padStart(2, '0')}` };
    offset = end + 1;
    if (type === 0x02) {
      const length = bytes.readInt32LE(offset);
      element.value = bytes.toString('utf8', offset + 4, offset + 3 + length);
      offset += 4 + length;
    } else if (type === 0x05) {
      element.binary_subtype = `0x${bytes[offset + 4]!.toString(16).padStart(2, '0')}`;
      offset += 5 + bytes.readInt32LE(offset);
    } else if (type === 0x07) {
      element.value = bytes.toString('hex', offset, offset + 12);
      offset += 12;
    } else if (type === 0x09) {
      element.int64_ms = Number(bytes.readBigInt64LE(offset));
      offset += 8;
    } else {
      throw new Error(`unexpected BSON type ${element.type_code} in ${element.name}`);
    }
    elements.push(element);
  }
  return elements;
}

/** What the vectors and the walker both describe of an element (an ObjectId's value is the server's own). */
const comparable = ({ name, type_code, binary_subtype, int64_ms, value }: BsonElement): BsonElement => ({
  name,
  type_code,
  ...(binary_subtype === undefined ? {} : { binary_subtype }),
  ...(int64_ms === undefined ? {} : { int64_ms }),
  ...(value === undefined || type_code === '0x07' ? {} : { value }),
});

/** The states of a vector that wrote a document (with its exact BSON). */
const writes = (vector: ForwardVector): StoredState[] => storedStates(vector).filter((state) => state.request.storage_after.document_bson_b64);
/** The document Flask-Session's last write of a vector left, decoded from its exact BSON. */
const lastWrittenDocument = (vector: ForwardVector): { state: StoredState; document: Document } | undefined => {
  const state = writes(vector).at(-1);
  return state && { state, document: BSON.deserialize(Buffer.from(state.request.storage_after.document_bson_b64!, 'base64')) };
};

const conformanceCollection = nextCollection();
describeStoreConformance(
  'MongoStore, Flask-Session layout',
  async ({ clock }) => {
    const store = new MongoStore({ client: shared, db: dbName, collection: conformanceCollection, layout: 'flask-session', clock });
    return { store, cleanup: () => store.close() };
  },
  // The multi-process session test runs on this backend in the sessionkit layout.
  { time: 'clock', sessionWorkers: false, sessionFormat: 'msgpack' },
);

describe('MongoStore, Flask-Session layout', () => {
  it('takes sessionkit or flask-session as layout, and refuses anything else with ConfigError', () => {
    expect(() => new MongoStore({ client: shared, layout: 'flask' as never })).toThrow(ConfigError);
    expect(() => new MongoStore({ client: shared, layout: 'Flask-Session' as never })).toThrow(/option layout is invalid/);
  });

  it("uses Flask-Session's default database and collection", async () => {
    const store = new MongoStore({ client: shared, layout: 'flask-session', createIndex: false });
    const key = `session:defaults-${randomUUID()}`;
    try {
      await store.create(key, new Uint8Array([1]), HOUR);
      const config = file.vectors[0]!.flask_config;
      expect(await shared.db(config.SESSION_MONGODB_DB).collection(config.SESSION_MONGODB_COLLECT!).countDocuments({ id: key })).toBe(1);
    } finally {
      await store.destroy(key);
      await store.close();
    }
  });

  it("creates Flask-Session's TTL index as Flask-Session does, and a unique index on id; works where Flask-Session created its index first", async () => {
    const collection = nextCollection();
    // Flask-Session's own create_index('expiration', expireAfterSeconds=0), first.
    await shared.db(dbName).collection(collection).createIndex({ expiration: 1 }, { expireAfterSeconds: 0 });
    const store = new MongoStore({ client: shared, db: dbName, collection, layout: 'flask-session' });
    try {
      expect(await store.create('session:indexed', new Uint8Array([1]), HOUR)).not.toBeNull();
      const indexes = await shared.db(dbName).collection(collection).indexes();
      const byName = (name: string) => indexes.find((index) => index.name === name);
      const recorded = file.indexes_created!.msgpack!.index_documents;
      expect(recorded).toHaveLength(1);
      expect({ name: byName('expiration_1')?.name, key: byName('expiration_1')?.key, expireAfterSeconds: byName('expiration_1')?.expireAfterSeconds }).toEqual({
        name: recorded[0]!.name,
        key: recorded[0]!.key,
        expireAfterSeconds: recorded[0]!.expireAfterSeconds,
      });
      expect(byName('id_1')).toMatchObject({ key: { id: 1 }, unique: true });
      await expect(shared.db(dbName).collection(collection).insertOne({ id: 'session:indexed' })).rejects.toMatchObject({ code: 11000 });
    } finally {
      await store.close();
    }
  });

  it('explains why it cannot create the unique index over two documents of one id, and works with createIndex: false', async () => {
    const collection = nextCollection();
    const raw = shared.db(dbName).collection(collection);
    const expiration = new Date(Date.now() + HOUR);
    await raw.insertMany([
      { id: 'session:twice', val: Buffer.from([1]), expiration },
      { id: 'session:twice', val: Buffer.from([2]), expiration },
    ]);
    const store = new MongoStore({ client: shared, db: dbName, collection, layout: 'flask-session' });
    const error = await store.load('session:twice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/\{ id: 1 \} \(unique\).*two documents share an id/);
    const unmanaged = new MongoStore({ client: shared, db: dbName, collection, layout: 'flask-session', createIndex: false });
    expect(await unmanaged.load('session:twice')).not.toBeNull();
    await unmanaged.destroy('session:twice');
    expect(await raw.countDocuments({ id: 'session:twice' })).toBe(0);
  });

  it("treats a document Flask-Session cannot read (val neither binary nor text) as no session, and takes it over", async () => {
    const collection = nextCollection();
    await shared.db(dbName).collection(collection).insertOne({ id: 'session:odd', val: 42, expiration: new Date(Date.now() + HOUR) });
    const store = new MongoStore({ client: shared, db: dbName, collection, layout: 'flask-session' });
    expect(await store.load('session:odd')).toBeNull();
    expect(await store.create('session:odd', new Uint8Array([7]), HOUR)).not.toBeNull();
    expect(Array.from((await store.load('session:odd'))!.value)).toEqual([7]);
  });

  it("keeps an update across Flask-Session's refresh of the document, and reports a conflict after Flask-Session rewrote it", async () => {
    const collection = nextCollection();
    const store = new MongoStore({ client: shared, db: dbName, collection, layout: 'flask-session' });
    const raw = shared.db(dbName).collection(collection);
    const key = 'session:interleaved';
    /** Flask-Session's save: update_one({"id": key}, {"$set": {id, val, expiration}}, upsert=True). */
    const flaskSave = (val: Buffer, ms: number) =>
      raw.updateOne({ id: key }, { $set: { id: key, val, expiration: new Date(ms) } }, { upsert: true });
    try {
      await store.create(key, Buffer.from('a'), HOUR);
      const loaded = (await store.load(key))!;
      await flaskSave(Buffer.from('a'), Date.now() + 2 * HOUR); // a read-only request: same val, later expiration
      expect(await store.update(key, Buffer.from('b'), loaded.version, HOUR)).toEqual({ ok: true, version: sha1(Buffer.from('b')) });
      const current = (await store.load(key))!;
      await flaskSave(Buffer.from('flask'), Date.now() + HOUR);
      expect(await store.update(key, Buffer.from('c'), current.version, HOUR)).toEqual({ ok: false, reason: 'conflict' });
      expect(Buffer.from((await store.load(key))!.value).toString()).toBe('flask');
      expect(await raw.countDocuments({})).toBe(1);
    } finally {
      await store.close();
    }
  });

  describe('the documents Flask-Session wrote', () => {
    const collection = nextCollection();
    let now = 0;
    let store: MongoStore;
    beforeAll(async () => {
      for (const vector of file.vectors) {
        const written = lastWrittenDocument(vector);
        if (written && storedStates(vector).at(-1)!.op === 'upsert') await shared.db(dbName).collection(collection).insertOne(written.document);
      }
      store = new MongoStore({ client: shared, db: dbName, collection, layout: 'flask-session', clock: () => now });
    });
    afterAll(() => store.close());

    it.each(file.vectors.map((vector) => [vector.id, vector] as const))('%s: load() returns the recorded bytes and expiry', async (_id, vector) => {
      const written = lastWrittenDocument(vector)!;
      now = requestTime(written.state.request);
      const record = await store.load(written.state.storeId);
      if (storedStates(vector).at(-1)!.op === 'delete') {
        expect(record).toBeNull();
        return;
      }
      expect(Buffer.from(record!.value).equals(written.state.data!)).toBe(true);
      expect(record!.version).toBe(sha1(written.state.data!));
      const expiration = written.state.request.storage_after.bson_elements!.find((element) => element.name === 'expiration')!;
      expect(record!.expiresAt).toBe(expiration.int64_ms);
      expect(record!.expiresAt).toBe(written.state.expiresAtMs);
    });

    it.each(interfaceVectors(file))('%s: ServerSessionInterface reads the session Flask-Session read', async (_id, vector) => {
      const config = vector.flask_config;
      now = requestTime(lastWrittenDocument(vector)!.state.request);
      const sessions = new ServerSessionInterface({
        store,
        SECRET_KEY: config.SECRET_KEY,
        SESSION_USE_SIGNER: config.SESSION_USE_SIGNER,
        SESSION_KEY_PREFIX: config.SESSION_KEY_PREFIX,
        SESSION_SERIALIZATION_FORMAT: config.SESSION_SERIALIZATION_FORMAT,
        PERMANENT_SESSION_LIFETIME: config.PERMANENT_SESSION_LIFETIME,
        clock: () => now,
      });
      const read = vector.requests.find((request) => request.request === 'GET /read')!;
      const session = sessions.open(read.request_cookie_header);
      await session.load();
      expect(session.isNew).toBe(false);
      expect(session.id).toBe(vector.summary.sid);
      expect(session.toObject()).toEqual(sessionReadBack(vector));
    });
  });

  it.each(file.vectors.map((vector) => [vector.id, vector] as const))('%s: sessionkit writes the documents Flask-Session wrote', async (_id, vector) => {
    const collection = nextCollection();
    let now = 0;
    const store = new MongoStore({ client: shared, db: dbName, collection, layout: 'flask-session', clock: () => now });
    const raw = shared.db(dbName).collection(collection);
    try {
      let version: string | null = null;
      for (const state of storedStates(vector)) {
        if (state.op === 'delete') {
          await store.destroy(state.storeId);
          expect(await raw.countDocuments({})).toBe(0);
          continue;
        }
        now = state.expiresAtMs! - state.ttlMs;
        if (version === null) version = await store.create(state.storeId, state.data!, state.ttlMs);
        else if (state.wroteData) {
          const result = await store.update(state.storeId, state.data!, version, state.ttlMs);
          version = result.ok ? result.version : null;
        } else expect(await store.touch(state.storeId, state.ttlMs)).toBe(true);
        expect(version).toBe(sha1(state.data!));

        expect(await raw.countDocuments({})).toBe(1);
        const bson = (await raw.findOne({ id: state.storeId }, { raw: true })) as unknown as Buffer;
        const elements = bsonElements(Buffer.from(bson));
        const recorded = state.request.storage_after.bson_elements;
        if (recorded) {
          // Every field in order with its BSON type, binary subtype and value. `_id` is an ObjectId
          // of the server's: mongod puts it first, the test peer (mongomock) after the filter's `id`.
          const withoutId = (list: BsonElement[]) => list.filter((element) => element.name !== '_id').map(comparable);
          expect(withoutId(elements)).toEqual(withoutId(recorded));
          expect(elements.filter((element) => element.name === '_id').map(comparable)).toEqual([{ name: '_id', type_code: '0x07' }]);
          if (!server.isPeer) expect(elements.map(comparable)).toEqual(recorded.map(comparable));
        } else {
          // A refresh: Flask-Session rewrote the same val and moved expiration.
          expect(elements.find((element) => element.name === 'expiration')!.int64_ms).toBe(state.expiresAtMs);
        }
        const document = BSON.deserialize(Buffer.from(bson));
        expect(Buffer.from((document.val as BSON.Binary).buffer).equals(state.data!)).toBe(true);
      }
    } finally {
      await store.close();
    }
  });

  describe('documents a third party wrote', () => {
    const collection = nextCollection();
    const now = reverseTime(file);
    let store: MongoStore;
    beforeAll(async () => {
      for (const vector of file.reverse_vectors) {
        await shared.db(dbName).collection(collection).insertOne(BSON.deserialize(Buffer.from(vector.written_by_plain_python.document_bson_b64!, 'base64')));
      }
      store = new MongoStore({ client: shared, db: dbName, collection, layout: 'flask-session', clock: () => now });
    });
    afterAll(() => store.close());

    it.each(file.reverse_vectors.map((vector) => [vector.id, vector] as const))('%s', async (_id, vector) => {
      const document = BSON.deserialize(Buffer.from(vector.written_by_plain_python.document_bson_b64!, 'base64'));
      const val = typeof document.val === 'string' ? Buffer.from(document.val) : Buffer.from((document.val as BSON.Binary).buffer);
      const expiration = document.expiration instanceof Date ? document.expiration.getTime() : undefined;
      expect(vector.flask_saw_this_session).toBe(true);
      const record = await store.load(vector.store_id);
      if (expiration !== undefined && expiration <= now) {
        // Flask-Session still uses a document past its expiration until the TTL monitor deletes it;
        // the store does not let an expired session come back.
        expect(record).toBeNull();
        const before = new MongoStore({ client: shared, db: dbName, collection, layout: 'flask-session', clock: () => expiration - 1 });
        expect(Buffer.from((await before.load(vector.store_id))!.value).equals(val)).toBe(true);
        return;
      }
      expect(Buffer.from(record!.value).equals(val)).toBe(true);
      expect(record!.version).toBe(sha1(val));
      expect(record!.expiresAt).toBe(expiration ?? Number.POSITIVE_INFINITY);
      // It is live: an update applies (compare-and-set on the val as stored, a string included).
      const result = await store.update(vector.store_id, new Uint8Array([1, 2]), record!.version, HOUR);
      expect(result).toEqual({ ok: true, version: sha1(new Uint8Array([1, 2])) });
    });
  });
});
