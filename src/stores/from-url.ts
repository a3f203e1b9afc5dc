/**
 * Opening a store from a URL, e.g. from an environment variable. One table, `STORE_SCHEMES`,
 * says for every URL scheme which query parameters it accepts (with their types) and how it
 * opens its store; the messages and `SUPPORTED_STORE_URLS` are derived from it.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from '../config.js';
import { ConfigError, StoreError } from '../errors.js';
import { errorReason, redactCredentials } from '../internal/error-text.js';
import type { Store, StoreLayout } from './store.js';
import { driverTimeoutMs, withTimeout } from './internal/deadline.js';
import { importDriver } from './internal/driver.js';
import { layoutOption } from './internal/layout.js';
import { FileSystemStore } from './filesystem/index.js';
import { MemcachedStore } from './memcached/index.js';
import { MemoryStore } from './memory/index.js';
import { MongoStore } from './mongodb/index.js';
import { RedisStore, type RedisClientLike } from './redis/index.js';
import { SqlStore } from './sql/index.js';
import { SqliteStore } from './sqlite/index.js';

export { DriverMissingError } from './internal/driver.js';
export { StorageMissingError } from './internal/errors.js';

/** A store opened from a URL; `close()` releases everything it opened (connections, timers). */
export type OpenedStore = Store & { close(): Promise<void> };

/** Options of `openStore`. */
export interface OpenStoreOptions {
  /**
   * Lay sessions out as Flask-Session 0.8 does, to share them with a Flask app: `'flask-session'`,
   * for the schemes that offer it (`redis:`, `memcached:`, `mongodb:`, `postgres:`, `mysql:`,
   * `sqlite:`). The URL may say the same with `?layout=flask-session`. Default `'sessionkit'`.
   */
  layout?: StoreLayout;
  /**
   * Whether the store may create its storage: the folder (`file:`), the database file and
   * tables (`sqlite:`), the table (`postgres:`, `mysql:`), the TTL index (`mongodb:`). With
   * `false`, as read-only tools open stores, nothing is created and a missing folder, file or
   * table fails with `StorageMissingError` (a `StoreError`). Default: `true`.
   */
  create?: boolean;
}

/** How a query parameter is read: as text, or as a number (its range is the store option's). */
type ParamType = 'string' | 'number';
type ParamTypes = Readonly<Record<string, ParamType>>;
/** The query parameters given in one URL, read by their declared types. */
type Params<P extends ParamTypes> = { -readonly [K in keyof P]?: P[K] extends 'number' ? number : string };

/** One URL scheme of the registry. */
interface StoreScheme<P extends ParamTypes> {
  /** The URL schemes this entry opens, as `URL#protocol` spells them (`'redis:'`). */
  protocols: readonly string[];
  /** What its URLs look like, for messages. */
  forms: readonly string[];
  /** The query parameters it accepts, with their types; any other one is a `ConfigError`. */
  params: P;
  /** Query parameters it does not know are left in the URL for the driver instead of refused. */
  passesOtherParams?: boolean;
  /** Whether it offers the Flask-Session layout. */
  flaskSessionLayout?: boolean;
  /** Parses the URL text, for schemes whose URLs are not WHATWG URLs as written. */
  parse?(text: string): URL;
  /**
   * Creates the store. Store constructors validate their options and do no I/O, so every
   * parameter is checked before anything is connected.
   */
  open(url: URL, params: Params<P>, context: OpenContext): OpenedStore | Promise<OpenedStore>;
}

/** What `openStore` passes to a scheme's `open`, beside the URL and its parameters. */
interface OpenContext {
  layout: StoreLayout;
  /** The URL as given (for schemes whose URLs are not WHATWG URLs). */
  text: string;
  /** Whether the store may create its storage (`OpenStoreOptions.create`). */
  create: boolean;
}

/** Keeps the parameter types of one entry checked against its `open`, then erases them for the table. */
function scheme<const P extends ParamTypes>(entry: StoreScheme<P>): StoreScheme<ParamTypes> {
  return entry as unknown as StoreScheme<ParamTypes>;
}

/** The query parameter every URL may carry to choose the layout (`?layout=flask-session`). */
const LAYOUT_PARAM = 'layout';
/** The `sqlite:` parameters that only `SqliteStore` (the sessionkit layout) takes. */
const SQLITE_STORE_PARAMS = ['sweepIntervalMs', 'busyTimeoutMs'] as const;

