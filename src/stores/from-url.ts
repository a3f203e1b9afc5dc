import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import type { Store } from './store.js';
import { withTimeout } from './internal/deadline.js';
import { importDriver } from './internal/driver.js';
import { FileSystemStore } from './filesystem.js';
import { MemcachedStore } from './memcached.js';
import { MemoryStore } from './memory.js';
import { MongoStore } from './mongodb.js';
import { RedisStore, type RedisClientLike } from './redis.js';
import { SqlStore } from './sql.js';
import { SqliteStore } from './sqlite.js';

export { DriverMissingError } from './internal/driver.js';

/** A store opened from a URL; `close()` releases everything it opened (connections, timers). */
export type OpenedStore = Store & { close(): Promise<void> };

/** The URL forms `openStore` understands, for messages. */
export const SUPPORTED_STORE_URLS = [
  'memory://',
  'file:///absolute/dir',
  'sqlite:///absolute/path.db',
  'sqlite:relative/path.db',
  'sqlite::memory:',
  'redis://[user:password@]host:port[/db]',
  'rediss://… (TLS)',
  'memcached://host:port[,host:port…]',
  'mongodb://… (mongodb+srv://…)',
  'postgres://user@host:port/db',
  'mysql://user@host:port/db (MariaDB too)',
] as const;

/** Options of `openStore`. */
export interface OpenStoreOptions {
  /**
   * Lay sessions out as Flask-Session 0.8 does (bare values), to share them with a Flask app:
   * `'flask-session'`, for `redis:` and `memcached:` URLs. Default `'sessionkit'`.
   */
  layout?: 'sessionkit' | 'flask-session';
}

