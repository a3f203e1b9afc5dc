import type { Collection, Document, MongoClient } from 'mongodb';
import { rejectUnknownOptions, validate } from '../../config.js';
import { ConfigError, StoreError } from '../../errors.js';
import { errorReason, redactCredentials } from '../../internal/error-text.js';
import type { Store, StoreLayout, StoreRecord, UpdateResult } from '../store.js';
import { DEFAULT_TIMEOUT_MS, driverTimeoutMs, withTimeout } from '../internal/deadline.js';
import { importDriver } from '../internal/driver.js';
import { absorbErrorEvents } from '../internal/error-events.js';
import { guard } from '../internal/errors.js';
import { layoutOption } from '../internal/layout.js';
import { LazyConnection } from '../internal/lazy-connection.js';
import { optionNames } from '../internal/options.js';
import { checkTtl } from '../internal/ttl.js';
import { randomVersion } from '../internal/version.js';
import { prefixPattern, recordOf, sessionDocument, type SessionDocument } from './document.js';
import { FLASK_SESSION_INDEXES, FlaskSessionCollection } from './flask-session-layout.js';

export { DriverMissingError } from '../internal/driver.js';

/** Options of `MongoStore`. */
export interface MongoStoreOptions {
  /**
   * A connected or unconnected `MongoClient` (mongodb 6) to use; the store never closes it.
   * Give either `client` or `url`.
   */
  client?: MongoClient;
  /**
   * Connection string for a client the store creates (and closes in `close()`), with its socket
   * timeout set to `timeoutMs`, and its server-selection and connect timeouts a little shorter
   * (so the driver's reason, not a bare time-out, is what a failing call reports). Ignored when
   * `client` is given. Default: `"mongodb://127.0.0.1:27017"`.
   */
  url?: string;
  /** Database name (Flask-Session's `SESSION_MONGODB_DB`). Default: `"flask_session"`. */
  db?: string;
  /** Collection name (Flask-Session's `SESSION_MONGODB_COLLECT`). Default: `"sessions"`. */
  collection?: string;
  /**
   * Longest time a store call may take, in milliseconds, waiting for a server included; past
   * it the call fails with `StoreError`. Default: `2000`.
   */
  timeoutMs?: number;
  /**
   * Whether the store creates the TTL index `{ expiresAt: 1 }` (`expireAfterSeconds: 0`) on
   * first use. Turn it off when the index is managed elsewhere or the user may not create
   * indexes; without the index expired sessions are never deleted (call `sweep()`). In the
   * Flask-Session layout: Flask-Session's TTL index `{ expiration: 1 }` and a unique index on
   * `{ id: 1 }`. Default: `true`.
   */
  createIndex?: boolean;
  /**
   * Current time in epoch milliseconds, from which documents' `expiresAt` is computed and
   * against which every query filters; inject one to test expiry. The TTL index deletes
   * documents by the server's clock. Default: `Date.now`.
   */
  clock?: () => number;
  /**
   * How sessions are laid out. `'sessionkit'` (default): `{ _id: key, value, version, expiresAt }`.
   * `'flask-session'`: Flask-Session 0.8's documents `{ _id: ObjectId, id: key, val: BinData,
   * expiration: Date }` with its TTL index `expiration_1` (plus a unique index on `id`), so a Flask
   * app and this store share sessions; the version is then the SHA-1 of `val` (compare-and-set on
   * it). Use it with `ServerSessionInterface`'s `serializationFormat`. See docs/stores-more.md.
   */
  layout?: StoreLayout;
}

