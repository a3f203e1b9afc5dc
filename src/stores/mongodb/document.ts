import type { StoreRecord } from '../store.js';

/**
 * One session as a MongoDB document: `{ _id: key, value: Binary, version, expiresAt: Date }`.
 * A TTL index on `expiresAt` (expireAfterSeconds 0) lets the server delete it once expired.
 */
export interface SessionDocument {
  _id: string;
  value: Uint8Array;
  version: string;
  expiresAt: Date;
}

/** A BSON binary as the driver hands it back without `promoteBuffers` (bson 6 `Binary`). */
interface BsonBinaryLike {
  buffer: Uint8Array;
  position: number;
}

function isBsonBinary(value: unknown): value is BsonBinaryLike {
  return typeof value === 'object' && value !== null && 'buffer' in value && 'position' in value;
}

/** The bytes of a BSON binary as the driver returns it (a `Binary`, or a Buffer with `promoteBuffers`); `undefined` for any other value. */
export function bsonBinaryBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (isBsonBinary(value)) return value.buffer.subarray(0, value.position);
  return undefined;
}

/** The document for a session written at `now`. */
export function sessionDocument(key: string, value: Uint8Array, version: string, expiresAt: number): SessionDocument {
  return { _id: key, value, version, expiresAt: new Date(expiresAt) };
}

/**
 * The record a stored document holds; its value is a fresh plain `Uint8Array`. Throws when the
 * document does not have the session layout (written by something else).
 */
export function recordOf(document: Record<string, unknown>): StoreRecord {
  const { value, version, expiresAt } = document;
  const bytes = bsonBinaryBytes(value);
  if (!bytes) throw new Error('the document has no binary "value" field; it was not written by sessionkit');
  if (typeof version !== 'string' || !(expiresAt instanceof Date)) {
    throw new Error('the document has no string "version" or no date "expiresAt"; it was not written by sessionkit');
  }
  return { value: new Uint8Array(bytes), version, expiresAt: expiresAt.getTime() };
}

/** A regular expression source matching strings that start with `prefix`, literally. */
export function prefixPattern(prefix: string): string {
  return `^${prefix.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}`;
}