/** Default `connectTimeoutMs` of `redis:` URLs: a slow first connection is normal at boot. */
const REDIS_CONNECT_TIMEOUT_MS = 10_000;
/** Longest pause between two reconnection attempts of a `redis:` store's client: it is back soon after Redis is. */
const MAX_REDIS_RECONNECT_DELAY_MS = 1000;
/** First pause, doubled after each failed attempt up to the maximum. */
const FIRST_REDIS_RECONNECT_DELAY_MS = 50;
const MEMCACHED_PREFIX = 'memcached://';

/** The schemes `openStore` opens: the one place that lists them. */
const STORE_SCHEMES: readonly StoreScheme<ParamTypes>[] = [
  scheme({
    protocols: ['memory:'],
    forms: ['memory://'],
    params: { maxEntries: 'number' },
    open: (_url, params) => withClose(new MemoryStore(params)),
  }),
  scheme({
    protocols: ['file:'],
    forms: ['file:///absolute/dir'],
    params: { threshold: 'number', lockTimeoutMs: 'number' },
    open: (url, params, { create }) => withClose(new FileSystemStore({ dir: filePath(url), ...params, createDir: create })),
  }),
  scheme({
    protocols: ['sqlite:'],
    forms: ['sqlite:///absolute/path.db', 'sqlite:relative/path.db', 'sqlite::memory:'],
    params: { table: 'string', sweepIntervalMs: 'number', busyTimeoutMs: 'number', timeoutMs: 'number' },
    flaskSessionLayout: true,
    open: (url, params, { layout, create }) => openSqlite(sqlitePath(url), params, layout, create),
  }),
  scheme({
    protocols: ['redis:', 'rediss:'],
    forms: ['redis://[user:password@]host:port[/db]', 'rediss://… (TLS)'],
    params: { timeoutMs: 'number', connectTimeoutMs: 'number' },
    flaskSessionLayout: true,
    open: (url, { connectTimeoutMs, timeoutMs }, { layout }) => openRedis(url, connectTimeoutMs, timeoutMs, layout),
  }),
  scheme({
    protocols: ['memcached:'],
    forms: ['memcached://host:port[,host:port…]'],
    params: { timeoutMs: 'number' },
    flaskSessionLayout: true,
    // Several comma-separated servers are not a URL host: the rest of the URL is read without them.
    parse: (text) => new URL(`${MEMCACHED_PREFIX}servers${text.slice(MEMCACHED_PREFIX.length + memcachedServers(text).length)}`),
    open: (_url, params, { layout, text }) => new MemcachedStore({ servers: memcachedServers(text), ...params, layout }),
  }),
  scheme({
    protocols: ['mongodb:', 'mongodb+srv:'],
    forms: ['mongodb://… (mongodb+srv://…)'],
    params: { db: 'string', collection: 'string', timeoutMs: 'number' },
    passesOtherParams: true,
    flaskSessionLayout: true,
    open: (url, params, { layout, create }) =>
      new MongoStore({ url: withoutParams(url, ['db', 'collection', 'timeoutMs']), ...params, layout, createIndex: create }),
  }),
  scheme({
    protocols: ['postgres:', 'postgresql:'],
    forms: ['postgres://user@host:port/db'],
    params: { table: 'string', timeoutMs: 'number' },
    flaskSessionLayout: true,
    open: (url, params, { layout, create }) =>
      new SqlStore({ dialect: 'postgres', connection: withoutQuery(url), ...params, layout, createTable: create }),
  }),
  scheme({
    protocols: ['mysql:', 'mariadb:'],
    forms: ['mysql://user@host:port/db (MariaDB too)'],
    params: { table: 'string', timeoutMs: 'number' },
    flaskSessionLayout: true,
    open: (url, params, { layout, create }) =>
      new SqlStore({ dialect: 'mysql', connection: withoutQuery(url).replace(/^mariadb:/, 'mysql:'), ...params, layout, createTable: create }),
  }),
];

/** The URL forms `openStore` understands, for messages. */
export const SUPPORTED_STORE_URLS: readonly string[] = STORE_SCHEMES.flatMap((entry) => entry.forms);

