/**
 * Flask-Session 0.8's MongoDB document, as its `update_one({"id": key}, {"$set": …},
 * upsert=True)` leaves it on the server:
 *
 *   { _id: ObjectId, id: "<prefix><sid>", val: BinData(0, <record bytes>), expiration: ISODate }
 *
 * `expiration` is `utcnow() + lifetime` as a BSON date (milliseconds; pymongo cuts off the
 * microseconds). Flask-Session reads `want_bytes(doc["val"])`, so `val` may also be a string
 * (its UTF-8 bytes), and never looks at `expiration`: only the TTL index removes expired
 * documents, and that index ignores a document whose `expiration` is not a date.
 */
import type { Document, Filter } from 'mongodb';
import { bsonBinaryBytes } from './document.js';

/** What a stored Flask-Session document means. */
export interface FlaskStoredDocument {
  /** The document, exactly as read (for compare-and-set). */
  document: Document;
  /** The session bytes; `undefined` when `val` is neither binary nor a string (Flask-Session fails on it). */
  value: Uint8Array | undefined;
  /** Epoch milliseconds when it expires: `Infinity` when it never does (no date in `expiration`). */
  expiresAt: number;
}

/** The fields a write sets: `val` as BinData subtype 0 (a Buffer), `expiration` a BSON date. */
export function flaskFields(value: Uint8Array, expiresAt: number): { val: Buffer; expiration: Date } {
  return { val: Buffer.from(value.buffer, value.byteOffset, value.byteLength), expiration: new Date(expiresAt) };
}

/** Reads a document found under a key. */
export function readFlaskDocument(document: Document): FlaskStoredDocument {
  const { val } = document;
  const value = typeof val === 'string' ? Buffer.from(val, 'utf8') : bsonBinaryBytes(val);
  return { document, value, expiresAt: ttlExpiry(document.expiration) };
}

/** Whether a document is a live session at `now`. */
export function isLiveFlaskDocument(stored: FlaskStoredDocument, now: number): boolean {
  return stored.value !== undefined && stored.expiresAt > now;
}

/**
 * The filter matching the document only while `val` and `expiration` still hold what was read
 * (a missing `expiration` included), for a compare-and-set by `_id`.
 */
export function unchangedSince(stored: FlaskStoredDocument, fields: readonly ('val' | 'expiration')[]): Filter<Document> {
  const filter: Filter<Document> = { _id: stored.document._id };
  for (const field of fields) {
    filter[field] = field in stored.document ? stored.document[field] : { $exists: false };
  }
  return filter;
}

/**
 * When MongoDB's TTL index removes a document with this `expiration` (`expireAfterSeconds: 0`):
 * at the date, at the earliest date of an array, and never for anything else.
 */
function ttlExpiry(expiration: unknown): number {
  const dates = (Array.isArray(expiration) ? expiration : [expiration]).filter((value): value is Date => value instanceof Date);
  return dates.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...dates.map((date) => date.getTime()));
}
