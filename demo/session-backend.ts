/**
 * Builds the session interface for a `SESSION_TYPE`: signed cookies, or server-side sessions on
 * one of the stores this checkout of sessionkit has. Store modules are imported only when chosen,
 * so a database driver is loaded only by the type that needs it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CookieSettings } from '../src/config.js';
import { CookieSessionInterface } from '../src/interfaces/cookie.js';
import { ServerSessionInterface } from '../src/interfaces/server.js';
import type { Store } from '../src/stores/store.js';
import type { DemoData } from './session-data.js';

/** Everything `openSessionBackend` needs to know. */
export interface BackendOptions {
  /** `cookie`, `memory`, `filesystem`, `sqlite`, `redis`, `memcached`… */
  type: string;
  /** Folder of the SQLite file and of the filesystem store's folder. */
  dataDir: string;
  /** Signs cookie sessions. */
  secret: string;
  /** Lifetime of permanent sessions, in seconds. */
  permanentLifetime: number;
  /** Redis server for `redis`. */
  redisUrl: string;
  /** memcached servers (`host:port`, comma-separated) for `memcached`. */
  memcachedServers: string;
  /** MongoDB connection string for `mongodb`. */
  mongodbUrl: string;
  /** Database URL for `postgres` and `mysql` (default: the local servers' `test` database). */
  databaseUrl?: string;
}

/** The session setup the demo runs with. */
export type SessionBackend = {
  /** The `SESSION_TYPE`. */
  readonly type: string;
  /** Where the sessions live, for people: "signed cookie", "SQLite file …". */
  readonly location: string;
  /** Releases connections and timers. */
  close(): Promise<void>;
} & (
  | { readonly kind: 'cookie'; readonly sessionInterface: CookieSessionInterface<DemoData> }
  | { readonly kind: 'server'; readonly sessionInterface: ServerSessionInterface<DemoData>; readonly store: Store }
);

/** The session type used when `SESSION_TYPE` is not set: the embedded SQLite store. */
export const DEFAULT_SESSION_TYPE = 'sqlite';

/** Thrown for a `SESSION_TYPE` that this checkout cannot run; the message lists those it can. */
export class UnknownSessionTypeError extends Error {
  override name = 'UnknownSessionTypeError';
}

/**
 * Server sessions end 24 hours after creation however active they are (the library has no
 * absolute timeout by default); before that they end after `permanentLifetime` without use, as
 * cookie sessions do.
 */
const ABSOLUTE_TIMEOUT_SECONDS = 24 * 60 * 60;

type StoreModule = Record<string, unknown>;
type StoreConstructor<O> = new (options: O) => Store;

/** How to build the store of one server-side session type. */
interface StoreRecipe {
  /** File name under `src/stores/` without extension. */
  module: string;
  /** The exported class. */
  exportName: string;
  /** What to do when the store does not answer at startup. */
  hint?: string;
  /** Creates the store (and whatever client it needs); `close` releases the latter. */
  create(Class: StoreConstructor<never>, options: BackendOptions): Promise<{ store: Store; location: string; close?: () => Promise<void> }>;
}

/** The `SqlStore` on one dialect, reached through `DATABASE_URL` or the local server. */
function sqlRecipe(dialect: 'postgres' | 'mysql', label: string, localUrl: string): StoreRecipe {
  return {
    module: 'sql',
    exportName: 'SqlStore',
    hint: `start ${label} or set DATABASE_URL`,
    async create(Class, { databaseUrl }) {
      const connection = databaseUrl ?? localUrl;
      const store = new (Class as StoreConstructor<{ dialect: string; connection: string }>)({ dialect, connection });
      const close = () => (store as Store & { close(): Promise<void> }).close();
      return { store, location: `${label} at ${redactUrl(connection)}`, close };
    },
  };
}

const STORE_RECIPES: Readonly<Record<string, StoreRecipe>> = {
  memory: {
    module: 'memory',
    exportName: 'MemoryStore',
    async create(Class) {
      return { store: new (Class as StoreConstructor<object>)({}), location: 'this process’s memory (lost on restart)' };
    },
  },
  filesystem: {
    module: 'filesystem',
    exportName: 'FileSystemStore',
    async create(Class, { dataDir }) {
      const dir = join(dataDir, 'sessions');
      return { store: new (Class as StoreConstructor<{ dir: string }>)({ dir }), location: `files in ${dir}` };
    },
  },
  sqlite: {
    module: 'sqlite',
    exportName: 'SqliteStore',
    async create(Class, { dataDir }) {
      const path = join(dataDir, 'sessions.sqlite');
      return { store: new (Class as StoreConstructor<{ path: string }>)({ path }), location: `the SQLite file ${path}` };
    },
  },
  redis: {
    module: 'redis',
    exportName: 'RedisStore',
    async create(Class, { redisUrl }) {
      const redis = await connectRedis(redisUrl);
      const store = new (Class as StoreConstructor<{ client: unknown }>)({ client: redis.client });
      return { store, location: `Redis at ${redactUrl(redisUrl)}`, close: redis.close };
    },
  },
  memcached: {
    module: 'memcached',
    exportName: 'MemcachedStore',
    hint: 'start memcached or set MEMCACHED_SERVERS',
    async create(Class, { memcachedServers }) {
      const store = new (Class as StoreConstructor<{ servers: string }>)({ servers: memcachedServers });
      return { store, location: `memcached at ${memcachedServers}` };
    },
  },
  postgres: sqlRecipe('postgres', 'PostgreSQL', 'postgres://postgres@127.0.0.1:5432/test'),
  mysql: sqlRecipe('mysql', 'MySQL/MariaDB', 'mysql://root@127.0.0.1:3306/test'),
  mongodb: {
    module: 'mongodb',
    exportName: 'MongoStore',
    hint: 'start MongoDB or set MONGODB_URL',
    async create(Class, { mongodbUrl }) {
      const store = new (Class as StoreConstructor<{ url: string; db: string }>)({ url: mongodbUrl, db: 'sessionkit_demo' });
      return { store, location: `MongoDB at ${redactUrl(mongodbUrl)} (database sessionkit_demo)` };
    },
  },
};

