import { ConfigError, StoreError } from '../errors.js';
import type { Store, StoreRecord, UpdateResult } from './store.js';
import { importDriver } from './internal/driver.js';
import { withTimeout } from './internal/deadline.js';
import { checkTtl, isExpired } from './internal/ttl.js';
import { randomVersion } from './internal/version.js';
import { memcachedExptime } from './internal/memcached/expiry.js';
import { createBare, loadBare, touchBare, updateBare } from './internal/memcached/flask-session-layout.js';
import { decodeItem, encodeItem, ITEM_FLAGS, type SessionItem } from './internal/memcached/item.js';
import {
  deleteItem,
  getItem,
  Status,
  storeItem,
  type FetchedItem,
  type MemjsClient,
  type MemjsModule,
} from './internal/memcached/protocol.js';

export { DriverMissingError } from './internal/driver.js';
export type { MemjsClient, MemjsResponse } from './internal/memcached/protocol.js';

/** Options of `MemcachedStore`. */
export interface MemcachedStoreOptions {
  /**
   * A memjs (version 1) client to use instead of creating one; the store never closes it. It
   * must not use memjs' `failover: true` (the store refuses it): failover sends the keys of a
   * down server to another one, where a session would read as absent instead of failing.
   */
  client?: MemjsClient;
  /**
   * The servers, comma-separated `host:port` (memjs' syntax, `user:pass@host:port` for SASL).
   * With several servers, keys are spread over them by memjs' key hash; each key lives on one
   * server only. Ignored when `client` is given. Default: `"127.0.0.1:11211"`.
   */
  servers?: string;
  /**
   * Longest time a store call may take, in milliseconds, including connecting and the retries
   * of a conditional write; past it the call fails with `StoreError`. Default: `2000`.
   */
  timeoutMs?: number;
  /**
   * How a session is stored. `'sessionkit'` (default): value, version and exact expiry in the
   * item. `'flask-session'`: the bare value, exactly as Flask-Session 0.8 stores it, so a Flask
   * app and this store share sessions; the version is then the item's CAS value and the expiry
   * is memcached's own (whole seconds). Use it with `ServerSessionInterface`'s
   * `serializationFormat`.
   */
  layout?: 'sessionkit' | 'flask-session';
}

/** Most rounds of a read-then-compare-and-swap before giving up. */
const MAX_CAS_ROUNDS = 64;
/** Longest key memcached accepts, in bytes. */
const MAX_KEY_BYTES = 250;

interface Connection {
  memjs: MemjsModule;
  client: MemjsClient;
}

/**
 * Sessions in memcached through memjs (version 1, an optional peer dependency, imported on
 * first use), on one server or spread over several.
 *
 * Each session is one item holding the value, a random version token and the expiry. Writes
 * are compare-and-swap: `create` is memcached's `ADD` (it fails if the key exists; an expired
 * item still held by memcached is then replaced with a CAS write); `update` reads the item with
 * its CAS value, compares the version, and writes with that CAS value, so any write in between
 * makes it retry or report a conflict; `touch` rewrites the item the same way with its version
 * unchanged. An item past its expiry is absent for every method, whatever memcached still holds.
 *
 * memcached may evict sessions under memory pressure, and a restarted server has lost its
 * sessions: they then read as absent (logged out), never as someone else's data. There is no
 * `keys()`: memcached cannot list its keys. There is no `sweep()`: memcached expires items.
 */
export class MemcachedStore implements Store {
  /** Always `"memcached"`. */
  readonly name = 'memcached';
  readonly #options: MemcachedStoreOptions;
  readonly #timeoutMs: number;
  readonly #bare: boolean;
  #connecting: Promise<Connection> | undefined;
  #closed = false;

  /** Validates the options; memjs is loaded and the connection opened on first use. */
  constructor(options: MemcachedStoreOptions = {}) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 2000;
    if (!(this.#timeoutMs > 0) || !Number.isFinite(this.#timeoutMs)) {
      throw new ConfigError('timeoutMs', `must be a positive number of milliseconds, got ${String(options.timeoutMs)}`);
    }
    if (options.client?.options?.failover) {
      throw new ConfigError(
        'client',
        'the memjs client uses failover, which moves the keys of a down server to another one where sessions ' +
          'would read as absent instead of failing; create it with failover: false',
      );
    }
    const layout = options.layout ?? 'sessionkit';
    if (layout !== 'sessionkit' && layout !== 'flask-session') {
      throw new ConfigError('layout', `expected 'sessionkit' or 'flask-session', got ${String(layout)}`);
    }
    this.#bare = layout === 'flask-session';
    if (!options.client && options.servers !== undefined && options.servers.trim() === '') {
      throw new ConfigError('servers', 'give at least one "host:port"');
    }
  }

