import { rejectUnknownOptions, validate } from '../../config.js';
import type { Store, StoreLayout, StoreRecord, UpdateResult } from '../store.js';
import { DEFAULT_TIMEOUT_MS, withTimeout } from '../internal/deadline.js';
import { STORE_LAYOUTS } from '../internal/layout.js';
import { optionNames } from '../internal/options.js';
import { checkTtl } from '../internal/ttl.js';
import { randomVersion } from '../internal/version.js';
import { adaptRedisClient, type RedisAdapter, type RedisArgument } from './adapter.js';
import { LOAD_SCRIPT, VALUE_LAYOUT, versionedLayout, type LuaScript, type RedisLayout } from './record.js';

/**
 * A node-redis v5 client or cluster, as `createClient()` / `createCluster()` from `redis`
 * return. Only the members used to recognize it are spelled out.
 */
export interface NodeRedisClientLike {
  readonly isOpen: boolean;
  sendCommand(...args: never[]): Promise<unknown>;
}

/** An ioredis client or cluster, as `new Redis()` / `new Redis.Cluster()` return. */
export interface IoRedisClientLike {
  readonly status: string;
  callBuffer(...args: never[]): unknown;
}

/** The Redis clients a `RedisStore` accepts. */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

/** Options of `RedisStore`. */
export interface RedisStoreOptions {
  /**
   * A node-redis v5 or ioredis client (or cluster client) that you create, connect and close;
   * the store never closes it. The store adds an `'error'` listener of its own (an unhandled
   * `'error'` event of a node-redis client would stop Node.js) and leaves yours alone. While a
   * single-node client reports its connection down, calls fail at once with the client's
   * reason; the client's own reconnection brings them back.
   */
  client: RedisClientLike;
  /**
   * Upper bound of every operation in milliseconds, waiting for a connection included. When it
   * passes the operation fails with `StoreError`; a command that was not sent yet is dropped,
   * never sent later. Default: `2000`.
   */
  timeoutMs?: number;
  /**
   * How a session is laid out under its key. `'sessionkit'` (default): the value with a version
   * header. `'flask-session'`: the bare value, exactly as Flask-Session 0.8 stores it, so a Flask
   * app and this store share sessions; the version is then the value's SHA-1 (compare-and-set on
   * the value). Use it with `ServerSessionInterface`'s `serializationFormat`.
   * `'express-session'`: the same bare value, as connect-redis stores it (`SET key value EX ttl`),
   * for `ServerSessionInterface`'s `expressSession` option.
   */
  layout?: RedisLayoutName;
}

/** The layouts a `RedisStore` offers: every store layout, and connect-redis'. */
export type RedisLayoutName = StoreLayout | 'express-session';

/** How each layout is laid out in Redis. */
const REDIS_LAYOUTS: Readonly<Record<RedisLayoutName, () => RedisLayout>> = {
  sessionkit: () => versionedLayout(randomVersion),
  'flask-session': () => VALUE_LAYOUT,
  'express-session': () => VALUE_LAYOUT,
};
const REDIS_LAYOUT_NAMES: readonly RedisLayoutName[] = [...STORE_LAYOUTS, 'express-session'];

/** SCAN batch size hint for `keys()`. */
const SCAN_COUNT = '500';
const OPTIONS = optionNames<RedisStoreOptions>({ client: true, timeoutMs: true, layout: true });

/**
 * Sessions in Redis (or Valkey, or Redis Cluster), through a client you pass in.
 *
 * Each record is one string, `"sk1:" + version + ":" + value` (binary-safe), whose expiry is
 * the key's TTL, so Redis expires sessions itself (no `sweep()`). Every operation is a single
 * command or a single-key Lua script, atomic on the server and valid on a cluster:
 * - load: script `GET` + `PTTL` (expiresAt = now + PTTL);
 * - create: `SET key record PX ttl NX` (only if absent; an expired key is absent);
 * - update: script: `GET`, compare the version, `SET … PX ttl` (missing → missing, never
 *   recreated);
 * - touch: `PEXPIRE` (only acts on an existing key); destroy: `DEL`.
 *
 * Scripts run with `EVALSHA`, falling back to `EVAL` after `NOSCRIPT` (a restarted server).
 * Every operation is bounded by `timeoutMs`: a Redis outage gives a `StoreError`, never a hang,
 * and a timed-out command still queued in the client is dropped (see `adapter.ts`).
 */
