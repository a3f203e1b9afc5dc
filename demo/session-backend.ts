/**
 * Builds the session interface for a `SESSION_TYPE`: signed cookies, or server-side sessions on
 * one of sessionkit's stores, opened from a store URL through `openStore`, as an app configured
 * by `SESSION_STORE_URL` would. A database driver is loaded only by the type that needs it.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CookieSessionInterface, ServerSessionInterface, type CookieSettings, type Store } from '../src/index.js';
import { openStore, type OpenedStore } from '../src/stores/from-url.js';
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

/** Thrown for an unknown `SESSION_TYPE`; the message lists the known ones. */
export class UnknownSessionTypeError extends Error {
  override name = 'UnknownSessionTypeError';
}

/**
 * Server sessions end 24 hours after creation however active they are (the library has no
 * absolute timeout by default); before that they end after `permanentLifetime` without use, as
 * cookie sessions do.
 */
const ABSOLUTE_TIMEOUT_SECONDS = 24 * 60 * 60;

/** How long the first connection to Redis may take before the demo gives up at startup. */
const REDIS_CONNECT_TIMEOUT_MS = 2_000;

/** Where one server-side session type keeps its sessions. */
interface StoreRecipe {
  /** The store URL `openStore` opens. */
  url(options: BackendOptions): string;
  /** Where the sessions live, for people. */
  location(options: BackendOptions): string;
  /** What to do when the store does not answer at startup. */
  hint?: string;
}

/** The `SqlStore` on one dialect, reached through `DATABASE_URL` or the local server. */
function sqlRecipe(label: string, localUrl: string): StoreRecipe {
  return {
    url: ({ databaseUrl }) => databaseUrl ?? localUrl,
    location: ({ databaseUrl }) => `${label} at ${redactUrl(databaseUrl ?? localUrl)}`,
    hint: `start ${label} or set DATABASE_URL`,
  };
}

const STORE_RECIPES: Readonly<Record<string, StoreRecipe>> = {
  memory: {
    url: () => 'memory://',
    location: () => 'this process’s memory (lost on restart)',
  },
  filesystem: {
    url: ({ dataDir }) => pathToFileURL(resolve(dataDir, 'sessions')).href,
    location: ({ dataDir }) => `files in ${join(dataDir, 'sessions')}`,
  },
  sqlite: {
    url: ({ dataDir }) => pathToFileURL(resolve(dataDir, 'sessions.sqlite')).href.replace(/^file:/, 'sqlite:'),
    location: ({ dataDir }) => `the SQLite file ${join(dataDir, 'sessions.sqlite')}`,
  },
  redis: {
    url: ({ redisUrl }) => withQuery(redisUrl, { connectTimeoutMs: String(REDIS_CONNECT_TIMEOUT_MS) }),
    location: ({ redisUrl }) => `Redis at ${redactUrl(redisUrl)}`,
    hint: 'start redis-server or set REDIS_URL',
  },
  memcached: {
    url: ({ memcachedServers }) => `memcached://${memcachedServers}`,
    location: ({ memcachedServers }) => `memcached at ${memcachedServers}`,
    hint: 'start memcached or set MEMCACHED_SERVERS',
  },
  postgres: sqlRecipe('PostgreSQL', 'postgres://postgres@127.0.0.1:5432/test'),
  mysql: sqlRecipe('MySQL/MariaDB', 'mysql://root@127.0.0.1:3306/test'),
  mongodb: {
    url: ({ mongodbUrl }) => withQuery(mongodbUrl, { db: 'sessionkit_demo' }),
    location: ({ mongodbUrl }) => `MongoDB at ${redactUrl(mongodbUrl)} (database sessionkit_demo)`,
    hint: 'start MongoDB or set MONGODB_URL',
  },
};

/** The session types the demo runs: `cookie` and one per store. */
export function availableSessionTypes(): string[] {
  return ['cookie', ...Object.keys(STORE_RECIPES)];
}

/** Cookie attributes and timing shared by every type. */
function cookieSettings(permanentLifetime: number): Partial<CookieSettings> {
  return { httpOnly: true, sameSite: 'Lax', secure: 'auto', permanentLifetime };
}

/**
 * Opens the session setup for `options.type`, checking that its store answers (which also
 * creates the SQLite file or the sessions folder on first run). Throws `UnknownSessionTypeError`
 * listing the available types for a type the demo does not know.
 */
export async function openSessionBackend(options: BackendOptions): Promise<SessionBackend> {
  const type = options.type.trim().toLowerCase();
  if (type === 'cookie') {
    const sessionInterface = new CookieSessionInterface<DemoData>({ secret: options.secret, ...cookieSettings(options.permanentLifetime) });
    return { type, kind: 'cookie', sessionInterface, location: 'the signed session cookie itself', close: async () => {} };
  }
  const recipe = Object.hasOwn(STORE_RECIPES, type) ? STORE_RECIPES[type] : undefined;
  if (!recipe) throw new UnknownSessionTypeError(`Unknown SESSION_TYPE "${options.type}". Available: ${availableSessionTypes().join(', ')}.`);
  const location = recipe.location(options);
  let store: OpenedStore | undefined;
  try {
    store = await openStore(recipe.url(options));
    const sessionInterface = new ServerSessionInterface<DemoData>({
      store,
      permanent: false,
      absoluteTimeout: ABSOLUTE_TIMEOUT_SECONDS,
      ...cookieSettings(options.permanentLifetime),
    });
    await store.load(`${sessionInterface.keyPrefix}startup-check`);
    return { type, kind: 'server', sessionInterface, store, location, close: store.close.bind(store) };
  } catch (error) {
    await store?.close().catch(() => undefined);
    if (!recipe.hint) throw error;
    throw new Error(`${(error as Error).message} (${location}: ${recipe.hint})`, { cause: error });
  }
}

/** `url` with the query parameters `params` set. */
function withQuery(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [name, value] of Object.entries(params)) parsed.searchParams.set(name, value);
  return parsed.href;
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