/** The scheme at the start of a URL (`redis:`), lowercased. */
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Opens the store a URL describes (see `SUPPORTED_STORE_URLS`; README and docs/stores.md list
 * every scheme with its query parameters), e.g. `redis://127.0.0.1:6379/0?timeoutMs=1000`, and
 * waits until it is `ready()`: connected, its driver loaded, its storage there (or created,
 * unless `create` is false). So a wrong host, a refused password, an unknown database, a missing
 * driver or folder fails here, at start-up, with the reason, instead of at the first request.
 * `redis:` URLs get a node-redis client that this function creates and connects, and that
 * `close()` closes.
 *
 * Throws `ConfigError` for an unknown scheme (listing the supported ones), an unknown or
 * invalid query parameter or layout, all before anything is connected; `StoreError` when the
 * store is not ready (for `redis:`, within `connectTimeoutMs`; for the others, within their
 * `timeoutMs`), `DriverMissingError` when the scheme's package is not installed,
 * `StorageMissingError` for missing storage with `create: false`. Nothing stays open after a
 * failure.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const optionLayout = options.layout === undefined ? undefined : layoutOption(options.layout);
  const create = validate.boolean('create', options.create ?? true);
  const protocol = URL_SCHEME.exec(typeof url === 'string' ? url : '')?.[0].toLowerCase();
  if (protocol === undefined) throw new ConfigError('url', `expected a store URL, one of ${SUPPORTED_STORE_URLS.join(', ')}; got ${JSON.stringify(url)}`);
  const entry = STORE_SCHEMES.find((candidate) => candidate.protocols.includes(protocol));
  if (!entry) throw new ConfigError('url', `unsupported store URL scheme "${protocol}"; supported: ${SUPPORTED_STORE_URLS.join(', ')}`);
  let parsed: URL;
  try {
    parsed = entry.parse ? entry.parse(url) : new URL(url);
  } catch {
    throw new ConfigError('url', `expected a ${protocol} URL like ${entry.forms.join(' or ')}; got ${JSON.stringify(url)}`);
  }
  const layout = chosenLayout(optionLayout, takeLayoutParam(parsed));
  if (layout === 'flask-session' && !entry.flaskSessionLayout) {
    const offering = STORE_SCHEMES.filter((candidate) => candidate.flaskSessionLayout).map((candidate) => candidate.protocols[0]!);
    throw new ConfigError('layout', `the Flask-Session layout is available for ${listed(offering)} stores, not ${protocol}`);
  }
  const store = await entry.open(parsed, readParams(parsed, entry), { layout, text: url, create });
  try {
    await store.ready?.();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

/** Removes `?layout=` from the URL (no store sees it) and returns its value, validated. */
function takeLayoutParam(url: URL): StoreLayout | undefined {
  const values = url.searchParams.getAll(LAYOUT_PARAM);
  if (values.length === 0) return undefined;
  url.searchParams.delete(LAYOUT_PARAM);
  if (values.length > 1) throw new ConfigError('layout', `give the query parameter "${LAYOUT_PARAM}" once, got ${values.length}`);
  return layoutOption(values[0]);
}

/** The layout of the options or of the URL: the default when neither says; a `ConfigError` when they disagree. */
function chosenLayout(fromOptions: StoreLayout | undefined, fromUrl: StoreLayout | undefined): StoreLayout {
  if (fromOptions !== undefined && fromUrl !== undefined && fromOptions !== fromUrl) {
    throw new ConfigError('layout', `the URL says layout=${fromUrl} but the options say ${fromOptions}; give one`);
  }
  return fromOptions ?? fromUrl ?? layoutOption(undefined);
}

/**
 * A `sqlite:` URL: `SqliteStore`, sessionkit's embedded store, in the sessionkit layout; with
 * the Flask-Session layout, `SqlStore` on SQLite, which has that layout (Flask-Session's
 * SQLAlchemy table). Each takes only its own parameters.
 */
function openSqlite(path: string, params: Params<ParamTypes>, layout: StoreLayout, create: boolean): OpenedStore {
  const { timeoutMs, ...rest } = params;
  if (layout === 'flask-session') {
    const sqliteStoreOnly = SQLITE_STORE_PARAMS.filter((name) => rest[name] !== undefined);
    if (sqliteStoreOnly.length > 0) {
      throw new ConfigError(
        'url',
        `with layout=flask-session, sqlite: URLs open SqlStore (dialect sqlite), which takes table and timeoutMs, not ${sqliteStoreOnly.join(', ')}`,
      );
    }
    return new SqlStore({ dialect: 'sqlite', filename: path, table: rest.table as string | undefined, timeoutMs: timeoutMs as number | undefined, layout, createTable: create });
  }
  if (timeoutMs !== undefined) {
    throw new ConfigError('url', 'timeoutMs applies to sqlite: URLs with layout=flask-session; SqliteStore takes busyTimeoutMs');
  }
  return new SqliteStore({ path, ...rest, createTable: create });
}

/** Reads the query parameters `entry` declares, by their types; refuses the others unless it passes them on. */
function readParams(url: URL, entry: StoreScheme<ParamTypes>): Params<ParamTypes> {
  const declared = Object.keys(entry.params);
  const params: Record<string, string | number> = {};
  for (const [name, text] of url.searchParams) {
    const type = Object.hasOwn(entry.params, name) ? entry.params[name] : undefined;
    if (type === undefined) {
      if (entry.passesOtherParams) continue;
      const accepted = declared.length > 0 ? `accepted: ${declared.join(', ')}` : 'none are accepted';
      throw new ConfigError('url', `unknown query parameter "${name}" for ${url.protocol} URLs (${accepted})`);
    }
    if (type === 'string') {
      params[name] = text;
      continue;
    }
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) {
      throw new ConfigError('url', `expected a number for query parameter "${name}", got "${text}"`);
    }
    params[name] = value;
  }
  return params as Params<ParamTypes>;
}