export class RedisStore implements Store {
  /** Always `"redis"`. */
  readonly name = 'redis';
  readonly #redis: RedisAdapter;
  readonly #timeoutMs: number;
  /** Upper bound of one call in milliseconds (the `timeoutMs` option). */ get timeoutMs(): number { return this.#timeoutMs; }
  readonly #layout: RedisLayout;

  /** Checks that `client` is a supported Redis client; sends nothing. */
  constructor(options: RedisStoreOptions) {
    rejectUnknownOptions(options, OPTIONS, 'RedisStore');
    this.#redis = adaptRedisClient(options.client);
    this.#timeoutMs = validate.milliseconds('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#layout = REDIS_LAYOUTS[validate.oneOf('layout', options.layout ?? STORE_LAYOUTS[0], REDIS_LAYOUT_NAMES)]();
  }

  /** Reads a live record; its expiry comes from the key's remaining TTL. */
  async load(key: string): Promise<StoreRecord | null> {
    return this.#run('load', async (signal) => {
      const reply = await this.#script(LOAD_SCRIPT, key, [], signal);
      if (reply === null || reply === undefined) return null;
      const [raw, pttl] = reply as [Buffer, number];
      const { version, value } = this.#layout.decode(raw);
      return { value, version, expiresAt: pttl >= 0 ? Date.now() + pttl : Number.POSITIVE_INFINITY };
    });
  }

  /** `SET … PX ttl NX`: stores the record only if the key is absent. */
  async create(key: string, value: Uint8Array, ttlMs: number): Promise<string | null> {
    const ttl = checkTtl(ttlMs);
    const version = this.#layout.nextVersion(value);
    return this.#run('create', async (signal) => {
      const reply = await this.#redis.command(
        key,
        ['SET', key, this.#layout.encode(version, value), 'PX', String(ttl), 'NX'],
        signal,
      );
      return reply === null || reply === undefined ? null : version;
    });
  }

  /** Compare-and-set in a script: replaces the record only if its version is `expectedVersion`. */
  async update(key: string, value: Uint8Array, expectedVersion: string, ttlMs: number): Promise<UpdateResult> {
    const ttl = checkTtl(ttlMs);
    const version = this.#layout.nextVersion(value);
    return this.#run('update', async (signal): Promise<UpdateResult> => {
      const reply = await this.#script(
        this.#layout.updateScript,
        key,
        [this.#layout.expected(expectedVersion), this.#layout.encode(version, value), String(ttl)],
        signal,
      );
      if (reply === 1) return { ok: true, version };
      if (reply === 0) return { ok: false, reason: 'missing' };
      if (reply === -1) return { ok: false, reason: 'conflict' };
      throw new Error(`unexpected reply to the update script: ${String(reply)}`);
    });
  }

  /** `PEXPIRE`: moves the expiry of an existing key; the record is not rewritten. */
  async touch(key: string, ttlMs: number): Promise<boolean> {
    const ttl = checkTtl(ttlMs);
    return this.#run('touch', async (signal) => {
      return (await this.#redis.command(key, ['PEXPIRE', key, String(ttl)], signal)) === 1;
    });
  }

  /** `DEL`. */
  async destroy(key: string): Promise<void> {
    await this.#run('destroy', (signal) => this.#redis.command(key, ['DEL', key], signal));
  }

  /**
   * Lists keys starting with `prefix` with `SCAN … MATCH` (each call bounded by `timeoutMs`),
   * on every master of a cluster. Keys already listed are not repeated.
   */
  async *keys(prefix: string): AsyncIterable<string> {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    const masters = await this.#run('keys', (signal) => this.#redis.masters(signal));
    const seen = new Set<string>();
    for (const scan of masters) {
      let cursor = '0';
      do {
        const reply = await this.#run('keys', (signal) =>
          scan(['SCAN', cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT], signal),
        );
        const [next, batch] = reply as [Buffer | string, (Buffer | string)[]];
        cursor = next.toString();
        for (const raw of batch) {
          const key = raw.toString();
          if (!seen.has(key) && key.startsWith(prefix)) {
            seen.add(key);
            yield key;
          }
        }
      } while (cursor !== '0');
    }
  }

  /**
   * `PING`s the server (every master of a cluster) within `timeoutMs`: resolves once Redis
   * answers, or rejects with the reason (`StoreError`: connection refused, password refused,
   * a client that is closed or was never connected).
   */
  async ready(): Promise<void> {
    await this.#run('ready', async (signal) => {
      for (const ping of await this.#redis.masters(signal)) await ping(['PING'], signal);
    });
  }

  #run<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withTimeout(this.name, operation, this.#timeoutMs, fn);
  }

  /** `EVALSHA`, or `EVAL` when the server does not have the script cached yet. */
  async #script(script: LuaScript, key: string, args: readonly RedisArgument[], signal: AbortSignal): Promise<unknown> {
    try {
      return await this.#redis.command(key, ['EVALSHA', script.sha1, '1', key, ...args], signal);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.#redis.command(key, ['EVAL', script.source, '1', key, ...args], signal);
    }
  }
}