/**
 * Opens a store described by a URL, e.g. from an environment variable:
 *
 * - `memory://` → `MemoryStore` (`?maxEntries=`)
 * - `file:///var/lib/app/sessions` → `FileSystemStore` (`?threshold=`, `?lockTimeoutMs=`)
 * - `sqlite:///var/lib/app/sessions.db`, `sqlite:sessions.db` (relative to the working
 *   directory), `sqlite::memory:` → `SqliteStore` (`?table=`, `?sweepIntervalMs=`, `?busyTimeoutMs=`)
 * - `redis://host:6379/0`, `rediss://…` → `RedisStore` over a node-redis client that this
 *   function creates and connects, and that `close()` closes (`?timeoutMs=` per operation,
 *   `?connectTimeoutMs=` for the first connection, default 10000)
 *
 * - `memcached://127.0.0.1:11211,127.0.0.1:11212` → `MemcachedStore` (`?timeoutMs=`)
 * - `mongodb://host:27017` → `MongoStore` (`?db=`, `?collection=`, `?timeoutMs=`; other query
 *   parameters go to the MongoDB driver)
 * - `postgres://…`, `postgresql://…` → `SqlStore` on PostgreSQL; `mysql://…`, `mariadb://…` →
 *   `SqlStore` on MySQL/MariaDB (`?table=`, `?timeoutMs=`)
 *
 * Throws `ConfigError` (option `url`) for an unknown scheme, listing the supported ones, or an
 * unknown query parameter; `StoreError` when Redis cannot be reached within `connectTimeoutMs`;
 * `DriverMissingError` when the scheme's package is not installed.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const layout = options.layout ?? 'sessionkit';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('url', `not a URL; expected one of ${SUPPORTED_STORE_URLS.join(', ')}`);
  }
  if (layout !== 'sessionkit' && !['redis:', 'rediss:', 'memcached:'].includes(parsed.protocol)) {
    throw new ConfigError('layout', `the Flask-Session layout is available for redis: and memcached: stores, not ${parsed.protocol}`);
  }
  switch (parsed.protocol) {
    case 'memory:': {
      const params = queryParams(parsed, ['maxEntries']);
      return withClose(new MemoryStore({ maxEntries: params.number('maxEntries') }), async () => {});
    }
    case 'file:': {
      const params = queryParams(parsed, ['threshold', 'lockTimeoutMs']);
      const dir = filePath(parsed);
      const store = new FileSystemStore({
        dir,
        threshold: params.number('threshold'),
        lockTimeoutMs: params.number('lockTimeoutMs'),
      });
      return withClose(store, async () => {});
    }
    case 'sqlite:': {
      const params = queryParams(parsed, ['table', 'sweepIntervalMs', 'busyTimeoutMs']);
      return new SqliteStore({
        path: sqlitePath(parsed),
        table: params.string('table'),
        sweepIntervalMs: params.number('sweepIntervalMs'),
        busyTimeoutMs: params.number('busyTimeoutMs'),
      });
    }
    case 'redis:':
    case 'rediss:':
      return openRedis(parsed, layout);
    case 'memcached:': {
      const params = queryParams(parsed, ['timeoutMs']);
      // Several comma-separated hosts are not a URL authority: take the text up to the path.
      const servers = url.slice('memcached://'.length).split(/[/?]/, 1)[0] ?? '';
      return new MemcachedStore({ servers, timeoutMs: params.number('timeoutMs'), layout });
    }
    case 'mongodb:':
    case 'mongodb+srv:': {
      const db = parsed.searchParams.get('db') ?? undefined;
      const collection = parsed.searchParams.get('collection') ?? undefined;
      const timeout = parsed.searchParams.get('timeoutMs');
      const driverUrl = new URL(parsed.href);
      for (const name of ['db', 'collection', 'timeoutMs']) driverUrl.searchParams.delete(name);
      return new MongoStore({ url: driverUrl.href, db, collection, timeoutMs: timeout === null ? undefined : Number(timeout) });
    }
    case 'postgres:':
    case 'postgresql:':
    case 'mysql:':
    case 'mariadb:': {
      const params = queryParams(parsed, ['table', 'timeoutMs']);
      const connection = new URL(parsed.href);
      connection.search = '';
      const common = { table: params.string('table'), timeoutMs: params.number('timeoutMs') };
      return ['postgres:', 'postgresql:'].includes(parsed.protocol)
        ? new SqlStore({ dialect: 'postgres', connection: connection.href, ...common })
        : new SqlStore({ dialect: 'mysql', connection: connection.href.replace(/^mariadb:/, 'mysql:'), ...common });
    }
    default:
      throw new ConfigError(
        'url',
        `unsupported store URL scheme "${parsed.protocol}"; supported: ${SUPPORTED_STORE_URLS.join(', ')}`,
      );
  }
}

function withClose<S extends Store>(store: S, close: () => Promise<void>): S & { close(): Promise<void> } {
  return Object.assign(store, { close });
}

function filePath(url: URL): string {
  try {
    return fileURLToPath(url);
  } catch (error) {
    throw new ConfigError('url', `file: URLs need an absolute local path, as file:///var/lib/app/sessions (${(error as Error).message})`);
  }
}

function sqlitePath(url: URL): string {
  if (url.host !== '') {
    throw new ConfigError('url', 'sqlite: URLs take no host: use sqlite:///absolute/path.db or sqlite:relative/path.db');
  }
  const path = decodeURIComponent(url.pathname);
  if (path === ':memory:') return path;
  if (path === '' || path === '/') throw new ConfigError('url', 'the sqlite: URL has no database path');
  return resolve(path);
}

async function openRedis(url: URL, layout: 'sessionkit' | 'flask-session'): Promise<OpenedStore> {
  const params = queryParams(url, ['timeoutMs', 'connectTimeoutMs']);
  const connectTimeoutMs = params.number('connectTimeoutMs') ?? 10_000;
  const { createClient } = await importDriver('redis', 'connect', {
    packageName: 'redis',
    versionRange: '5',
    load: () => import('redis'),
  });
  const clean = new URL(url.href);
  clean.search = '';
  const client = createClient({ url: clean.href });
  // Without a listener, a connection error event would stop the process; failures reach
  // callers as StoreErrors from the store's operations instead.
  client.on('error', () => undefined);
  try {
    await withTimeout('redis', 'connect', connectTimeoutMs, () => client.connect());
  } catch (error) {
    client.destroy();
    throw error;
  }
  const store = new RedisStore({ client: client as unknown as RedisClientLike, timeoutMs: params.number('timeoutMs'), layout });
  return withClose(store, async () => {
    if (!client.isOpen) return;
    try {
      await client.close();
    } catch {
      client.destroy();
    }
  });
}

/** Reads the query parameters of `url`, rejecting any not in `allowed`. */
function queryParams(url: URL, allowed: readonly string[]): {
  string(name: string): string | undefined;
  number(name: string): number | undefined;
} {
  for (const name of url.searchParams.keys()) {
    if (!allowed.includes(name)) {
      const accepted = allowed.length > 0 ? `accepted: ${allowed.join(', ')}` : 'none are accepted';
      throw new ConfigError('url', `unknown query parameter "${name}" for ${url.protocol} URLs (${accepted})`);
    }
  }
  return {
    string: (name) => url.searchParams.get(name) ?? undefined,
    number: (name) => {
      const text = url.searchParams.get(name);
      if (text === null) return undefined;
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value)) {
        throw new ConfigError('url', `query parameter "${name}" must be a number, got "${text}"`);
      }
      return value;
    },
  };
}