/** Duplicate key: the only server error code the store relies on. */
const DUPLICATE_KEY = 11000;
/** Rounds of insert / replace-if-expired before `create` gives up on a key. */
const CREATE_ROUNDS = 3;
/** Documents fetched per round trip by `keys()`. */
const KEYS_BATCH = 500;
/** mongod's usual address, for a client the store creates without `url`. */
const DEFAULT_URL = 'mongodb://127.0.0.1:27017';
/** Flask-Session's `SESSION_MONGODB_DB` and `SESSION_MONGODB_COLLECT` defaults. */
const DEFAULT_DB = 'flask_session';
const DEFAULT_COLLECTION = 'sessions';
/** Characters MongoDB refuses in a database name. */
const BAD_DB_NAME = /[/\\. "$\0]/;
/** Characters MongoDB refuses in a collection name. */
const BAD_COLLECTION_NAME = /[$\0]/;
const OPTIONS = optionNames<MongoStoreOptions>({
  client: true,
  url: true,
  db: true,
  collection: true,
  timeoutMs: true,
  createIndex: true,
  clock: true,
  layout: true,
});

interface Opened {
  client: MongoClient;
  collection: Collection<SessionDocument>;
  /** The operations on Flask-Session's documents, in the `'flask-session'` layout. */
  flask: FlaskSessionCollection | undefined;
}

/**
 * Sessions in MongoDB through the official driver (mongodb 6, an optional peer dependency;
 * imported only to create a client from `url`).
 *
 * One document per session, `{ _id: key, value: Binary, version, expiresAt: Date }`, with a TTL
 * index on `expiresAt` (created on first use) through which the server deletes expired sessions
 * in the background (mongod checks about once a minute). Until then an expired document stays,
 * so every query also filters on `expiresAt > now`. Each call is a single-document operation,
 * atomic on the server:
 * - create: `insertOne`; on a duplicate key, `replaceOne` of the document only if it expired;
 * - update: `updateOne({ _id, version, expiresAt > now })`: applies only to the expected
 *   version of a live document, never recreates one;
 * - touch: `updateOne({ _id, expiresAt > now }, { $set: { expiresAt } })`; destroy: `deleteOne`.
 *
 * With `layout: 'flask-session'` the documents are Flask-Session's instead (`flask-session-layout.ts`).
 */
export class MongoStore implements Store {
  /** Always `"mongodb"`. */
  readonly name = 'mongodb';
  readonly #client: MongoClient | undefined;
  readonly #url: string;
  readonly #timeoutMs: number;
  /** Upper bound of one call in milliseconds (the `timeoutMs` option). */ get timeoutMs(): number { return this.#timeoutMs; }
  readonly #dbName: string;
  readonly #collectionName: string;
  readonly #createIndex: boolean;
  readonly #clock: () => number;
  readonly #flaskLayout: boolean;
  readonly #connection: LazyConnection<Opened>;

  /** Validates the options; nothing is sent before the first call. */
  constructor(options: MongoStoreOptions = {}) {
    rejectUnknownOptions(options, OPTIONS, 'MongoStore');
    if (options.client && options.url !== undefined) throw new ConfigError('url', 'give either client or url, not both');
    this.#client = options.client;
    this.#url = validate.string('url', options.url ?? DEFAULT_URL);
    this.#timeoutMs = validate.milliseconds('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#dbName = validate.string('db', options.db ?? DEFAULT_DB);
    this.#collectionName = validate.string('collection', options.collection ?? DEFAULT_COLLECTION);
    if (BAD_DB_NAME.test(this.#dbName)) throw new ConfigError('db', `expected a MongoDB database name, got "${this.#dbName}"`);
    if (this.#collectionName.startsWith('system.') || BAD_COLLECTION_NAME.test(this.#collectionName)) {
      throw new ConfigError('collection', `expected a MongoDB collection name, got "${this.#collectionName}"`);
    }
    this.#createIndex = validate.boolean('createIndex', options.createIndex ?? true);
    this.#clock = validate.function('clock', options.clock ?? Date.now);
    this.#flaskLayout = layoutOption(options.layout) === 'flask-session';
    // A client passed in stays open.
    this.#connection = new LazyConnection(this.name, (operation) => this.#connect(operation), async ({ client }) => {
      if (!this.#client) await client.close();
    });
  }

  /** Reads a live document. */
  async load(key: string): Promise<StoreRecord | null> {
    if (this.#flaskLayout) return this.#runFlask('load', (flask) => flask.load(key, this.#clock()));
    return this.#run('load', async (sessions) => {
      const document = await sessions.findOne(
        { _id: key, expiresAt: { $gt: this.#now() } },
        { promoteBuffers: true },
      );
      return document ? recordOf(document as unknown as Record<string, unknown>) : null;
    });
  }

  /** Inserts a document, or replaces an expired one; `null` when a live one holds the key. */
  async create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null> {
    const ttl = checkTtl(ttlMs);
    if (this.#flaskLayout) return this.#runFlask('create', (flask) => flask.create(key, value, ttl, this.#clock));
    return this.#run('create', async (sessions) => {
      const version = randomVersion();
      for (let round = 0; round < CREATE_ROUNDS; round++) {
        const now = this.#clock();
        const document = sessionDocument(key, value, version, now + ttl);
        try {
          await sessions.insertOne(document);
          return version;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const replaced = await sessions.replaceOne({ _id: key, expiresAt: { $lte: new Date(now) } }, document);
        if (replaced.matchedCount === 1) return version;
        // A live document holds the key, unless the expired one vanished in between: check.
        if (await this.#isLive(sessions, key)) return null;
      }
      return null;
    });
  }

  /** Replaces the value of a live document that still has `expectedVersion`. */
  async update(key: string, value: Uint8Array, expectedVersion: string, ttlMs: number): Promise<UpdateResult> {
    const ttl = checkTtl(ttlMs);
    if (this.#flaskLayout) return this.#runFlask('update', (flask) => flask.update(key, value, expectedVersion, ttl, this.#clock));
    return this.#run('update', async (sessions): Promise<UpdateResult> => {
      const now = this.#clock();
      const version = randomVersion();
      const result = await sessions.updateOne(
        { _id: key, version: expectedVersion, expiresAt: { $gt: new Date(now) } },
        { $set: { value, version, expiresAt: new Date(now + ttl) } },
      );
      if (result.matchedCount === 1) return { ok: true, version };
      return { ok: false, reason: (await this.#isLive(sessions, key)) ? 'conflict' : 'missing' };
    });
  }

  /** Moves the expiry of a live document; keeps its version. */
  async touch(key: string, ttlMs: number): Promise<boolean> {
    const ttl = checkTtl(ttlMs);
    if (this.#flaskLayout) return this.#runFlask('touch', (flask) => flask.touch(key, ttl, this.#clock));
    return this.#run('touch', async (sessions) => {
      const now = this.#clock();
      const result = await sessions.updateOne(
        { _id: key, expiresAt: { $gt: new Date(now) } },
        { $set: { expiresAt: new Date(now + ttl) } },
      );
      return result.matchedCount === 1;
    });
  }

  /** Deletes the document, if any. */
  async destroy(key: string): Promise<void> {
    if (this.#flaskLayout) return this.#runFlask('destroy', (flask) => flask.destroy(key));
    await this.#run('destroy', (sessions) => sessions.deleteOne({ _id: key }));
  }

  /**
   * Deletes every expired document now; returns how many. The TTL index does this by itself
   * about once a minute, so calling it is optional.
   */
  async sweep(): Promise<number> {
    if (this.#flaskLayout) return this.#runFlask('sweep', (flask) => flask.sweep(this.#clock()));
    return this.#run('sweep', async (sessions) => {
      const result = await sessions.deleteMany({ expiresAt: { $lte: this.#now() } });
      return result.deletedCount;
    });
  }

  /** Lists live keys starting with `prefix`, in key order, `KEYS_BATCH` documents per round trip. */
  async *keys(prefix: string): AsyncIterable<string> {
    if (this.#flaskLayout) {
      yield* this.#flaskKeys(prefix);
      return;
    }
    const sessions = await this.#run('keys', async (collection) => collection);
    const cursor = sessions
      .find({ _id: { $regex: prefixPattern(prefix) }, expiresAt: { $gt: this.#now() } }, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .batchSize(KEYS_BATCH);
    try {
      for (;;) {
        const document = await withTimeout(this.name, 'keys', this.#timeoutMs, () => cursor.next());
        if (!document) return;
        if (typeof document._id === 'string' && document._id.startsWith(prefix)) yield document._id;
      }
    } finally {
      // Frees the server-side cursor; bounded too, as the server may be the thing that hangs.
      await withTimeout(this.name, 'keys', this.#timeoutMs, () => cursor.close()).catch(() => undefined);
    }
  }

  /**
   * Connects (once), creates the TTL index unless `createIndex` is false, and pings the
   * database within `timeoutMs`: resolves once the server answers, or rejects with the reason
   * (`StoreError`: no server reachable, authentication failed, `DriverMissingError`).
   */
  async ready(): Promise<void> {
    // Loading the driver first keeps its import (half a second on a busy machine) out of the
    // deadline, so the driver's server selection can report its reason within it.
    if (!this.#client) await guard(this.name, 'ready', () => this.#importDriver('ready'));
    await this.#run('ready', async (sessions) => {
      await sessions.db.command({ ping: 1 });
    });
  }

  /** Closes the client if the store created it (never a client passed in). */
  async close(): Promise<void> {
    await this.#connection.close();
  }

  /** `keys()` on Flask-Session's documents: sorted by `id`, expired ones skipped, each id once. */
  async *#flaskKeys(prefix: string): AsyncIterable<string> {
    const cursor = await this.#runFlask('keys', async (flask) => flask.keysCursor(prefixPattern(prefix), KEYS_BATCH));
    let last: string | undefined;
    try {
      for (;;) {
        const document = await withTimeout(this.name, 'keys', this.#timeoutMs, () => cursor.next());
        if (!document) return;
        const id: unknown = document.id;
        if (typeof id !== 'string' || id === last || !id.startsWith(prefix)) continue;
        if (!FlaskSessionCollection.isLiveKey(document, this.#clock())) continue;
        last = id;
        yield id;
      }
    } finally {
      await withTimeout(this.name, 'keys', this.#timeoutMs, () => cursor.close()).catch(() => undefined);
    }
  }

  /** Runs one store call on Flask-Session's documents within `timeoutMs`, every failure as `StoreError`. */
  #runFlask<T>(operation: string, body: (flask: FlaskSessionCollection) => Promise<T>): Promise<T> {
    return withTimeout(this.name, operation, this.#timeoutMs, async () => body((await this.#connection.get(operation)).flask!));
  }

  /** The store's clock as a BSON date. */
  #now(): Date {
    return new Date(this.#clock());
  }

  async #isLive(sessions: Collection<SessionDocument>, key: string): Promise<boolean> {
    const live = await sessions.findOne({ _id: key, expiresAt: { $gt: this.#now() } }, { projection: { _id: 1 } });
    return live !== null;
  }

  /** Runs one store call within `timeoutMs`, every failure as `StoreError`. */
  #run<T>(operation: string, body: (sessions: Collection<SessionDocument>) => Promise<T>): Promise<T> {
    return withTimeout(this.name, operation, this.#timeoutMs, async () => body((await this.#connection.get(operation)).collection));
  }

  #importDriver(operation: string): Promise<typeof import('mongodb')> {
    return importDriver(this.name, operation, { packageName: 'mongodb', versionRange: '6', load: () => import('mongodb') });
  }

  /**
   * Creates the client (unless given), pings the server and creates the TTL index; a failure
   * (server down, index refused) is retried by the next call.
   */
  async #connect(operation: string): Promise<Opened> {
    let client = this.#client;
    if (!client) {
      const mongodb = await this.#importDriver(operation);
      client = new mongodb.MongoClient(this.#url, {
        serverSelectionTimeoutMS: driverTimeoutMs(this.#timeoutMs),
        connectTimeoutMS: driverTimeoutMs(this.#timeoutMs),
        socketTimeoutMS: this.#timeoutMs,
      });
    }
    // The driver's pools report broken connections to the failing operations; no 'error'
    // event of the client must stop the process.
    absorbErrorEvents(client);
    const db = client.db(this.#dbName);
    const collection = db.collection<SessionDocument>(this.#collectionName);
    try {
      await db.command({ ping: 1 });
    } catch (error) {
      if (!this.#client) await client.close().catch(() => undefined);
      const where = this.#client ? 'MongoDB' : `MongoDB at ${redactCredentials(this.#url)}`;
      throw new StoreError(this.name, operation, error, `cannot reach ${where}: ${errorReason(error)}`);
    }
    if (this.#flaskLayout) {
      const flask = new FlaskSessionCollection(db.collection<Document>(this.#collectionName));
      if (this.#createIndex) await this.#createFlaskIndexes(client, flask, operation);
      return { client, collection, flask };
    }
    if (this.#createIndex) {
      try {
        await collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
      } catch (error) {
        if (!this.#client) await client.close().catch(() => undefined);
        const reason = errorReason(error);
        throw new StoreError(
          this.name,
          operation,
          error,
          `cannot create the TTL index { expiresAt: 1 } (expireAfterSeconds 0) on ${this.#dbName}.${this.#collectionName}: ${reason}` +
            ' (create it yourself and pass createIndex: false)',
        );
      }
    }
    return { client, collection, flask: undefined };
  }

  /** Creates the Flask-Session layout's indexes; a failure closes a client the store created. */
  async #createFlaskIndexes(client: MongoClient, flask: FlaskSessionCollection, operation: string): Promise<void> {
    try {
      await flask.createIndexes();
    } catch (error) {
      if (!this.#client) await client.close().catch(() => undefined);
      const reason = error instanceof Error ? error.message : String(error);
      const indexes = FLASK_SESSION_INDEXES.map((index) => index.describe).join(' and ');
      throw new StoreError(
        this.name,
        operation,
        error,
        `cannot create the indexes ${indexes} on ${this.#dbName}.${this.#collectionName}: ${reason}` +
          ' (a unique index fails while two documents share an id: delete the extra one; or create the indexes yourself and pass createIndex: false)',
      );
    }
  }
}

/** Whether the driver reports a duplicate `_id` (server error 11000). */
function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DUPLICATE_KEY;
}
