/**
 * The Store contract: what a server-side session backend implements.
 *
 * A store is a small, async key-value map with versions and expiry. It knows nothing about
 * sessions, cookies or serialization: `ServerSessionInterface` hands it opaque bytes under a key
 * (already prefixed, e.g. `session:<id>`) and owns every decision — when to load, create,
 * update, touch or destroy, and how to merge after a conflict. A store only has to make each
 * single call atomic.
 *
 * Rules every implementation follows (the conformance suite in `test/stores/` checks them):
 * - An expired record is treated as absent by every method, even before a sweep removed it.
 * - `create` never overwrites: if the key exists (and is not expired) it returns `null`.
 * - `update` applies only if the stored version equals `expectedVersion`; it never recreates a
 *   record that is gone (destroyed or expired) — that would resurrect a logged-out session.
 * - Every successful write returns a new version, different from every earlier one for the key.
 * - `destroy` of a missing key is a no-op.
 * - Backend failures are thrown as `StoreError` (with the driver's error as `cause`), never
 *   swallowed and never reported as "not found".
 */
export interface Store {
  /** Short name used in error messages, e.g. "redis". */
  readonly name: string;

  /**
   * Upper bound of one call in milliseconds, for stores that bound their calls (the networked
   * ones: their `timeoutMs` option). `ServerSessionInterface` derives the deadline of a whole
   * load or save from it; a store without it gets the interface's default.
   */
  readonly timeoutMs?: number;

  /** Reads a record; `null` when the key is absent or expired. */
  load(key: string): Promise<StoreRecord | null>;

  /**
   * Creates a record that must not exist yet. Returns its version, or `null` when the key is
   * already taken (the caller picks another id).
   */
  create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null>;

  /**
   * Replaces the value only if the stored version is still `expectedVersion`, and resets the
   * expiry to `ttlMs` from now.
   */
  update(key: string, value: Uint8Array, expectedVersion: string, ttlMs: number): Promise<UpdateResult>;

  /**
   * Extends the expiry of an existing record to `ttlMs` from now without rewriting its value.
   * Returns `false` when the record is gone. The version does not change.
   */
  touch(key: string, ttlMs: number): Promise<boolean>;

  /** Deletes the record; a no-op when it does not exist. */
  destroy(key: string): Promise<void>;

  /**
   * Removes expired records, for backends without native expiry (SQL, filesystem). Returns how
   * many were removed. Stores with native TTL may omit it.
   */
  sweep?(): Promise<number>;

  /** Lists the keys of live records starting with `prefix` (for the CLI and admin tools). */
  keys?(prefix: string): AsyncIterable<string>;

  /**
   * Checks that the store can serve calls, so an application can fail at start-up rather than
   * at its first request: the driver is installed, the backend answers (a round trip, bounded
   * like any call), and the storage exists (folder, database file, table) or is created, as the
   * store's options allow. Rejects with `StoreError` giving the reason (`DriverMissingError`,
   * `StorageMissingError`, the driver's own error: connection refused, authentication failed,
   * unknown database). Each call checks again, so it also serves as a health check. Optional:
   * every other method connects on first use anyway.
   */
  ready?(): Promise<void>;

  /** Releases what the store opened itself (never a client the user passed in). */
  close?(): Promise<void>;
}

/** One stored session as a store returns it. */
export interface StoreRecord {
  /** The bytes `ServerSessionInterface` stored. */
  value: Uint8Array;
  /** Opaque version token of this value; pass it back to `update`. */
  version: string;
  /** When the record expires, in epoch milliseconds. */
  expiresAt: number;
}

/** Outcome of a conditional `update`. */
export type UpdateResult =
  | { readonly ok: true; readonly version: string }
  /** `conflict`: another write happened since `expectedVersion`; `missing`: the record is gone. */
  | { readonly ok: false; readonly reason: 'conflict' | 'missing' };

/**
 * How a store lays a record out on its backend, for the stores that offer a choice (their
 * `layout` option): `'sessionkit'`, the value with its version and exact expiry; or
 * `'flask-session'`, the bare value exactly as Flask-Session 0.8 stores it, so a Flask app and
 * sessionkit share sessions (the version is then derived from the stored value itself).
 */
export type StoreLayout = 'sessionkit' | 'flask-session';