  /** Reads a live record. */
  async load(key: string): Promise<StoreRecord | null> {
    checkKey(key);
    return this.#run('load', async (c) => {
      if (this.#bare) return loadBare(c, key);
      const found = await this.#read(c, key);
      if (!found) return null;
      const { item } = found;
      return { value: item.value, version: item.version, expiresAt: item.expiresAt };
    });
  }

  /** Adds a record, or replaces an expired one; `null` when a live record holds the key. */
  async create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null> {
    checkKey(key);
    const ttl = checkTtl(ttlMs);
    return this.#run('create', async (c) => {
      if (this.#bare) return createBare(c, key, value, ttl);
      const version = randomVersion();
      for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
        const now = Date.now();
        const item = { value, version, expiresAt: now + ttl };
        const added = await this.#write(c, 'add', key, item, now);
        if (added === Status.ok) return version;
        // The key exists: taken, unless what memcached still holds has expired.
        const fetched = await getItem(c.memjs, c.client, key);
        if (!fetched) continue; // gone in between: try ADD again
        const current = decodeItem(fetched.value, fetched.flags);
        if (!isExpired(current.expiresAt, Date.now())) return null;
        const replaced = await this.#write(c, 'set', key, item, now, fetched.cas);
        if (replaced === Status.ok) return version;
      }
      return null;
    });
  }

  /** Replaces the value of a live record that still has `expectedVersion`. */
  async update(key: string, value: Uint8Array, expectedVersion: string, ttlMs: number): Promise<UpdateResult> {
    checkKey(key);
    const ttl = checkTtl(ttlMs);
    return this.#run('update', async (c): Promise<UpdateResult> => {
      if (this.#bare) return updateBare(c, key, value, expectedVersion, ttl);
      const version = randomVersion();
      for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
        const found = await this.#read(c, key);
        if (!found) return { ok: false, reason: 'missing' };
        if (found.item.version !== expectedVersion) return { ok: false, reason: 'conflict' };
        const now = Date.now();
        const status = await this.#write(c, 'set', key, { value, version, expiresAt: now + ttl }, now, found.cas);
        if (status === Status.ok) return { ok: true, version };
        if (status === Status.notFound) return { ok: false, reason: 'missing' };
        // Changed since the read (a touch keeps the version): compare again.
      }
      return { ok: false, reason: 'conflict' };
    });
  }

  /** Moves the expiry of a live record by rewriting it with the same value and version. */
  async touch(key: string, ttlMs: number): Promise<boolean> {
    checkKey(key);
    const ttl = checkTtl(ttlMs);
    return this.#run('touch', async (c) => {
      if (this.#bare) return touchBare(c, key, ttl);
      for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
        const found = await this.#read(c, key);
        if (!found) return false;
        const now = Date.now();
        const status = await this.#write(c, 'set', key, { ...found.item, expiresAt: now + ttl }, now, found.cas);
        if (status === Status.ok) return true;
        if (status === Status.notFound) return false;
      }
      throw new Error(`the record changed ${MAX_CAS_ROUNDS} times in a row while extending its expiry`);
    });
  }

  /** Deletes the item, if any. */
  async destroy(key: string): Promise<void> {
    checkKey(key);
    return this.#run('destroy', (c) => deleteItem(c.memjs, c.client, key));
  }

  /** Closes the connections of a client the store created (never a client passed in). */
  async close(): Promise<void> {
    this.#closed = true;
    const connecting = this.#connecting;
    this.#connecting = undefined;
    if (!connecting || this.#options.client) return;
    const connection = await connecting.catch(() => undefined);
    connection?.client.close();
  }

  /** The live item under `key` with its CAS value, or `null` when absent or expired. */
  async #read(c: Connection, key: string): Promise<{ item: SessionItem; cas: FetchedItem['cas'] } | null> {
    const fetched = await getItem(c.memjs, c.client, key);
    if (!fetched) return null;
    const item = decodeItem(fetched.value, fetched.flags);
    if (isExpired(item.expiresAt, Date.now())) return null;
    return { item, cas: fetched.cas };
  }

  #write(
    c: Connection,
    command: 'set' | 'add',
    key: string,
    item: SessionItem,
    now: number,
    cas?: Buffer,
  ): Promise<number> {
    const stored = { value: encodeItem(item), flags: ITEM_FLAGS, exptime: memcachedExptime(item.expiresAt, now) };
    return storeItem(c.memjs, c.client, command, key, cas ? { ...stored, cas } : stored);
  }

  /** Runs one store call within `timeoutMs`, every failure as `StoreError`. */
  #run<T>(operation: string, body: (connection: Connection) => Promise<T>): Promise<T> {
    return withTimeout(this.name, operation, this.#timeoutMs, async () => body(await this.#connection(operation)));
  }

  #connection(operation: string): Promise<Connection> {
    if (this.#closed) return Promise.reject(new StoreError(this.name, operation, undefined, 'the store is closed'));
    if (!this.#connecting) {
      this.#connecting = this.#connect(operation);
      this.#connecting.catch(() => {
        this.#connecting = undefined;
      });
    }
    return this.#connecting;
  }

  async #connect(operation: string): Promise<Connection> {
    const memjs = await importDriver(this.name, operation, {
      packageName: 'memjs',
      versionRange: '1',
      load: () => import('memjs'),
    });
    if (this.#options.client) return { memjs, client: this.#options.client };
    const seconds = this.#timeoutMs / 1000;
    const client = memjs.Client.create(this.#options.servers ?? '127.0.0.1:11211', {
      failover: false,
      retries: 1,
      // The one retry of a read (after a broken connection) comes quickly.
      retry_delay: 0.05,
      timeout: seconds,
      conntimeout: seconds,
      keepAlive: true,
      // Failures reach the caller as StoreError; memjs would also print them.
      logger: { log: () => undefined },
    });
    return { memjs, client };
  }
}

/** Throws `RangeError` for a key memcached cannot hold. */
function checkKey(key: string): void {
  const bytes = Buffer.byteLength(key);
  if (bytes === 0 || bytes > MAX_KEY_BYTES) {
    throw new RangeError(`memcached keys are 1 to ${MAX_KEY_BYTES} bytes long, got ${bytes}`);
  }
}
