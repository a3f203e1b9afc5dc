import { rejectUnknownOptions, validate } from '../../config.js';
import { ConfigError } from '../../errors.js';
import type { Store, StoreLayout, StoreRecord, UpdateResult } from '../store.js';
import { DEFAULT_TIMEOUT_MS, driverTimeoutMs, withTimeout } from '../internal/deadline.js';
import { importDriver } from '../internal/driver.js';
import { guard } from '../internal/errors.js';
import { layoutOption } from '../internal/layout.js';
import { LazyConnection } from '../internal/lazy-connection.js';
import { optionNames } from '../internal/options.js';
import { checkTtl, isExpired } from '../internal/ttl.js';
import { randomVersion } from '../internal/version.js';
import { memcachedExptime } from './expiry.js';
import { createBare, loadBare, touchBare, updateBare } from './flask-session-layout.js';
import { decodeItem, encodeItem, ITEM_FLAGS, type SessionItem } from './item.js';
import {
  checkServers,
  deleteItem,
  getItem,
  Status,
  storeItem,
  type FetchedItem,
  type MemcachedConnection as Connection,
  type MemjsClient,
} from './protocol.js';

export { DriverMissingError } from '../internal/driver.js';
export type { MemjsClient, MemjsResponse } from './protocol.js';

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
  layout?: StoreLayout;
  /**
   * Current time in epoch milliseconds, from which the expiry kept in each item (and the
   * absolute exptime of sessions over 30 days) is computed and checked; inject one to test
   * expiry. memcached still frees items by its own clock. Default: `Date.now`.
   */
  clock?: () => number;
}

/** Most rounds of a read-then-compare-and-swap before giving up. */
const MAX_CAS_ROUNDS = 64;
/** Longest key memcached accepts, in bytes. */
const MAX_KEY_BYTES = 250;
/** memcached's usual address, for a client the store creates without `servers`. */
const DEFAULT_SERVERS = '127.0.0.1:11211';
/** Key read by `ready()` on a client that cannot ask every server for its statistics. */
const READY_PROBE_KEY = 'sessionkit:ready-probe';
/** The one retry of a read after a broken connection comes quickly, in seconds (memjs' unit). */
const READ_RETRY_DELAY_S = 0.05;
const OPTIONS = optionNames<MemcachedStoreOptions>({ client: true, servers: true, timeoutMs: true, layout: true, clock: true });

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
  readonly #client: MemjsClient | undefined;
  readonly #servers: string;
  readonly #timeoutMs: number;
  /** Upper bound of one call in milliseconds (the `timeoutMs` option). */ get timeoutMs(): number { return this.#timeoutMs; }
  readonly #bare: boolean;
  readonly #clock: () => number;
  readonly #connection: LazyConnection<Connection>;

  /** Validates the options; memjs is loaded and the connection opened on first use. */
  constructor(options: MemcachedStoreOptions = {}) {
    rejectUnknownOptions(options, OPTIONS, 'MemcachedStore');
    this.#timeoutMs = validate.milliseconds('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#client = options.client;
    if (options.client?.options?.failover) {
      throw new ConfigError(
        'client',
        'the memjs client uses failover, which moves the keys of a down server to another one where sessions ' +
          'would read as absent instead of failing; create it with failover: false',
      );
    }
    this.#bare = layoutOption(options.layout) === 'flask-session';
    this.#servers = validate.string('servers', options.servers ?? DEFAULT_SERVERS, { nonEmpty: false });
    if (!options.client && this.#servers.trim() === '') throw new ConfigError('servers', `expected at least one "host:port", got ${JSON.stringify(this.#servers)}`);
    this.#clock = validate.function('clock', options.clock ?? Date.now);
    // A client passed in stays open.
    this.#connection = new LazyConnection(this.name, (operation) => this.#connect(operation), ({ client }) => {
      if (!this.#client) client.close();
    });
  }

  /** Reads a live record. */
  async load(key: string): Promise<StoreRecord | null> {
    checkKey(key);
    return this.#run('load', async (c) => {
      if (this.#bare) return loadBare(c, key, this.#clock());
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
      if (this.#bare) return createBare(c, key, value, ttl, this.#clock());
      const version = randomVersion();
      for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
        const now = this.#clock();
        const item = { value, version, expiresAt: now + ttl };
        const added = await this.#write(c, 'add', key, item, now);
        if (added === Status.ok) return version;
        // The key exists: taken, unless what memcached still holds has expired.
        const fetched = await getItem(c.memjs, c.client, key);
        if (!fetched) continue; // gone in between: try ADD again
        const current = decodeItem(fetched.value, fetched.flags);
        if (!isExpired(current.expiresAt, this.#clock())) return null;
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
      if (this.#bare) return updateBare(c, key, value, expectedVersion, ttl, this.#clock());
      const version = randomVersion();
      for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
        const found = await this.#read(c, key);
        if (!found) return { ok: false, reason: 'missing' };
        if (found.item.version !== expectedVersion) return { ok: false, reason: 'conflict' };
        const now = this.#clock();
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
      if (this.#bare) return touchBare(c, key, ttl, this.#clock());
      for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
        const found = await this.#read(c, key);
        if (!found) return false;
        const now = this.#clock();
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

  /**
   * Loads memjs and asks every server for its statistics within `timeoutMs`: resolves once all
   * of them answer, or rejects with the first failure (`StoreError` naming the server:
   * connection refused, authentication failed, no answer).
   */
  async ready(): Promise<void> {
    // memjs is loaded before the deadline starts: loading is local work, not the servers' time to answer.
    await guard(this.name, 'ready', () => this.#importDriver('ready'));
    await this.#run('ready', (c) => checkServers(c.memjs, c.client, READY_PROBE_KEY));
  }

  /** Closes the connections of a client the store created (never a client passed in). */
  async close(): Promise<void> {
    await this.#connection.close();
  }

  /** The live item under `key` with its CAS value, or `null` when absent or expired. */
  async #read(c: Connection, key: string): Promise<{ item: SessionItem; cas: FetchedItem['cas'] } | null> {
    const fetched = await getItem(c.memjs, c.client, key);
    if (!fetched) return null;
    const item = decodeItem(fetched.value, fetched.flags);
    if (isExpired(item.expiresAt, this.#clock())) return null;
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
    return withTimeout(this.name, operation, this.#timeoutMs, async () => body(await this.#connection.get(operation)));
  }

  #importDriver(operation: string): Promise<typeof import('memjs')> {
    return importDriver(this.name, operation, { packageName: 'memjs', versionRange: '1', load: () => import('memjs') });
  }

  /** Loads memjs and creates the client (memjs connects on the first request). */
  async #connect(operation: string): Promise<Connection> {
    const memjs = await this.#importDriver(operation);
    if (this.#client) return { memjs, client: this.#client };
    const client = memjs.Client.create(this.#servers, {
      failover: false,
      retries: 1,
      retry_delay: READ_RETRY_DELAY_S,
      timeout: this.#timeoutMs / 1000,
      conntimeout: driverTimeoutMs(this.#timeoutMs) / 1000,
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