const STORES_DIR = new URL('../src/stores/', import.meta.url);

/** Whether the store module is in this checkout (as TypeScript source or built JavaScript). */
function storeModuleExists(module: string): boolean {
  return ['ts', 'js'].some((ext) => existsSync(new URL(`${module}.${ext}`, STORES_DIR)));
}

async function importStoreClass(recipe: StoreRecipe): Promise<StoreConstructor<never>> {
  const mod = (await import(new URL(`${recipe.module}.js`, STORES_DIR).href)) as StoreModule;
  const Class = mod[recipe.exportName];
  if (typeof Class !== 'function') throw new UnknownSessionTypeError(`src/stores/${recipe.module} does not export ${recipe.exportName}`);
  return Class as StoreConstructor<never>;
}

/** The session types this checkout can run: `cookie` and every type whose store module exists. */
export function availableSessionTypes(): string[] {
  return ['cookie', ...Object.entries(STORE_RECIPES).filter(([, recipe]) => storeModuleExists(recipe.module)).map(([type]) => type)];
}

/** Cookie attributes and timing shared by every type. */
function cookieSettings(permanentLifetime: number): Partial<CookieSettings> {
  return { httpOnly: true, sameSite: 'Lax', secure: 'auto', permanentLifetime };
}

/**
 * Opens the session setup for `options.type`, checking that its store answers (which also
 * creates the SQLite file or the sessions folder on first run). Throws `UnknownSessionTypeError`
 * listing the available types for a type this checkout does not have.
 */
export async function openSessionBackend(options: BackendOptions): Promise<SessionBackend> {
  const type = options.type.trim().toLowerCase();
  if (type === 'cookie') {
    const sessionInterface = new CookieSessionInterface<DemoData>({ secret: options.secret, ...cookieSettings(options.permanentLifetime) });
    return { type, kind: 'cookie', sessionInterface, location: 'the signed session cookie itself', close: async () => {} };
  }
  const recipe = Object.hasOwn(STORE_RECIPES, type) ? STORE_RECIPES[type] : undefined;
  const available = availableSessionTypes().join(', ');
  if (!recipe) throw new UnknownSessionTypeError(`Unknown SESSION_TYPE "${options.type}". Available: ${available}.`);
  if (!storeModuleExists(recipe.module)) {
    throw new UnknownSessionTypeError(`SESSION_TYPE "${type}" needs src/stores/${recipe.module}.ts, which this checkout does not have. Available: ${available}.`);
  }
  const created = await recipe.create(await importStoreClass(recipe), options);
  const { store } = created;
  const close = async (): Promise<void> => {
    await store.close?.();
    await created.close?.();
  };
  const sessionInterface = new ServerSessionInterface<DemoData>({
    store,
    permanent: false,
    absoluteTimeout: ABSOLUTE_TIMEOUT_SECONDS,
    ...cookieSettings(options.permanentLifetime),
  });
  try {
    await store.load(`${sessionInterface.keyPrefix}startup-check`);
  } catch (error) {
    await close().catch(() => undefined);
    if (!recipe.hint) throw error;
    throw new Error(`${(error as Error).message} (${created.location}: ${recipe.hint})`, { cause: error });
  }
  return { type, kind: 'server', sessionInterface, store, location: created.location, close };
}

/** A node-redis client, connected; the first connection fails fast instead of retrying forever. */
async function connectRedis(url: string): Promise<{ client: unknown; close(): Promise<void> }> {
  const { createClient } = await import('redis');
  let connected = false;
  let lastError = '';
  const client = createClient({
    url,
    socket: {
      connectTimeout: 2_000,
      reconnectStrategy: (retries: number, cause: Error) => (connected || retries < 2 ? Math.min(100 * 2 ** retries, 2_000) : cause),
    },
  });
  client.on('error', (error: Error) => {
    // Reported once per outage, not once per reconnection attempt.
    if (connected && error.message !== lastError) console.error(`redis: ${error.message}`);
    lastError = error.message;
  });
  client.on('ready', () => {
    lastError = '';
  });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`Cannot reach Redis at ${redactUrl(url)} (${(error as Error).message}); start redis-server or set REDIS_URL.`, { cause: error });
  }
  connected = true;
  return {
    client,
    close: async () => {
      connected = false;
      await client.close();
    },
  };
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