/** `a`, `a and b`, `a, b and c`. */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`;
}

function withClose<S extends Store>(store: S): S & { close(): Promise<void> } {
  return Object.assign(store, { close: async () => {} });
}

function withoutQuery(url: URL): string {
  const copy = new URL(url.href);
  copy.search = '';
  return copy.href;
}

function withoutParams(url: URL, names: readonly string[]): string {
  const copy = new URL(url.href);
  for (const name of names) copy.searchParams.delete(name);
  return copy.href;
}

/** The comma-separated servers of a memcached URL: the text between `//` and the path or query. */
function memcachedServers(text: string): string {
  return text.slice(MEMCACHED_PREFIX.length).split(/[/?#]/, 1)[0] ?? '';
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

/**
 * A `RedisStore` over a node-redis client created for it. The store is built (and its options
 * checked) before the client connects; the first connection is bounded by `connectTimeoutMs`.
 * A first connection that fails (refused, password refused, bad database index) fails at once
 * with the server's or the socket's reason: the client is told not to retry it. Once connected,
 * the client reconnects after every loss, pausing `redisReconnectDelay` between attempts.
 */
async function openRedis(url: URL, connectTimeout: number | undefined, timeoutMs: number | undefined, layout: StoreLayout): Promise<OpenedStore> {
  const connectTimeoutMs = validate.milliseconds('connectTimeoutMs', connectTimeout ?? REDIS_CONNECT_TIMEOUT_MS);
  const { createClient } = await importDriver('redis', 'connect', {
    packageName: 'redis',
    versionRange: '5',
    load: () => import('redis'),
  });
  let connected = false;
  const client = createClient({
    url: withoutQuery(url),
    socket: {
      connectTimeout: driverTimeoutMs(connectTimeoutMs),
      // Returning the error ends the attempt: connect() rejects with it.
      reconnectStrategy: (retries: number, cause: Error) => (connected ? redisReconnectDelay(retries) : cause),
    },
  });
  client.on('ready', () => void (connected = true));
  // Without a listener, a connection error event would stop the process; failures reach
  // callers as StoreErrors from the store's operations instead.
  client.on('error', () => undefined);
  const store = new RedisStore({ client: client as unknown as RedisClientLike, timeoutMs, layout });
  try {
    await withTimeout('redis', 'connect', connectTimeoutMs, () => client.connect());
  } catch (error) {
    if (client.isOpen) client.destroy();
    const reason = error instanceof StoreError ? errorReason(error.cause) : errorReason(error);
    throw new StoreError('redis', 'connect', error, `cannot connect to ${redactCredentials(withoutQuery(url))}: ${reason}`);
  }
  return Object.assign(store, {
    close: async () => {
      if (!client.isOpen) return;
      try {
        await client.close();
      } catch {
        if (client.isOpen) client.destroy();
      }
    },
  });
}

/** The pause before reconnection attempt `retries` (0, 1, 2…): 50, 100, 200… ms, at most 1 s. */
function redisReconnectDelay(retries: number): number {
  return Math.min(FIRST_REDIS_RECONNECT_DELAY_MS * 2 ** retries, MAX_REDIS_RECONNECT_DELAY_MS);
}
