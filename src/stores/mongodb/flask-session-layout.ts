/**
 * `MongoStore`'s Flask-Session layout: sessions as Flask-Session 0.8 keeps them in MongoDB
 * (`flask-session-document.ts`), in its default database `flask_session` and collection
 * `sessions`, so a Flask app and sessionkit share one collection.
 *
 * - Indexes: Flask-Session's TTL index, exactly as it creates it (`expiration_1`: `{ expiration:
 *   1 }`, `expireAfterSeconds: 0`), and a unique index `id_1` on `{ id: 1 }`, which Flask-Session
 *   does not create: it makes `create` atomic (one document per key) and Flask-Session's own
 *   `find_one({"id": …})` an index lookup instead of a collection scan.
 * - A document is live while `expiration` is after now (or absent, as the TTL index never
 *   removes it then). Flask-Session also uses a document past its `expiration` until the TTL
 *   monitor removes it (up to a minute or more later); this store does not: an expired session
 *   never comes back, whatever the monitor's delay.
 * - The document has no version, so the version is the SHA-1 of `val`, and writes are
 *   compare-and-set by `_id` on the `val` and `expiration` read.
 */
import type { Collection, Document, FindCursor, MongoServerError } from 'mongodb';
import type { StoreRecord, UpdateResult } from '../store.js';
import { valueVersion } from '../internal/value-version.js';
import { flaskFields, isLiveFlaskDocument, readFlaskDocument, unchangedSince, type FlaskStoredDocument } from './flask-session-document.js';

/** The indexes the layout creates: Flask-Session's TTL index, and the unique key. */
export const FLASK_SESSION_INDEXES = [
  { key: { expiration: 1 }, options: { expireAfterSeconds: 0 }, describe: '{ expiration: 1 } (expireAfterSeconds 0)' },
  { key: { id: 1 }, options: { unique: true }, describe: '{ id: 1 } (unique)' },
] as const;

/** Rounds of read + compare-and-set before an operation gives up (each lost round is a write by someone else). */
const CAS_ROUNDS = 16;
/** Duplicate key: the server refused a second document for one `id` (unique index). */
const DUPLICATE_KEY = 11000;

/** The operations of the Store contract on a collection of Flask-Session documents. */
export class FlaskSessionCollection {
  readonly #sessions: Collection<Document>;

  constructor(sessions: Collection<Document>) {
    this.#sessions = sessions;
  }

  /** Creates the indexes (idempotent; a conflicting existing index makes it fail). */
  async createIndexes(): Promise<void> {
    for (const index of FLASK_SESSION_INDEXES) await this.#sessions.createIndex({ ...index.key }, { ...index.options });
  }

  /** The live document under `key` as a record. */
  async load(key: string, now: number): Promise<StoreRecord | null> {
    const stored = await this.#find(key);
    if (!stored || !isLiveFlaskDocument(stored, now)) return null;
    return { value: new Uint8Array(stored.value!), version: valueVersion(stored.value!), expiresAt: stored.expiresAt };
  }

  /**
   * Upserts the document with `$setOnInsert` (so the server lays it out as Flask-Session's own
   * upsert does: `_id`, `id`, `val`, `expiration`), or takes over an expired or unreadable one;
   * `null` when a live document holds the key.
   */
  async create(key: string, value: Uint8Array, ttl: number, clock: () => number): Promise<string | null> {
    const fields = flaskFields(value, clock() + ttl);
    for (let round = 0; round < CAS_ROUNDS; round++) {
      try {
        const upserted = await this.#sessions.updateOne({ id: key }, { $setOnInsert: fields }, { upsert: true });
        if (upserted.upsertedCount === 1) return valueVersion(value);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        continue; // another create of the key inserted first: look again
      }
      const stored = await this.#find(key);
      if (!stored) continue;
      if (isLiveFlaskDocument(stored, clock())) return null;
      const replaced = await this.#sessions.updateOne(unchangedSince(stored, ['val', 'expiration']), { $set: fields });
      if (replaced.matchedCount === 1) return valueVersion(value);
    }
    return null;
  }

  /** Replaces `val` and `expiration` of the live document while `val` is still the version `expected`. */
  async update(key: string, value: Uint8Array, expected: string, ttl: number, clock: () => number): Promise<UpdateResult> {
    const fields = flaskFields(value, clock() + ttl);
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const stored = await this.#find(key);
      if (!stored || !isLiveFlaskDocument(stored, clock())) return { ok: false, reason: 'missing' };
      if (valueVersion(stored.value!) !== expected) return { ok: false, reason: 'conflict' };
      const result = await this.#sessions.updateOne(unchangedSince(stored, ['val', 'expiration']), { $set: fields });
      if (result.matchedCount === 1) return { ok: true, version: valueVersion(value) };
    }
    return { ok: false, reason: 'conflict' };
  }

  /** Moves `expiration` of the live document; `val`, and so the version, stay. */
  async touch(key: string, ttl: number, clock: () => number): Promise<boolean> {
    const expiration = new Date(clock() + ttl);
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const stored = await this.#find(key);
      if (!stored || !isLiveFlaskDocument(stored, clock())) return false;
      const result = await this.#sessions.updateOne(unchangedSince(stored, ['expiration']), { $set: { expiration } });
      if (result.matchedCount === 1) return true;
    }
    throw new Error(`the document changed ${CAS_ROUNDS} times in a row while extending its expiry`);
  }

  /** Deletes every document of the key (Flask-Session, without the unique index, may have left two). */
  async destroy(key: string): Promise<void> {
    await this.#sessions.deleteMany({ id: key });
  }

  /** Deletes the documents expired at `now`; returns how many. */
  async sweep(now: number): Promise<number> {
    return (await this.#sessions.deleteMany({ expiration: { $lte: new Date(now) } })).deletedCount;
  }

  /** The documents whose `id` matches the regular expression `pattern`, in `id` order: `id` and `expiration` only. */
  keysCursor(pattern: string, batchSize: number): FindCursor<Document> {
    return this.#sessions
      .find({ id: { $regex: pattern } }, { projection: { _id: 0, id: 1, expiration: 1 } })
      .sort({ id: 1 })
      .batchSize(batchSize);
  }

  /** Whether a document from `keysCursor` is a live session at `now` (its `val` was not read). */
  static isLiveKey(document: Document, now: number): boolean {
    return readFlaskDocument({ ...document, val: '' }).expiresAt > now;
  }

  async #find(key: string): Promise<FlaskStoredDocument | undefined> {
    const document = await this.#sessions.findOne({ id: key });
    return document && document.id === key ? readFlaskDocument(document) : undefined;
  }
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Partial<MongoServerError>).code === DUPLICATE_KEY;
}
